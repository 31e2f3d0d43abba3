"""Profile the public pages in-process (cProfile, standard library): where a page's time goes.

    .venv/bin/python bench/profile_pages.py                     # every page, 30 renders each
    .venv/bin/python bench/profile_pages.py --pages catalogue --runs 50 --top 30
    .venv/bin/python bench/profile_pages.py --cache-url dummycache://   # no cache: render cost

Uses the bench's catalogue (`pp_bench`, filled by bench/catalog.py's filler when missing, as
bench/load.py does), DEBUG off, Django's test client (no network). For each page: one request
to warm up (template loading, first queries), then `--runs` requests under cProfile; prints
the median time per request, SQL queries, and the top entries by cumulative and by own time.
By default the cache is a dummy one, so the numbers are the cost of rendering every time (what
a cache miss costs); `--cache-url rediscache://127.0.0.1:6379/15` profiles with the cache.
Writes the whole report to bench/results/profile-<date>.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import RESULTS_DIR, ROOT, ensure_catalogue, flush_cache, setup_django  # noqa: E402

PAGES = ("catalogue", "catalogue10", "search", "action", "home", "faq")


def page_urls(search: str) -> dict[str, str]:
    from django.utils import timezone

    from catalog.models import Action, Session

    action = (
        Action.objects.published()
        .filter(sessions__starts_at__gt=timezone.now(), sessions__status=Session.Status.PUBLISHED)
        .order_by("pk")
        .first()
    )
    return {
        "catalogue": "/catalogue/",
        "catalogue10": "/catalogue/?page=10",
        "search": f"/catalogue/?{search}",
        "action": action.get_absolute_url(),
        "home": "/",
        "faq": "/faq/",
    }


def bench_person():
    """A professional of a member structure with one upcoming session in the cart: what a
    logged-in page shows per person (cart marks, eligibility) is then rendered."""
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Session
    from enrollment.models import Cart, CartItem

    user, _ = User.objects.get_or_create(
        email="bench-person@example.org",
        defaults={"first_name": "Camille", "last_name": "Banc", "is_active": True},
    )
    cart, _ = Cart.objects.get_or_create(user=user)
    if not CartItem.objects.filter(cart=cart).exists():
        session = Session.objects.filter(starts_at__gt=timezone.now()).order_by("pk").first()
        CartItem.objects.create(cart=cart, session=session)
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_bench")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--search", default="q=accompagnement&kind=training&department=33")
    parser.add_argument("--cache-url", default="dummycache://")
    parser.add_argument(
        "--logged-in",
        action="store_true",
        help="as a logged-in professional (a bench user, created when missing) with one "
        "session in the cart, rather than an anonymous visitor",
    )
    args = parser.parse_args()
    assert 0 < args.runs <= 1000

    setup_django(
        args.database,
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        CACHE_URL=args.cache_url,
        LOG_LEVEL="WARNING",
    )
    ensure_catalogue()
    flush_cache(args.cache_url)
    from django.db import connection
    from django.test import Client

    urls = page_urls(args.search)
    client = Client()
    if args.logged_in:
        client.force_login(bench_person())
    out = io.StringIO()

    def say(line: str = "") -> None:
        print(line)
        out.write(line + "\n")

    who = "a logged-in professional" if args.logged_in else "an anonymous visitor"
    say(
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, cache {args.cache_url}, {args.runs} runs a page, "
        f"as {who}"
    )
    summary = []
    for name in args.pages.split(","):
        url = urls[name]
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        times = []
        profile = cProfile.Profile()
        for _ in range(args.runs):
            started = time.perf_counter()
            profile.enable()
            client.get(url)
            profile.disable()
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        summary.append((name, url, median, len(queries)))
        say()
        say(f"## {name} {url}: median {median:.1f} ms, {len(queries)} SQL queries")
        for sort in ("cumulative", "tottime"):
            stream = io.StringIO()
            stats = pstats.Stats(profile, stream=stream)
            stats.strip_dirs().sort_stats(sort).print_stats(args.top)
            text = stream.getvalue()
            body = text[text.find("ncalls") :] if "ncalls" in text else text
            say(f"### by {sort}")
            say(body.rstrip())
    say()
    say("| page | median ms | SQL queries |")
    say("| --- | ---: | ---: |")
    for name, url, median, count in summary:
        say(f"| {name} (`{url}`) | {median:.1f} | {count} |")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"profile-{dt.datetime.now():%Y%m%d-%H%M%S}.txt"
    path.write_text(out.getvalue())
    print(f"\n(written to {path.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
