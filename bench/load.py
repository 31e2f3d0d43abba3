"""Load test of the catalogue under gunicorn, on PostgreSQL, over loopback.

    .venv/bin/python bench/load.py                       # 15 s per target, 16 connections
    .venv/bin/python bench/load.py --duration 30 --concurrency 32

Creates (or reuses) the PostgreSQL database `pp_bench`, migrates it, fills it with the filler
of bench/catalog.py when it holds fewer than 2,000 actions, runs `collectstatic`, starts
gunicorn (2 sync workers, DEBUG=false, no broker) on a free port of 127.0.0.1, waits for
/healthz, then loads /healthz, the catalogue's first page, a filtered search and an action page
for a fixed duration each with a fixed number of connections, in turn, `--rounds` times (so
that a change of the shared machine's load weighs on every target alike), and prints a
Markdown table: requests per second, p50/p95/p99 latency (medians of the rounds) and each
page's RPS and p50 as a ratio to /healthz (measured first and last in each round; the
reference is their mean). The machine is shared, so the absolute numbers are noisy: compare
ratios.

The load generator is wrk (Debian package `wrk`) with bench/wrk_report.lua; without wrk, a
small thread-based Python loader (keep-alive `http.client`) does the same job, more slowly.
Only 127.0.0.1 is ever contacted; every loop is bounded in time.

The helpers of this module (database, environment, gunicorn) are reused by bench/burst.py.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
BENCH_ACTIONS = 2000


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def ensure_database(name: str) -> bool:
    """Create the PostgreSQL database `name` if missing; True when it was created."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def setup_django(database: str, **environment: str) -> None:
    """Point this process at PostgreSQL database `database`, without a broker, and set Django
    up (to be called once, before importing any model)."""
    ensure_database(database)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "parcourspro.settings"
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update(environment)
    import django

    django.setup()


def server_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like server process on `database`: DEBUG off, a random
    SECRET_KEY, only 127.0.0.1 allowed, no HTTPS redirect, no broker (tasks run eagerly)."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "EMAIL_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        DATABASE_URL=database_url(database),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def collectstatic(env: dict[str, str]) -> None:
    """DEBUG=false serves hashed static files (whitenoise's manifest): build it once."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def get(url: str, *, timeout: float = 10.0, headers: dict | None = None):
    """GET `url` (loopback only): (status, body bytes, response headers)."""
    assert url.startswith(f"http://{HOST}:"), url
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def wait_for_healthz(base: str, process: subprocess.Popen, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        with contextlib.suppress(OSError):
            status, _, _ = get(f"{base}/healthz", timeout=2)
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{base}/healthz did not answer 200 within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int = 2, threads: int = 1, log_name: str = "gunicorn"
):
    """Run gunicorn (`parcourspro.wsgi`) on a free loopback port; yield its base URL; always
    stop it (SIGTERM to the master, SIGKILL to its own process group after 15 s)."""
    port = free_port()
    RESULTS_DIR.mkdir(exist_ok=True)
    log_path = RESULTS_DIR / f"{log_name}.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "parcourspro.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://{HOST}:{port}"
        try:
            wait_for_healthz(base, process)
            yield base
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)  # the group gunicorn leads
                    process.wait(timeout=10)


# --- the catalogue's data --------------------------------------------------------------------


def load_bench_filler():
    """bench/catalog.py as a module (its `fill` and `reset`), without running its main()."""
    spec = importlib.util.spec_from_file_location("bench_catalog", BENCH_DIR / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_catalogue() -> None:
    """Migrate; fill with bench/catalog.py's filler when fewer than 2,000 actions."""
    from django.core.management import call_command

    from catalog.models import Action

    call_command("migrate", verbosity=0)
    count = Action.objects.count()
    if count >= BENCH_ACTIONS:
        return
    filler = load_bench_filler()
    if count and not Action.objects.filter(slug="bench-action-0").exists():
        sys.exit("pp_bench holds a catalogue that is not the bench's: use another --database.")
    if count:
        filler.reset()
    started = time.perf_counter()
    filler.fill(BENCH_ACTIONS, 3, 2)
    print(f"filled {BENCH_ACTIONS} actions in {time.perf_counter() - started:.1f} s")


def targets(search_query: str) -> list[tuple[str, str]]:
    from django.utils import timezone

    from catalog.models import Action, Session

    action = (
        Action.objects.published()
        .filter(
            sessions__starts_at__gt=timezone.now(),
            sessions__status=Session.Status.PUBLISHED,
        )
        .order_by("pk")
        .first()
    )
    return [
        ("/healthz", "/healthz"),
        ("catalogue, page 1", "/catalogue/"),
        ("catalogue, page 10", "/catalogue/?page=10"),
        ("filtered search", f"/catalogue/?{search_query}"),
        ("action page", action.get_absolute_url()),
        ("home", "/"),
        ("FAQ", "/faq/"),
        ("/healthz (again)", "/healthz"),
    ]


def flush_cache(cache_url: str) -> None:
    """Start from a cold cache (the bench's own Redis database, never another's)."""
    if not cache_url.startswith("rediscache://127.0.0.1:"):
        return
    import redis

    redis.Redis.from_url(cache_url.replace("rediscache://", "redis://", 1)).flushdb()


# --- load generators ---------------------------------------------------------------------------


