"""Burst of cart validations: 300 professionals validate their carts for one session of 12
places at the same instant, through HTTP, against gunicorn on PostgreSQL.

    .venv/bin/python bench/burst.py                 # 2 sync workers (the deployment's default)
    .venv/bin/python bench/burst.py --threads 8     # 2 workers x 8 threads: 16 transactions
                                                    # in flight on the session row lock

Uses its own database `pp_burst` (created, migrated and flushed on each run). Sets up one
member-only training session of 12 places and 300 employees, each of a different member
structure (with its approver and a membership for the session's year, so that neither the cap
of 2 per structure nor the quota limits anyone: only the capacity does), each with the session
already in the cart (`enrollment.services.add_to_cart`). Each user is logged in by a Django
session created directly (SESSION_KEY / BACKEND_SESSION_KEY / HASH_SESSION_KEY); the cart page
is fetched once per user for the CSRF token; then 300 threads, each on an open connection,
wait at a barrier and POST « Valider mon panier » together.

Checks, and exits non-zero when one fails: exactly 12 places held and 288 waitlisted, one
request per user, every holder submitted before every waitlisted one, every response a 302 to
the confirmation page (no 5xx). Reports the status codes and the p50/p95/max latency.
Emails: each validation records its two (the acknowledgement, the approver's) with their
context, nothing rendered under the session's lock, and publishes one `send_email` message per
email after its commit, to a Redis broker database of the bench's own (no worker, so none is
rendered or sent; flushed at the end); the server's cache is Redis too, as in production
(`--cache-url`, flushed before and after).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import secrets
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import HOST, collectstatic, gunicorn, server_env, setup_django  # noqa: E402

DOMAIN = "burst.parcourspro.test"
BROKER_URL = "redis://127.0.0.1:6379/15"  # the bench's own (load.py's cache, flushed anyway)
CACHE_URL = "rediscache://127.0.0.1:6379/12"  # the bench's own, flushed
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def build(n_users: int, capacity: int):
    """A fresh database with one member-only session and `n_users` employees whose carts
    hold it; returns (session, users)."""
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Action, ActionKind, Provider, Session, Theme
    from employers.models import Membership, Structure
    from employers.validators import complete_siret
    from enrollment import services

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    theme = Theme.objects.create(name="Thématique burst", slug="burst")
    provider = Provider.objects.create(name="Prestataire burst", email=f"provider@{DOMAIN}")
    action = Action.objects.create(
        title="Formation très demandée",
        slug="burst-training",
        kind=ActionKind.TRAINING,
        summary="Une session, douze places, trois cents candidats.",
        objectives="Tester la file d'attente.",
        duration_days=Decimal("2"),
        theme=theme,
        provider=provider,
    )
    starts_at = timezone.now() + dt.timedelta(days=40)
    session = Session.objects.create(
        action=action,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=7),
        registration_deadline=starts_at - dt.timedelta(days=2),
        capacity=capacity,
        format=Session.Format.ON_SITE,
        location="Cap Métiers, Pessac",
        department="33",
    )
    year = timezone.localtime(starts_at).year
    structures = Structure.objects.bulk_create(
        [
            Structure(
                name=f"Structure burst {n}",
                siret=complete_siret(f"9{n:08d}"),
                department="33",
                kind=Structure.Kind.ASSOCIATION,
            )
            for n in range(n_users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(structure=s, year=year, formula="base", amount=100) for s in structures]
    )
    common = {"password": "!", "employment_status": "employee", "phone": "0556000000"}
    approvers = User.objects.bulk_create(
        [
            User(email=f"approver-{n}@{DOMAIN}", structure=s, job_title="Directeur", **common)
            for n, s in enumerate(structures)
        ]
    )
    Structure.approvers.through.objects.bulk_create(
        [
            Structure.approvers.through(structure_id=s.pk, user_id=a.pk)
            for s, a in zip(structures, approvers, strict=True)
        ]
    )
    users = User.objects.bulk_create(
        [
            User(
                email=f"pro-{n}@{DOMAIN}",
                first_name="Camille",
                last_name=f"Burst {n}",
                structure=s,
                job_title="Conseiller",
                department="33",
                **common,
            )
            for n, s in enumerate(structures)
        ]
    )
    for user in users:
        services.add_to_cart(user, session)
    return session, users


def session_cookie(user) -> str:
    """A logged-in Django session for `user`, created directly (no login request)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def flush_cache(cache_url: str) -> None:
    import redis

    redis.Redis.from_url(cache_url.replace("rediscache://", "redis://", 1)).flushdb()


