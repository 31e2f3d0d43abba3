"""A real Celery worker against a Redis of the test's own (tests/integration/private_redis.py)
that is stopped and started again while the worker has a task in hand.

Before issue 23 the worker exited at such a restart (« Unrecoverable error: AttributeError »,
raised by kombu's restore of the unacknowledged messages once Celery had detached the lost
connection's transport: see CELERY_BROKER_TRANSPORT_OPTIONS in parcourspro/settings.py), and
every task waited until someone started it again. Now the worker reconnects and takes new
tasks; and if it dies all the same, `bin/supervise` (`make worker`) starts it again.

The worker process runs the project's app and settings, with the tasks of
tests/integration/worker_tasks.py (marker files, no database). No database is needed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from parcourspro.celery import app
from tests.integration.private_redis import private_redis  # noqa: F401 — a fixture

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
TASKS = "tests.integration.worker_tasks"


def wait_for(path: Path, *, timeout: float, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode})\n{tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} not written within {timeout} s\n{tail(log)}")
        time.sleep(0.05)


def tail(log: Path, lines: int = 60) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def worker_command(*, pool: str, concurrency: int = 1) -> list[str]:
    return [str(CELERY), "-A", "parcourspro", "worker", f"--pool={pool}"] + [
        f"--concurrency={concurrency}",
        "--include",
        TASKS,
        "--loglevel=INFO",
        "--hostname",
        f"restart-{uuid.uuid4().hex[:8]}@localhost",
    ]


def worker_environment(broker_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "EMAIL_URL", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        CELERY_BROKER_URL=broker_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        LOG_LEVEL="WARNING",
        # kombu writes what it could not give back to Redis to a temporary file: here.
        TMPDIR=str(tmp_path),
    )
    return env


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path):
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # what is left of the group it leads
            process.wait(timeout=10)


@pytest.fixture
def publisher(private_redis):  # noqa: F811 — the fixture imported above
    """Publish for real (tests/conftest.py makes tasks eager) on one connection kept across
    the restarts, as a web process keeps the connections of its pool."""
    app.conf.task_always_eager = False  # tests/conftest.py's eager_celery restores it
    with app.connection_for_write(url=private_redis.url()) as connection:

        def send(name: str, *args) -> None:
            app.send_task(f"{TASKS}.{name}", args, connection=connection)

        yield send


def test_a_worker_survives_redis_restarts_with_a_task_in_hand_then_takes_new_tasks(
    private_redis,  # noqa: F811 — the fixture imported above
    publisher,
    tmp_path,
):
    log = tmp_path / "worker.log"
    env = worker_environment(private_redis.url(), tmp_path)
    # Two processes, one task in hand: the worker is still waiting on Redis for a second
    # message when the connection drops (with no room left, the crash did not happen).
    with running(worker_command(pool="prefork", concurrency=2), env, log) as worker:
        ready = tmp_path / "ready"
        publisher("touch", str(ready))
        wait_for(ready, timeout=30, worker=worker, log=log)

        for attempt in range(2):  # before the fix: an exit at the first restart, every time
            in_hand = tmp_path / f"held-{attempt}"
            publisher("hold", 3, str(in_hand))
            wait_for(Path(f"{in_hand}.started"), timeout=15, worker=worker, log=log)

            private_redis.restart()

            # The first publish after the restart goes through the dead connection:
            # the publish policy tries once more on a fresh one (no exception, no loss).
            after = tmp_path / f"after-restart-{attempt}"
            publisher("touch", str(after))
            wait_for(after, timeout=30, worker=worker, log=log)
            wait_for(Path(f"{in_hand}.done"), timeout=15, worker=worker, log=log)
            assert worker.poll() is None, tail(log)

        time.sleep(1)
        assert worker.poll() is None, tail(log)
    assert "Unrecoverable error" not in log.read_text(errors="replace")


def test_a_killed_worker_is_started_again_by_the_supervisor(
    private_redis,  # noqa: F811 — the fixture imported above
    publisher,
    tmp_path,
):
    """`make worker` runs the worker under bin/supervise: killed, it is started again."""
    log = tmp_path / "supervised.log"
    env = dict(worker_environment(private_redis.url(), tmp_path), SUPERVISE_DELAY="0.2")
    command = [str(ROOT / "bin" / "supervise"), *worker_command(pool="solo")]
    with running(command, env, log) as supervisor:
        first = tmp_path / "first"
        publisher("touch", str(first))
        wait_for(first, timeout=30, worker=supervisor, log=log)

        (worker_pid,) = children_of(supervisor.pid)
        os.kill(worker_pid, signal.SIGKILL)
        # Published once the worker is gone: a message that a worker takes from Redis just
        # before it dies is lost with it (no acknowledgement emulation), and it is the
        # database's sweeps that redo such work.
        deadline = time.monotonic() + 10
        while not is_zombie(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.02)

        second = tmp_path / "second"
        publisher("touch", str(second))
        wait_for(second, timeout=30, worker=supervisor, log=log)
        assert supervisor.poll() is None
        assert children_of(supervisor.pid) != [worker_pid]

        # Stopping the supervisor stops the worker too.
        (current,) = children_of(supervisor.pid)
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=20) == 0
        assert not Path(f"/proc/{current}").exists() or is_zombie(current)
    assert "exited with status -9" in log.read_text() or "status 137" in log.read_text()


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
