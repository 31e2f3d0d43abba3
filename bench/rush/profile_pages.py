"""The rush's logged-in pages in-process, on its data: CPU, SQL queries and cProfile's top
entries of each (the pages that issue 26 wants at most 8 ms of CPU).

    .venv/bin/python bench/rush/profile_pages.py                      # every page, 30 runs each
    .venv/bin/python bench/rush/profile_pages.py --page "Employer Space" --runs 50 --top 25

Runs on a copy of the rush's template database (`pp_rush_bench_profile`, made from
`pp_rush_bench` in seconds; run.py builds it), with the shared cache of production
(`--cache-url`, Redis db 14, flushed first; the first run of each page fills it and is not
counted). A professional of a member structure with a request held and three sessions in
the cart, and the approver with the most requests waiting, are logged in with
`Client.force_login` (no password hash in the figures: the login's own cost is in the
rush's report).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from load import database_url  # noqa: E402


def _count(queries, execute, sql, params, many, context):
    """An execute wrapper (Django's, documented) that keeps each statement's SQL."""
    queries.append(sql)
    return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="pp_rush_bench")
    parser.add_argument("--page", help="one page kind only (as in the rush's report)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="tottime", help="cProfile's order: tottime, cumulative")
    parser.add_argument("--cache-url", default="rediscache://127.0.0.1:6379/14")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from run import admin, recreate, stage

    database = f"{args.template}_profile"
    stage("migrate", args.template)  # data built by an earlier commit: its schema brought up
    recreate(database, template=args.template)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        DATABASE_URL=database_url(database),
        CACHE_URL=args.cache_url,
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        EMAIL_URL="dummymail://",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from catalog.models import Session
    from enrollment import services
    from enrollment.models import RegistrationStatus

    cache.clear()
    professional = (
        User.objects.filter(
            email__startswith="pro-",
            structure__approvers__isnull=False,
            registrations__status=RegistrationStatus.PENDING_PROVIDER,
        )
        .order_by("pk")
        .first()
    )
    open_sessions = Session.objects.open_for_registration().exclude(
        registrations__user=professional
    )
    for session in open_sessions.filter(action__kind="webinar").order_by("pk")[:3]:
        services.add_to_cart(professional, session)
    approver = (
        User.objects.filter(email__startswith="approver-")
        .order_by("-approved_structures__registrations__submitted_at")
        .first()
    )
    action = open_sessions.order_by("pk").first().action
    pages = {
        "home": (None, "/"),
        "catalogue": (None, "/catalogue/"),
        "catalogue, filtered": (None, "/catalogue/?q=orientation&format=remote"),
        # What every logged-in page costs before its own work: the session, the person, the
        # header, the middleware (the FAQ's own part: one statement reading its entries).
        "FAQ (logged in)": (professional, "/faq/"),
        "action page": (professional, action.get_absolute_url()),
        "catalogue (logged in)": (professional, "/catalogue/"),
        "cart": (professional, "/panier/"),
        "Mon espace": (professional, "/mon-espace/"),
        "Employer Space": (approver, "/espace-employeur/"),
        "Employer Space, filtered": (approver, "/espace-employeur/?status=all&sort=action"),
    }
    if args.page:
        pages = {args.page: pages[args.page]}
    print(
        f"professional {professional.email}, approver {approver.email}; {args.runs} runs, "
        f"database {database}, cache {args.cache_url}\n"
    )
    for name, (user, url) in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        cpu, wall = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        queries: list[str] = []
        with connection.execute_wrapper(partial(_count, queries)):
            client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(url)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        # Python function calls a request: the same on a busy machine as on a quiet one.
        print(
            f"## {name} ({url}): CPU median {statistics.median(cpu):.1f} ms, wall "
            f"{statistics.median(wall):.1f} ms, {len(queries)} queries, "
            f"{stats.total_calls / 10:.0f} function calls"
        )
        print("\n".join(out.getvalue().splitlines()[6 : 9 + args.top]))
        print()
    connection.close()
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
