"""The doorbell on the real email path: cart validations → Redis cache and broker → Celery
worker → SMTP server.

As tests/integration/test_celery_worker.py (a worker thread on the project's app, an aiosmtpd
sink), with the default cache a Redis cache (tests/mailing/test_doorbell.py's) and the broker
in Redis database 11. Skipped, with the reason, when Redis does not answer on 127.0.0.1:6379.
"""

from __future__ import annotations

import email
from collections import Counter

import pytest
import redis
from celery.signals import after_task_publish
from django.conf import settings

from catalog.models import ActionKind
from mailing.models import Email
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    register,
    session_of,
)
from tests.integration.test_celery_worker import (
    _redis_answers,
    celery_worker,
    smtp_sink,  # noqa: F401 — a fixture
)
from tests.integration.test_email_soak import _wait_until as wait_until
from tests.mailing.test_doorbell import broker, shared_cache  # noqa: F401 — a fixture

pytestmark = [
    pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
    pytest.mark.django_db(transaction=True),
]

BROKER_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def redis_broker():
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()  # nothing left over from an earlier run
    yield BROKER_URL
    client.flushdb()
    client.close()


@pytest.fixture
def published():
    """The names of the tasks published to the broker from now on, by this process."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender)

    after_task_publish.connect(record, weak=False)
    yield names
    after_task_publish.disconnect(record)


def cart_of(n: int):
    """An employee of a member structure of their own (with an approver) and a session."""
    structure = StructureFactory()
    approver = UserFactory(structure=structure, email=f"employeur.{n}@example.test")
    structure.approvers.add(approver)
    employee = MemberEmployeeFactory(structure=structure, email=f"salarie.{n}@example.test")
    return employee, session_of(ActionKind.TRAINING)


def assert_each_email_arrived_once(sink) -> None:
    emails = list(Email.objects.all())
    assert all(e.sent_at is not None and e.attempts == 1 for e in emails)
    received = Counter(
        email.message_from_string(content)["Message-ID"] for _rcpt, content in sink.messages
    )
    assert set(received.values()) == {1}, received
    assert len(received) == len(emails)


def test_a_burst_of_validations_publishes_one_message_and_every_email_arrives_once(
    redis_broker,
    shared_cache,  # noqa: F811 — the fixture
    smtp_sink,  # noqa: F811 — the fixture
    published,
):
    """Validations while no drain has started: the first rings, the others find the doorbell
    rung; the one drain sends the emails of all."""
    carts = [cart_of(n) for n in range(4)]
    with broker(redis_broker):
        for employee, session in carts:
            register(employee, session)
        assert published == ["mailing.tasks.drain_outbox"]
        recorded = Email.objects.count()
        assert recorded >= 2 * len(carts)  # the approver's and the employee's, at least
        # The sink, not the database, is watched while the worker writes (SQLite's tables
        # are locked by a writer).
        with celery_worker():
            assert wait_until(lambda: len(smtp_sink.messages) >= recorded, timeout=20)
    assert published == ["mailing.tasks.drain_outbox"]
    assert_each_email_arrived_once(smtp_sink)
    for employee, _session in carts:
        assert len(smtp_sink.to(employee.email)) >= 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="a worker writing meanwhile: PostgreSQL")
def test_validations_while_a_worker_drains_send_every_email_once(
    redis_broker,
    shared_cache,  # noqa: F811 — the fixture
    smtp_sink,  # noqa: F811 — the fixture
    published,
):
    """Validations in quick succession while the worker drains: a commit after a drain
    started rings again, none is lost, none is sent twice, never more messages than commits."""
    carts = [cart_of(n) for n in range(6)]
    with broker(redis_broker), celery_worker():
        for employee, session in carts:
            register(employee, session)
        assert wait_until(lambda: not Email.objects.unsent().exists(), timeout=20)
        assert wait_until(lambda: len(smtp_sink.messages) >= Email.objects.count(), timeout=20)
    assert set(published) == {"mailing.tasks.drain_outbox"}
    assert 1 <= len(published) <= len(carts)
    assert_each_email_arrived_once(smtp_sink)
