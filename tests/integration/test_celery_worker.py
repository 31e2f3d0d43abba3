"""The real email path: outbox row → Redis broker → Celery worker → SMTP server.

A Celery worker runs in a thread on the project's app with a real Redis broker (a database of
its own), and Django's SMTP backend talks to an aiosmtpd sink run by the test. Skipped, with
the reason shown, when Redis does not answer on 127.0.0.1:6379 (CI runs it).

The Redis database of the broker is these tests' own (one per test, so that parallel runs do
not share queues), or the one CELERY_BROKER_URL names when it is set (a machine where several
runs share one Redis gives each its own database); it is flushed before and after each test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from catalog.models import ActionKind
from enrollment.models import Registration
from mailing.models import Email
from mailing.outbox import sweep_unsent_emails
from parcourspro.celery import app
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    register,
    session_of,
)
from tests.smtp import smtp_sink as running_sink

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


def redis_url(db: int) -> str:
    """Redis database `db` of these tests, unless CELERY_BROKER_URL names one."""
    return os.environ.get("CELERY_BROKER_URL") or f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not _redis_answers(), reason=f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}"
    ),
    pytest.mark.django_db(transaction=True),
]


class SmtpSink:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        with self._lock:
            return [content for rcpt, content in self.messages if address in rcpt]

    def wait_for(self, address: str, *, timeout: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.to(address):
                return self.to(address)
            time.sleep(0.05)
        raise AssertionError(f"No email to {address} within {timeout} s: {self.messages!r}")


@pytest.fixture
def smtp_sink():
    with running_sink(sink=SmtpSink()) as sink:
        yield sink


def _reset_broker_connections():
    """Drop the connection and producer pools bound to the previous broker URL (kombu keeps
    them in a process-wide registry, which a stopping worker may leave closed): the app's
    connection pool goes with `close()`, its producer pool with its `amqp` (a cached
    property, made again on the next publish)."""
    kombu.pools.reset()
    app.close()
    del app.amqp


@contextlib.contextmanager
def broker(url: str):
    """Publish for real to `url` (tests/conftest.py makes tasks eager by default). The read
    and write URLs are set too: Celery prefers the CELERY_BROKER_URL of the environment to
    `broker_url`."""
    names = ("task_always_eager", "broker_url", "broker_read_url", "broker_write_url")
    previous = {name: app.conf.get(name) for name in names}
    app.conf.update(
        task_always_eager=False, broker_url=url, broker_read_url=url, broker_write_url=url
    )
    _reset_broker_connections()
    try:
        yield
    finally:
        _reset_broker_connections()
        app.conf.update(previous)


def _close_worker_connections(**kwargs):
    # The worker thread has its own database connections: close them after each task so that
    # the test database can be flushed and dropped.
    connections.close_all()


@pytest.fixture
def redis_broker(request):
    import redis

    url = redis_url(6 if "broker_down" in request.node.name else 5)
    client = redis.Redis.from_url(url)
    client.flushdb()  # nothing left over from an earlier run
    yield url
    client.flushdb()
    client.close()


@contextlib.contextmanager
def celery_worker():
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connections)


@pytest.fixture
def employee_and_approver():
    structure = StructureFactory()
    approver = UserFactory(structure=structure, email="employeur.worker@example.test")
    structure.approvers.add(approver)
    employee = MemberEmployeeFactory(structure=structure, email="salarie.worker@example.test")
    return employee, approver


def test_validating_a_cart_delivers_the_approver_email_through_a_worker(
    redis_broker, smtp_sink, employee_and_approver
):
    employee, approver = employee_and_approver
    session = session_of(ActionKind.TRAINING)
    with broker(redis_broker), celery_worker():
        (registration,) = register(employee, session, motivations="Mieux accompagner.")
        (message,) = smtp_sink.wait_for(approver.email)
        # The employee's acknowledgement goes the same way.
        smtp_sink.wait_for(employee.email)
    assert registration.status == Registration.Status.PENDING_EMPLOYER
    assert session.action.title in message
    assert "Mieux accompagner." in message or "Mieux accompagner" in message
    email = Email.objects.get(template="approval_requested", to=approver.email)
    assert email.sent_at is not None and email.attempts == 1


def test_broker_down_at_commit_loses_no_email_and_the_sweep_sends_it_once(
    redis_broker, smtp_sink, employee_and_approver
):
    employee, approver = employee_and_approver
    session = session_of(ActionKind.TRAINING)

    with broker(DEAD_BROKER_URL):
        started = time.monotonic()
        (registration,) = register(employee, session)
        elapsed = time.monotonic() - started
    assert elapsed < 3, f"publishing to a dead broker took {elapsed:.1f} s"
    assert Registration.objects.filter(pk=registration.pk).exists()
    email = Email.objects.get(template="approval_requested", to=approver.email)
    assert email.sent_at is None and email.attempts == 0
    assert smtp_sink.messages == []
    # The request renders nothing: the email is recorded with its context, and whoever sends
    # it renders it.
    assert email.context is not None and email.subject == ""

    # The broker is back: the periodic sweep, run twice through the worker, sends it once.
    with broker(redis_broker), celery_worker():
        sweep_unsent_emails.delay(older_than_seconds=0)
        sweep_unsent_emails.delay(older_than_seconds=0)
        smtp_sink.wait_for(approver.email)
        deadline = time.monotonic() + 10
        while Email.objects.unsent().exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    # And once more, in this process, for good measure.
    assert sweep_unsent_emails(older_than_seconds=0) == 0

    assert len(smtp_sink.to(approver.email)) == 1
    assert len(smtp_sink.to(employee.email)) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1
    assert email.context is None and employee.last_name in email.body_text
