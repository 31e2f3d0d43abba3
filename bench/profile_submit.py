"""Profile one cart validation in-process, one after another (no contention): its time, its
SQL queries, and how much of it holds the session's row lock.

    .venv/bin/python bench/profile_submit.py                # 60 validations, 12 places
    .venv/bin/python bench/profile_submit.py --users 100 --top 40

Uses bench/burst.py's database (`pp_burst`, flushed) and set-up (one member-only session,
each user of a different member structure with its approver and the session in the cart);
posts « Valider mon panier » with Django's test client, logged in by `force_login`. The lock
is held from the statement that locks the session (`FOR NO KEY UPDATE` on catalog_session)
to the COMMIT: the script times that span and counts the queries in it, then prints the
median of each and the top entries of a cProfile of every validation.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from burst import build, flush_cache  # noqa: E402
from load import RESULTS_DIR, setup_django  # noqa: E402

BROKER_URL = "redis://127.0.0.1:6379/14"
CACHE_URL = "rediscache://127.0.0.1:6379/13"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_burst")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--capacity", type=int, default=12)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="cProfile's order (e.g. tottime)")
    parser.add_argument(
        "--no-profile", action="store_true", help="time only, without cProfile's overhead"
    )
    parser.add_argument(
        "--lock-only",
        action="store_true",
        help="profile only the span that holds the session's lock (its statement to COMMIT)",
    )
    parser.add_argument(
        "--cache-url",
        default=CACHE_URL,
        help="CACHE_URL, as in production (flushed before and after); empty: per process",
    )
    parser.add_argument("--dump", metavar="PATH", help="also write the profile (pstats) there")
    parser.add_argument(
        "--show-sql", type=int, metavar="N", help="print the SQL of the N-th validation"
    )
    args = parser.parse_args()
    assert 0 < args.capacity < args.users <= 500

    setup_django(
        args.database,
        ALLOWED_HOSTS="testserver",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        EMAIL_URL="dummymail://",
        # As bench/burst.py: emails are queued on a broker no worker reads (flushed at the end).
        CELERY_BROKER_URL=BROKER_URL,
        **({"CACHE_URL": args.cache_url} if args.cache_url else {}),
    )
    if args.cache_url:
        flush_cache(args.cache_url)
    from django.db import connection
    from django.test import Client

    session, users = build(args.users, args.capacity)
    span = {"locked_at": None, "queries": 0, "all": 0, "end": None, "sql": []}
    locked_times, locked_queries, totals, all_queries, cpu_totals = [], [], [], [], []

    def watch(execute, sql, params, many, context):
        if span["locked_at"] is None and "FOR NO KEY UPDATE" in sql and "catalog_session" in sql:
            span["locked_at"] = time.perf_counter()
            if args.lock_only:
                profile.enable()
        elif span["locked_at"] is not None:
            span["queries"] += 1
        span["all"] += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ended = time.perf_counter()
            where = "locked" if span["locked_at"] is not None else "      "
            span["sql"].append(f"{where} {ended * 1000:12.2f} {(ended - began) * 1000:5.2f} {sql}")

    def committed():
        if span["locked_at"] is not None and span["end"] is None:
            span["end"] = time.perf_counter()

    profile = cProfile.Profile()  # the lock's span enables it in `watch` (--lock-only)
    client = Client()  # one client: its handler loads the middleware (whitenoise) once
    with connection.execute_wrapper(watch):
        for user in users:
            client.force_login(user)
            body = {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "phone": user.phone,
                "job_title": user.job_title,
                f"motivations_{session.pk}": "Je souhaite approfondir ma pratique.",
            }
            span.update(locked_at=None, queries=0, all=0, end=None, sql=[])
            original_commit = connection.commit

            def commit(original=original_commit):
                original()
                committed()

            connection.commit = commit
            started, cpu_started = time.perf_counter(), time.process_time()
            if not (args.no_profile or args.lock_only):
                profile.enable()
            response = client.post("/panier/", body)
            profile.disable()
            totals.append((time.perf_counter() - started) * 1000)
            cpu_totals.append((time.process_time() - cpu_started) * 1000)
            del connection.commit
            if args.show_sql is not None and len(totals) == args.show_sql:
                print(f"request  {started * 1000:12.2f}  start")
                print("\n".join(statement[:300] for statement in span["sql"]))
                print(f"request  {(started + totals[-1] / 1000) * 1000:12.2f}  end\n")
            assert response.status_code == 302, response.status_code
            if span["locked_at"] is not None and span["end"] is not None:
                locked_times.append((span["end"] - span["locked_at"]) * 1000)
            locked_queries.append(span["queries"])
            all_queries.append(span["all"])
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    if args.cache_url:
        flush_cache(args.cache_url)
    out = io.StringIO()
    if not args.no_profile:
        stats = pstats.Stats(profile, stream=out)
        if args.dump:
            stats.dump_stats(args.dump)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    report = [
        f"{args.users} validations of one session of {args.capacity} places, in turn:",
        f"- request: median {statistics.median(totals):.1f} ms, "
        f"{statistics.median(all_queries):.0f} SQL queries, median CPU of this process "
        f"{statistics.median(cpu_totals):.1f} ms",
        f"- lock held (session locked → COMMIT): median "
        f"{statistics.median(locked_times):.1f} ms, queries in it: "
        f"{sorted(set(locked_queries))}",
        "",
        out.getvalue()[out.getvalue().find("ncalls") :],
    ]
    text = "\n".join(report)
    print(text)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"profile-submit-{time.strftime('%Y%m%d-%H%M%S')}.txt").write_text(text)


if __name__ == "__main__":
    main()
