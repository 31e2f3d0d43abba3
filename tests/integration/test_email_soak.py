"""A small email soak (bench/email_soak.py in miniature): 100 outbox emails through Redis and a
real `celery worker` process that is SIGKILLed mid-way and restarted, then the sweep. Every
email arrives; at most one twice (a kill between the SMTP reply and the commit), and then
with the same Message-ID and counted in `possible_duplicates`.

Needs PostgreSQL (the worker process shares the test database, so the rows are committed:
transactional test) and Redis on 127.0.0.1:6379; skipped, with the reason, otherwise. The
worker consumes a queue of this test's own (a fresh name per run) in Redis database 10 (or
CELERY_BROKER_URL's), so parallel runs do not share tasks. The emails are recorded as
`queue_email` records them (a context, nothing rendered): the worker renders each before
sending it, so a kill may also fall between the rendering and the sending.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from mailing.models import Email
from mailing.outbox import message_id, open_attempt_expiry, send_email, sweep_unsent_emails
from parcourspro.celery import app
from tests.integration.test_celery_worker import broker, redis_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = redis_url(10)
EMAILS = 100


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    def __init__(self):
        self.message_ids: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        with self._lock:
            self.message_ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.message_ids)


def _wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(queue: str, smtp_port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        LOG_LEVEL="WARNING",
    )
    celery = Path(sys.executable).parent / "celery"
    return subprocess.Popen(
        [str(celery), "-A", "parcourspro", "worker", "--pool=solo", "-Q", queue]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
        + ["--hostname", f"{queue}-{time.monotonic_ns()}@localhost"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the group this worker leads
            worker.wait(timeout=10)


def context(i: int) -> bytes:
    """A context as `queue_email` records it (pickled), naming the email's number."""
    return pickle.dumps({"person": {"first_name": f"P{i}"}, "structure": {"name": f"S{i}"}})


def test_a_worker_killed_mid_way_loses_no_email_and_duplicates_at_most_one():
    from aiosmtpd.controller import Controller

    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    queue = f"soak-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    try:
        emails = Email.objects.bulk_create(
            [
                Email(template="attachment_ended", to=f"p{i}@soak.test", context=context(i))
                for i in range(EMAILS)
            ]
        )
        with broker(REDIS_URL), app.connection_for_write(url=REDIS_URL) as conn:
            for row in emails:
                send_email.apply_async((row.pk,), queue=queue, connection=conn)
        worker = _start_worker(queue, port)
        try:
            assert _wait_until(lambda: sink.count() >= EMAILS // 2, timeout=30), sink.count()
            _stop(worker, signal.SIGKILL)
            worker = _start_worker(queue, port)
            # The in-flight task stays unacknowledged (redelivered after the visibility
            # timeout only): the new worker sends the rest, the sweep that one.
            _wait_until(lambda: Email.objects.unsent().count() <= 1, timeout=30)
        finally:
            _stop(worker)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        ):
            # An attempt the kill left open is taken over once it is stale (longer than any
            # SMTP conversation): then, and only then, it is sent again, and counted.
            later = timezone.now() + open_attempt_expiry() + dt.timedelta(seconds=1)
            for _ in range(3):
                if not Email.objects.unsent().exists():
                    break
                with time_machine.travel(later, tick=True):
                    sweep_unsent_emails(older_than_seconds=0)
    finally:
        controller.stop()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue)
        client.close()

    by_id = Counter(sink.message_ids)
    assert not Email.objects.unsent().exists()
    assert not Email.objects.filter(context__isnull=False).exists()  # every one rendered
    assert len(by_id) == EMAILS, f"{EMAILS - len(by_id)} email(s) never arrived"
    assert sum(n - 1 for n in by_id.values()) <= 1, by_id.most_common(3)
    # Never twice without a trace: a duplicate is counted on its row (same Message-ID).
    doubled = {message_id for message_id, n in by_id.items() if n > 1}
    counted = {message_id(row) for row in Email.objects.filter(possible_duplicates__gt=0)}
    assert doubled <= counted
    assert time.monotonic() - started < 60