def fetch_cart(port: int, sessionid: str) -> tuple[str, str]:
    """GET /panier/: (csrftoken cookie, csrfmiddlewaretoken of the form)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", "/panier/", headers={"Cookie": f"sessionid={sessionid}"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET /panier/ answered {response.status}")
    cookie = next(
        value.split(";", 1)[0].split("=", 1)[1]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie" and value.startswith("csrftoken=")
    )
    token = CSRF_RE.search(body).group(1).decode()
    return cookie, token


def cpu_seconds(port: int, database: str) -> dict[str, float]:
    """CPU time (user + system) used so far by this burst's processes: its gunicorn (master
    and workers: their command line names its port), PostgreSQL's backends on its database
    (their title names it), Redis, and this process (the load generator) — not another
    bench's or a test suite's. Read from /proc (Linux); empty elsewhere."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    totals: Counter[str] = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(pid) == os.getpid():
            kind = "load generator (this process)"
        elif "gunicorn" in command and f"{HOST}:{port}" in command:
            kind = "gunicorn"
        elif command.startswith("postgres:") and f" {database} " in command:
            kind = "postgres"
        elif "redis-server" in command:
            kind = "redis"
        else:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        totals[kind] += (int(fields[11]) + int(fields[12])) / tick
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_burst")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--broker-url",
        default=BROKER_URL,
        help="Redis database where the server publishes its emails' tasks (flushed at the end)",
    )
    parser.add_argument(
        "--cache-url",
        default=CACHE_URL,
        help="CACHE_URL of the server, as in production (docker-compose.yml): shared by its "
        "workers, flushed before and after; empty for a cache per process",
    )
    args = parser.parse_args()
    assert 0 < args.users <= 1000 and 0 < args.capacity <= args.users

    # Sessions and their auth hashes are signed: this process and gunicorn share one key.
    secret_key = secrets.token_urlsafe(50)
    setup_django(args.database, SECRET_KEY=secret_key)
    from django.db.models import Max, Min

    from enrollment.models import CartItem, Registration, RegistrationStatus
    from mailing.models import Email

    started = time.perf_counter()
    session, users = build(args.users, args.capacity)
    cookies = {user.pk: session_cookie(user) for user in users}
    print(f"set up {len(users)} users with a cart in {time.perf_counter() - started:.1f} s")

    env = server_env(args.database, CELERY_BROKER_URL=args.broker_url, SECRET_KEY=secret_key)
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
        flush_cache(args.cache_url)
    collectstatic(env)
    results: dict[int, tuple[int, float, str]] = {}
    errors: dict[int, str] = {}
    with gunicorn(
        env, workers=args.workers, threads=args.threads, log_name="burst-gunicorn"
    ) as base:
        port = int(base.rsplit(":", 1)[1])
        bodies = {}
        for user in users:
            csrf_cookie, token = fetch_cart(port, cookies[user.pk])
            form = {
                "csrfmiddlewaretoken": token,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "phone": user.phone,
                "job_title": user.job_title,
                f"motivations_{session.pk}": "Je souhaite approfondir ma pratique.",
            }
            headers = {
                "Cookie": f"sessionid={cookies[user.pk]}; csrftoken={csrf_cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            bodies[user.pk] = (urlencode(form), headers)

        barrier = threading.Barrier(len(users) + 1)
        fired_at = [0.0]

        def submit(user_pk: int) -> None:
            body, headers = bodies[user_pk]
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
            try:
                conn.connect()
                barrier.wait(timeout=60)
                start = time.perf_counter()
                conn.request("POST", "/panier/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - start
                results[user_pk] = (response.status, elapsed, response.getheader("Location", ""))
            except Exception as error:  # noqa: BLE001 — reported as a failed request
                errors[user_pk] = repr(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=submit, args=(user.pk,)) for user in users]
        for thread in threads:
            thread.start()
        barrier.wait(timeout=60)
        cpu_before = cpu_seconds(port, args.database)
        fired_at[0] = time.perf_counter()
        for thread in threads:
            thread.join(timeout=180)
        wall = time.perf_counter() - fired_at[0]
        cpu_after = cpu_seconds(port, args.database)

    # --- invariants ---------------------------------------------------------------------------
    registrations = Registration.objects.filter(session=session)
    by_status = Counter(registrations.values_list("status", flat=True))
    held = registrations.filter(status__in=[RegistrationStatus.PENDING_EMPLOYER])
    waiting = registrations.filter(status=RegistrationStatus.WAITLISTED)
    last_held = held.aggregate(t=Max("submitted_at"))["t"]
    first_waiting = waiting.aggregate(t=Min("submitted_at"))["t"]
    per_user = Counter(registrations.values_list("user_id", flat=True))
    codes = Counter(status for status, _, _ in results.values())
    latencies = sorted(elapsed * 1000 for _, elapsed, _ in results.values())
    redirects_ok = sum(
        1
        for status, _, location in results.values()
        if status == 302 and location.startswith("/panier/confirmation/")
    )
    expected_waiting = args.users - args.capacity
    checks = [
        (f"exactly {args.capacity} places held", held.count() == args.capacity),
        (f"{expected_waiting} waitlisted", waiting.count() == expected_waiting),
        (
            "every holder submitted before every waitlisted one",
            last_held is not None and (first_waiting is None or last_held < first_waiting),
        ),
        ("one request per user", len(per_user) == args.users and max(per_user.values()) == 1),
        ("no 5xx", not any(code >= 500 for code in codes)),
        ("no connection error", not errors),
        (f"{args.users} redirects to the confirmation page", redirects_ok == args.users),
        ("every cart emptied", not CartItem.objects.filter(session=session).exists()),
    ]

    import redis

    redis.Redis.from_url(args.broker_url).flushdb()
    if args.cache_url:
        flush_cache(args.cache_url)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]

    print()
    print(
        f"{dt.date.today():%Y-%m-%d}, 2 cores, gunicorn {args.workers} workers x "
        f"{args.threads} thread(s), PostgreSQL `{args.database}`, cache "
        f"`{args.cache_url or 'per process'}`: {args.users} POST /panier/ "
        f"released together for a session of {args.capacity} places; all answered in "
        f"{wall:.2f} s."
    )
    print()
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| status codes | {', '.join(f'{c}: {n}' for c, n in sorted(codes.items()))} |")
    print(f"| connection errors | {len(errors)} |")
    print(f"| registrations by status | {', '.join(f'{s}: {n}' for s, n in by_status.items())} |")
    if latencies:
        print(
            f"| latency p50 / p95 / max | {pct(50):.0f} / {pct(95):.0f} / {latencies[-1]:.0f} ms |"
        )
        print(
            "| mean time per validation (wall ÷ requests) | "
            f"{wall / len(latencies) * 1000:.1f} ms |"
        )
    print(f"| emails recorded in the outbox | {Email.objects.count()} |")
    cpu_used = {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after}
    if cpu_used:
        print(
            "| CPU during the burst, ms a validation | "
            + ", ".join(
                f"{kind} {seconds * 1000 / args.users:.1f}"
                for kind, seconds in sorted(cpu_used.items(), key=lambda kv: -kv[1])
                if seconds > 0
            )
            + f" (of {2 * wall * 1000 / args.users:.1f} available on 2 cores) |"
        )
    print()
    print("| invariant | holds |")
    print("| --- | --- |")
    for label, ok in checks:
        print(f"| {label} | {'yes' if ok else '**NO**'} |")
    if errors:
        print("first errors:", list(errors.values())[:3])
    if not all(ok for _, ok in checks):
        sys.exit("an invariant failed")


if __name__ == "__main__":
    main()
