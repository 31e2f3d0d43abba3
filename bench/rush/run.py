"""The opening-day rush: 60 people at once on a programme year's data, whole journeys with
Locust, then the rules checked and the CPU each process spent.

    python bench/rush/run.py                  # build the data if needed, rush 2 minutes, report
    python bench/rush/run.py --build          # rebuild the data first (about 5 minutes)
    python bench/rush/run.py --duration 60 --rate 3 --professionals 30

Run it with the application's Python (.venv/bin/python); Locust comes from its own virtualenv
(`--locust`, default bench/rush/.venv/bin/locust: bench/README.md says how to make it).

1. Data (build.py), in PostgreSQL database `--database` (pp_rush_bench), kept as a template:
   10,000 professionals, 1,500 structures (1,000 members with their approver), 600 actions,
   2,000 sessions, 30 % of the places held through the services. Built again when missing,
   older than a week, or with `--build`; each run works on a fresh copy (`<database>_run`,
   CREATE DATABASE … TEMPLATE: seconds).
2. The servers, as the Dockerfile and docker-compose.yml run them: gunicorn with 3 sync
   workers (plus bench/rush/gunicorn_conf.py, whose hooks record each request's CPU), a
   Celery worker and beat, Redis as cache (`--cache-url`, db 14) and broker (db 15), both flushed;
   DEBUG off; emails to an SMTP sink run by this script; TRUSTED_PROXY_COUNT=1 (Locust sends
   each person's X-Forwarded-For, as the proxy of docs/DEPLOYMENT.md would).
3. Locust, headless (locustfile.py): professionals, approvers and visitors at once, RATE
   validations a second offered for DURATION seconds.
4. gunicorn finishes its last requests and stops; the worker is given 90 s to send what the
   rush recorded; the rules are checked
   (checks.py); the report (Markdown) is printed and written to bench/rush/results/.

Exits non-zero when a rule fails, a request fails, or nothing was validated. Only 127.0.0.1
is contacted; every process started is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(HERE))

import psycopg  # noqa: E402
from load import (  # noqa: E402
    HOST,
    PG_ADMIN,
    PYTHON,
    VENV_BIN,
    collectstatic,
    database_url,
    free_port,
    server_env,
    wait_for_healthz,
)
from report import locust_stats, report, worker_cpu, worker_time  # noqa: E402

RESULTS = HERE / "results"
MAX_AGE = dt.timedelta(days=7)


def password_check_ms(runs: int = 5) -> float:
    """The median CPU of checking a password with the project's hasher (Argon2id,
    accounts.hashers), before and after the rush: the machine's speed at that moment, which no
    change of the pages touches — what makes runs on different (or noisy) machines
    comparable."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from accounts.hashers import Argon2idPasswordHasher

    return _check_ms(Argon2idPasswordHasher(), runs)


