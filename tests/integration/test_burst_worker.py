"""A burst of cart validations on the real email path: commits → Redis broker → Celery worker →
SMTP server. Every email arrives exactly once, rendered by the worker.

As tests/integration/test_celery_worker.py (a worker thread on the project's app, an aiosmtpd
sink), with the broker in Redis database 11 (or CELERY_BROKER_URL's). Skipped, with the
reason, when Redis does not answer on 127.0.0.1:6379.
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
    broker,
    celery_worker,
    redis_url,
    smtp_sink,  # noqa: F401 — a fixture
)
from tests.integration.test_email_soak import _wait_until as wait_until

pytestmark = [
    pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_broker():
    url = redis_url(11)
    client = redis.Redis.from_url(url)
    client.flushdb()  # nothing left over from an earlier run
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def published():
    """The (task, args) published to the broker from now on, by this process."""
    messages: list[tuple[str, tuple]] = []

    def record(sender=None, body=None, **kwargs):
        args, _kwargs, _embed = body
        messages.append((sender, tuple(args)))

    after_task_publish.connect(record, weak=False)
    yield messages
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
    assert all(e.context is None and e.subject for e in emails)  # rendered, context cleared
    received = Counter(
        email.message_from_string(content)["Message-ID"] for _rcpt, content in sink.messages
    )
    assert set(received.values()) == {1}, received
    assert len(received) == len(emails)


def test_a_burst_of_validations_sends_every_email_once(
    redis_broker,
    smtp_sink,  # noqa: F811 — the fixture
    published,
):
    """Validations committed before a worker runs: one message per email, each published
    after its commit; the worker renders and sends each once."""
    carts = [cart_of(n) for n in range(4)]
    with broker(redis_broker):
        for employee, session in carts:
            register(employee, session)
        emails = list(Email.objects.order_by("pk").values_list("pk", flat=True))
        assert len(emails) >= 2 * len(carts)  # the approver's and the employee's, at least
        assert sorted(published) == [("mailing.tasks.send_email", (pk,)) for pk in emails]
        assert not Email.objects.filter(context__isnull=True).exists()  # nothing rendered yet
        # The sink, not the database, is watched while the worker writes (SQLite's tables
        # are locked by a writer).
        with celery_worker():
            assert wait_until(lambda: len(smtp_sink.messages) >= len(emails), timeout=20)
    assert_each_email_arrived_once(smtp_sink)
    for employee, _session in carts:
        assert len(smtp_sink.to(employee.email)) >= 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="a worker writing meanwhile: PostgreSQL")
def test_validations_while_a_worker_sends_send_every_email_once(
    redis_broker,
    smtp_sink,  # noqa: F811 — the fixture
    published,
):
    """Validations in quick succession while the worker sends: none is lost, none is sent
    twice, one message per email."""
    carts = [cart_of(n) for n in range(6)]
    with broker(redis_broker), celery_worker():
        for employee, session in carts:
            register(employee, session)
        assert wait_until(lambda: not Email.objects.unsent().exists(), timeout=20)
        assert wait_until(lambda: len(smtp_sink.messages) >= Email.objects.count(), timeout=20)
    assert len(published) == Email.objects.count()
    assert {task for task, _args in published} == {"mailing.tasks.send_email"}
    assert_each_email_arrived_once(smtp_sink)