def run_wrk(url: str, *, duration: float, concurrency: int, threads: int) -> dict:
    command = [
        "wrk",
        f"-t{min(threads, concurrency)}",
        f"-c{concurrency}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "wrk_report.lua"),
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["errors_total"] = sum(result["errors"].values())
    return result


def run_python_loader(url: str, *, duration: float, concurrency: int, threads: int) -> dict:
    """Fallback without wrk: `concurrency` threads, each on one keep-alive connection."""
    del threads
    port = int(url.split(":")[2].split("/")[0])
    path = "/" + url.split("/", 3)[3]
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency)
    stop_at = [0.0]

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        mine, codes = [], Counter()
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors["connect"] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
            codes[response.status] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.monotonic()
    stop_at[0] = started + duration
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=duration + 30)
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    bad = sum(n for code, n in statuses.items() if not 200 <= code < 400)
    return {
        "requests": len(latencies),
        "duration_s": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "errors": {"connect": errors["connect"], "non_2xx_3xx": bad},
        "errors_total": errors["connect"] + bad,
    }


def combine(results: list[dict]) -> dict:
    """One target's rounds as one: requests per second over their whole time, the median of
    their latency percentiles, the worst latency, every error."""
    requests = sum(result["requests"] for result in results)
    duration = sum(result["duration_s"] for result in results)
    return {
        "requests": requests,
        "duration_s": duration,
        "rps": requests / duration,
        **{
            name: statistics.median(result[name] for result in results)
            for name in ("p50_ms", "p95_ms", "p99_ms")
        },
        "max_ms": max(result["max_ms"] for result in results),
        "errors_total": sum(result["errors_total"] for result in results),
        "rounds": results,
    }


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_bench")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per target")
    parser.add_argument(
        "--rounds", type=int, default=3, help="the targets measured in turn, this many times"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, not measured")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--search",
        default="q=accompagnement&kind=training&department=33",
        help="query string of the filtered search",
    )
    parser.add_argument("--python-loader", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--cache-url",
        default="rediscache://127.0.0.1:6379/15",
        help="CACHE_URL of the server (shared by its workers, flushed before the run)",
    )
    args = parser.parse_args()
    assert 0 < args.duration <= 600 and 0 < args.concurrency <= 256 and 0 < args.rounds <= 20

    setup_django(args.database)
    ensure_catalogue()
    from catalog import selectors
    from catalog.models import Action, Session
    from web.catalog.filters import CatalogueForm

    pages = targets(args.search)
    from django.http import QueryDict

    matches = CatalogueForm(QueryDict(args.search)).actions().count()
    load = run_python_loader if args.python_loader or not shutil.which("wrk") else run_wrk
    loader_name = "wrk" if load is run_wrk else "python threads"
    env = server_env(args.database, CACHE_URL=args.cache_url)
    collectstatic(env)
    flush_cache(args.cache_url)

    rounds: dict[str, list[dict]] = {label: [] for label, _ in pages}
    sizes = {}
    with gunicorn(env, workers=args.workers, log_name="load-gunicorn") as base:
        for label, path in pages:
            status, body, _ = get(base + path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
            sizes[label] = len(body)
            if args.warmup:
                load(
                    base + path,
                    duration=args.warmup,
                    concurrency=args.concurrency,
                    threads=args.threads,
                )
        # The targets in turn, `--rounds` times: a drift of the shared machine's load during
        # the run weighs on every target alike rather than on the ones measured last.
        for _ in range(args.rounds):
            for label, path in pages:
                rounds[label].append(
                    load(
                        base + path,
                        duration=args.duration / args.rounds,
                        concurrency=args.concurrency,
                        threads=args.threads,
                    )
                )
    rows = []
    for label, path in pages:
        result = combine(rounds[label])
        result.update(label=label, path=path, bytes_per_page=sizes[label])
        rows.append(result)
        print(
            f"{label:<20} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
            f"p95 {result['p95_ms']:7.1f} ms  errors {result['errors_total']}",
            flush=True,
        )

    health = [row for row in rows if row["path"] == "/healthz"]
    ref_rps = statistics.fmean(row["rps"] for row in health)
    ref_p50 = statistics.fmean(row["p50_ms"] for row in health)
    print()
    print(
        f"{dt.date.today():%Y-%m-%d}, {os.cpu_count()} cores, gunicorn {args.workers} sync "
        f"workers, DEBUG=false, PostgreSQL `{args.database}` ({Action.objects.count()} actions, "
        f"{Session.objects.count()} sessions), load by {loader_name}: {args.concurrency} "
        f"connections, {args.duration:g} s per target in {args.rounds} rounds after "
        f"{args.warmup:g} s of warm-up; "
        f"filtered search `?{args.search}` matches {matches} actions "
        f"({selectors.CATALOGUE_PAGE_SIZE} per page)."
    )
    print()
    print(
        "| target | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| req/s ÷ /healthz | p50 ÷ /healthz p50 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['label']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['max_ms']:.1f} | {row['errors_total']} "
            f"| {row['rps'] / ref_rps:.3f} | {row['p50_ms'] / ref_p50:.1f} |"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    print(f"\n(raw results: {out.relative_to(ROOT)})")
    if any(row["errors_total"] for row in rows):
        sys.exit("some requests failed (see the errors column)")


if __name__ == "__main__":
    main()