def pbkdf2_check_ms(runs: int = 3) -> float:
    """The median CPU of checking a password with Django's PBKDF2 at its default iterations
    (1,000,000 in Django 5.2): the measure issue 26 gives of the machine its load test ran
    on (« about 0.25 s a login »), so that a run here can be set beside that one."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    return _check_ms(PBKDF2PasswordHasher(), runs)


def _check_ms(hasher, runs: int) -> float:
    encoded = hasher.encode("rush", hasher.salt())
    times = []
    for _ in range(runs):
        started = time.process_time()
        hasher.verify("rush", encoded)
        times.append((time.process_time() - started) * 1000)
    return round(sorted(times)[runs // 2], 1)


# --- stages run in a process of their own, set up for Django on one database --------------


def stage(name: str, database: str, *args: str, **extra_env: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(database)}
    env.pop("CELERY_BROKER_URL", None)
    env.update(EMAIL_URL="dummymail://", DJANGO_SETTINGS_MODULE="parcourspro.settings")
    env.update(extra_env)
    subprocess.run([PYTHON, __file__, "--stage", name, *args], cwd=ROOT, env=env, check=True)


def run_stage(name: str, args: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if name == "migrate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    elif name == "build":
        import build
        from django.core.management import call_command

        data_path, jobs = args
        call_command("migrate", verbosity=0)
        timings = build.build(jobs=int(jobs))
        build.export(Path(data_path))
        print(json.dumps(timings))
    elif name == "check":
        import checks

        validations, started_at, delivered, out = args
        results = checks.check(
            json.loads(Path(validations).read_text())["validated"],
            dt.datetime.fromisoformat(started_at),
            json.loads(Path(delivered).read_text()),
        )
        Path(out).write_text(json.dumps(results))


# --- PostgreSQL --------------------------------------------------------------------------------


def admin(sql: str, params=None):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def built_at(database: str) -> dt.datetime | None:
    rows = admin(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [database],
    )
    if not rows or not rows[0][0] or not rows[0][0].startswith("rush built "):
        return None
    return dt.datetime.fromisoformat(rows[0][0].removeprefix("rush built "))


def recreate(database: str, template: str | None = None) -> None:
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))


# --- processes -----------------------------------------------------------------------------


def start(command: list[str], env: dict, log_name: str) -> subprocess.Popen:
    log = open(RESULTS / log_name, "wb")  # noqa: SIM115 — closed with the process
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this process leads
            process.wait(timeout=10)


class CpuSampler(threading.Thread):
    """CPU (user + system, seconds) that each kind of process of this rush spends while it
    runs, read from /proc twice a second: its gunicorn (master and workers: their command
    line names its port), its Celery worker and beat (their --hostname or schedule),
    PostgreSQL's backends on its database, Redis (shared with whatever else uses it on this
    machine), and this script (the SMTP sink). Sampled rather than read twice: a backend
    that ends during the rush (CONN_MAX_AGE) keeps its share, one that starts is counted
    from zero. Locust's own is read from its rusage when it exits."""

    def __init__(self, *, port: int, celery_name: str, database: str):
        super().__init__(daemon=True)
        self.port, self.celery_name, self.database = port, celery_name, database
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, float] = {}
        self.running = True
        self.sample(baseline=True)

    def kind(self, pid: int, command: str) -> str | None:
        if "gunicorn" in command and f"{HOST}:{self.port}" in command:
            return "gunicorn (workers and master)"
        if self.celery_name in command:
            return "celery worker and beat"
        if command.startswith("postgres:") and f" {self.database} " in command:
            return "postgres backends"
        if "redis-server" in command:
            return "redis (shared)"
        if pid == os.getpid():
            return "run.py (SMTP sink, sampling)"
        return None

    def sample(self, *, baseline: bool = False) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for name in filter(str.isdigit, os.listdir("/proc")):
            pid = int(name)
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                if pid not in self.first:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                    kind = self.kind(pid, command.replace(b"\0", b" ").decode())
                    if kind is None:
                        continue
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick
            if pid not in self.first:
                self.first[pid] = (kind, seconds if baseline else 0.0)
            self.last[pid] = seconds

    def run(self) -> None:
        while self.running:
            time.sleep(0.5)
            self.sample()

    def stop(self) -> dict[str, float]:
        self.running = False
        self.join(timeout=5)
        self.sample()
        totals: Counter[str] = Counter()
        for pid, (kind, first) in self.first.items():
            totals[kind] += self.last[pid] - first
        return dict(totals)


class Sink:
    """An SMTP server on loopback (aiosmtpd) that keeps each message's Message-ID."""

    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        import email

        message_id = email.message_from_bytes(envelope.content)["Message-ID"] or ""
        with self.lock:
            self.ids.append(message_id)
        return "250 OK"


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="pp_rush_bench", help="template database")
    parser.add_argument("--build", action="store_true", help="rebuild the data first")
    parser.add_argument("--jobs", type=int, default=2, help="processes building the data")
    parser.add_argument("--duration", type=int, default=120, help="seconds of rush")
    parser.add_argument("--rate", type=float, default=5, help="validations offered a second")
    parser.add_argument("--professionals", type=int, default=40)
    parser.add_argument("--approvers", type=int, default=8)
    parser.add_argument("--visitors", type=int, default=12)
    parser.add_argument("--think", type=float, default=0.4, help="max pause between pages, s")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads a worker (more than 1: gthread workers)"
    )
    parser.add_argument(
        "--target", type=int, default=300, help="validations a minute the sizing is for"
    )
    parser.add_argument("--cache-url", default="rediscache://127.0.0.1:6379/14")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--locust", default=str(HERE / ".venv" / "bin" / "locust"))
    parser.add_argument(
        "--http-client",
        choices=("fast", "requests"),
        default="fast",
        help="Locust's FastHttpUser (default) or HttpUser (requests: 3 to 4 times its CPU)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the last rush's report again (the same --professionals … --target)",
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.stage:
        run_stage(args.stage, rest)
        return
    if args.report_only:
        write_report(args)
        return
    assert 0 < args.duration <= 900 and args.professionals + args.approvers + args.visitors <= 200
    if not Path(args.locust).exists():
        sys.exit(f"{args.locust} not found: see bench/README.md (the rush's virtualenv)")
    RESULTS.mkdir(exist_ok=True)
    data_path = RESULTS / "data.json"
    run_db = f"{args.database}_run"
    import redis

    def flush_redis():
        for url in (args.cache_url, args.broker_url):
            redis.Redis.from_url(url.replace("rediscache://", "redis://", 1)).flushdb()

    # 1. The data.
    when = built_at(args.database)
    if (
        args.build
        or when is None
        or dt.datetime.now(dt.UTC) - when > MAX_AGE
        or not data_path.exists()
    ):
        print(f"building the data in {args.database}…")
        started = time.perf_counter()
        recreate(args.database)
        # The tasks the services publish go to the bench's broker, flushed after: none runs.
        stage(
            "build",
            args.database,
            str(data_path),
            str(args.jobs),
            CELERY_BROKER_URL=args.broker_url,
        )
        flush_redis()
        now = dt.datetime.now(dt.UTC).isoformat()
        admin(f"COMMENT ON DATABASE \"{args.database}\" IS 'rush built {now}'")
        print(f"built in {time.perf_counter() - started:.0f} s")
    # Data built by an earlier commit: its schema brought up to this one's migrations.
    stage("migrate", args.database)
    started = time.perf_counter()
    recreate(run_db, template=args.database)
    print(f"copied to {run_db} in {time.perf_counter() - started:.1f} s")

    # 2. The servers.
    cpu_dir = RESULTS / "cpu"
    cpu_dir.mkdir(exist_ok=True)
    for old in [*cpu_dir.glob("*.jsonl"), *RESULTS.glob("celerybeat-*")]:
        old.unlink()
    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp = Controller(sink, hostname=HOST, port=free_port())
    smtp.start()
    env = server_env(
        run_db,
        CACHE_URL=args.cache_url,
        CELERY_BROKER_URL=args.broker_url,
        EMAIL_URL=f"smtp://{HOST}:{smtp.port}",
        TRUSTED_PROXY_COUNT="1",
        RUSH_CPU_DIR=str(cpu_dir),
    )
    collectstatic(env)
    flush_redis()
    port = free_port()
    celery_name = f"rush-{secrets.token_hex(4)}@localhost"
    processes = []
    try:
        gunicorn = start(
            [
                str(VENV_BIN / "gunicorn"),
                "parcourspro.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--access-logfile",
                str(RESULTS / "access.log"),
                "-c",
                str(HERE / "gunicorn_conf.py"),
            ],
            env,
            "gunicorn.log",
        )
        processes.append(gunicorn)
        celery = start(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "parcourspro",
                "worker",
                "--loglevel=WARNING",
                "--hostname",
                celery_name,
            ],
            env,
            "celery.log",
        )
        processes.append(celery)
        schedule = RESULTS / f"celerybeat-{celery_name}"
        processes.append(
            start(
                [str(VENV_BIN / "celery"), "-A", "parcourspro", "beat", "--loglevel=WARNING"]
                + ["--schedule", str(schedule)],
                env,
                "beat.log",
            )
        )
        wait_for_healthz(f"http://{HOST}:{port}", gunicorn)

        # 3. The rush.
        outcome_path = RESULTS / "validations.json"
        outcome_path.unlink(missing_ok=True)
        prefix = RESULTS / "locust"
        locust_env = {
            **os.environ,
            "RUSH_DATA": str(data_path),
            "RUSH_OUT": str(outcome_path),
            "RUSH_RATE": str(args.rate),
            "RUSH_PROFESSIONALS": str(args.professionals),
            "RUSH_APPROVERS": str(args.approvers),
            "RUSH_VISITORS": str(args.visitors),
            "RUSH_THINK": str(args.think),
            "RUSH_HTTP_CLIENT": args.http_client,
        }
        users = args.professionals + args.approvers + args.visitors
        load = os.getloadavg()
        build_info = {
            "password_check_ms": password_check_ms(),
            "pbkdf2_check_ms": pbkdf2_check_ms(),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
            "load": f"{load[0]:.1f}",
            "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        }
        started_at = dt.datetime.now(dt.UTC)
        locust = start(
            [
                args.locust,
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--host",
                f"http://{HOST}:{port}",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{args.duration}s",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            locust_env,
            "locust.log",
        )
        processes.append(locust)
        sampler = CpuSampler(port=port, celery_name=celery_name, database=run_db)
        sampler.start()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        fired = time.perf_counter()
        locust.wait(timeout=args.duration + 120)
        wall = time.perf_counter() - fired
        cpu_used = sampler.stop()
        # Locust has exited: its CPU is that of the one child reaped meanwhile.
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_used["locust"] = (
            reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime
        )

        # 4. What the last requests recorded (gunicorn finishes them as it stops), then the
        # outbox drained by the worker, the rules.
        stop(gunicorn)
        deadline = time.monotonic() + 90  # past a sweep of beat's (every 60 s)
        while time.monotonic() < deadline:
            with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={run_db}") as conn:
                waiting_for = conn.execute(
                    "SELECT count(*) FROM mailing_email WHERE sent_at IS NULL AND NOT gave_up"
                ).fetchone()[0]
            if not waiting_for:
                break
            time.sleep(1)
    finally:
        for process in reversed(processes):
            stop(process)
        smtp.stop()
        flush_redis()
    # The machine's speed again, every process stopped: a slower machine during the run shows
    # as a change between the two (the neighbours of a shared machine come and go).
    build_info["password_check_after_ms"] = password_check_ms()

    delivered_path = RESULTS / "delivered.json"
    delivered_path.write_text(json.dumps(sink.ids))
    checks_path = RESULTS / "checks.json"
    stage(
        "check",
        run_db,
        str(outcome_path),
        started_at.isoformat(),
        str(delivered_path),
        str(checks_path),
    )
    (RESULTS / "run.json").write_text(
        json.dumps({"cpu_used": cpu_used, "wall": wall, "build_info": build_info})
    )
    write_report(args)


def write_report(args) -> None:
    """The report of the last rush, from what it left in bench/rush/results/."""
    results = json.loads((RESULTS / "checks.json").read_text())
    outcome = json.loads((RESULTS / "validations.json").read_text())
    run = json.loads((RESULTS / "run.json").read_text())
    stats = locust_stats(RESULTS / "locust")
    cpu_by_kind, cpu_by_person = worker_cpu(RESULTS / "cpu")
    time_by_kind, busy = worker_time(RESULTS / "cpu")
    text = report(
        args=args,
        stats=stats,
        cpu_by_kind=cpu_by_kind,
        cpu_by_person=cpu_by_person,
        cpu_used=run["cpu_used"],
        wall=run["wall"],
        results=results,
        outcome=outcome,
        build_info=run["build_info"],
        time_by_kind=time_by_kind,
        busy=busy,
    )
    out = RESULTS / f"rush-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.md"
    out.write_text(text + "\n")
    print(text)
    print(f"\n(written to {out.relative_to(ROOT)})")
    failed = int(stats[-1]["Failure Count"]) or not outcome["validated"]
    if failed or not all(holds for _, holds, _ in results):
        sys.exit("a rule failed, a request failed, or nothing was validated")


if __name__ == "__main__":
    main()
