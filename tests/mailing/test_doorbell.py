"""The outbox's doorbell: one broker message per burst of commits, not one per commit.

Real parts: the default cache is a Redis cache (`common.redis_cache.RedisCache`, database 10,
under a key prefix of these tests' own) and tasks are published for real to a Redis broker
(database 9), where the tests read the messages back. Skipped, with the reason, when Redis
does not answer on 127.0.0.1:6379.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings

from mailing.models import Email
from mailing.outbox import DOORBELL_KEY, enqueue_sending, queue_email
from mailing.tasks import drain_outbox
from parcourspro.celery import app
from tests.integration.test_celery_worker import (
    DEAD_BROKER_URL,
    _redis_answers,
    _reset_broker_connections,
)

pytestmark = [
    pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
    pytest.mark.django_db,
]

BROKER_URL = "redis://127.0.0.1:6379/9"
CACHE_LOCATION = "redis://127.0.0.1:6379/10"
REFUSED_LOCATION = "redis://127.0.0.1:1/0"
# Database 10 is also where tests/integration/test_email_soak.py puts its queues: these tests
# delete their own keys, never the whole database.
CACHE_PREFIX = "test-doorbell"
CONTEXT = {"user": None, "registrations": [], "my_space_url": "http://x/mon-espace/"}


def redis_caches(location: str) -> dict:
    """CACHES as settings.py makes them from CACHE_URL=rediscache://…"""
    return {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def _forget_cache_keys(client: redis.Redis) -> None:
    for key in client.scan_iter(f"{CACHE_PREFIX}:*"):
        client.delete(key)


@pytest.fixture
def shared_cache():
    """The default cache is Redis, as with CACHE_URL=rediscache://…, and starts empty."""
    client = redis.Redis.from_url(CACHE_LOCATION)
    _forget_cache_keys(client)
    try:
        with override_settings(CACHES=redis_caches(CACHE_LOCATION)):
            yield
    finally:
        _forget_cache_keys(client)
        client.close()


@contextlib.contextmanager
def broker(url: str):
    """Publish for real to `url` (tests/conftest.py makes tasks eager). The read and write URLs
    are set too: Celery prefers the CELERY_BROKER_URL of the environment to `broker_url`."""
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


class Broker:
    """The messages waiting in the broker's queues (nobody consumes them)."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def messages(self) -> list[dict]:
        found = []
        for key in self.client.scan_iter():
            if self.client.type(key) != b"list":
                continue
            for raw in self.client.lrange(key, 0, -1):
                message = json.loads(raw)
                args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                headers = message["headers"]
                found.append({"task": headers["task"], "args": args, "eta": headers.get("eta")})
        return found

    def tasks(self) -> list[str]:
        return sorted(message["task"] for message in self.messages())


@pytest.fixture
def real_broker():
    """Tasks are published to Redis database 9 rather than run in-process."""
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    try:
        with broker(BROKER_URL):
            yield Broker(client)
    finally:
        client.flushdb()
        client.close()


def commit_an_email(capture, to: str = "pro@example.test") -> Email:
    """One transaction that records an email, and what runs after its commit."""
    with capture(execute=True), transaction.atomic():
        return queue_email("registration_acknowledgement", to=to, context=CONTEXT)


def queued(**kwargs) -> Email:
    fields = {"template": "test", "to": "pro@example.test", "subject": "Objet"}
    return Email.objects.create(**{**fields, "body_text": "Texte", **kwargs})


# --- ringing -----------------------------------------------------------------------------------


def test_a_burst_of_commits_publishes_one_drain(
    shared_cache, real_broker, django_capture_on_commit_callbacks
):
    """Until a drain starts, the commits after the first find the doorbell rung."""
    for n in range(5):
        commit_an_email(django_capture_on_commit_callbacks, to=f"pro{n}@example.test")
    assert real_broker.tasks() == ["mailing.tasks.drain_outbox"]
    assert cache.get(DOORBELL_KEY) == 1
    assert Email.objects.unsent().count() == 5 and mail.outbox == []


def test_a_list_of_emails_rings_the_same_doorbell(shared_cache, real_broker):
    """A cart's validation (a list of emails) rings as a single email does."""
    first, second = queued(), queued()
    enqueue_sending([first.pk, second.pk])
    enqueue_sending(queued().pk)
    assert real_broker.tasks() == ["mailing.tasks.drain_outbox"]


def test_a_commit_after_a_drain_started_publishes_again(
    shared_cache, real_broker, django_capture_on_commit_callbacks
):
    """The drain deletes the doorbell first: the next commit publishes another drain, and the
    drain sends what the burst recorded."""
    for n in range(3):
        commit_an_email(django_capture_on_commit_callbacks, to=f"pro{n}@example.test")
    assert real_broker.tasks() == ["mailing.tasks.drain_outbox"]

    drain_outbox()  # what the worker does with the message
    assert cache.get(DOORBELL_KEY) is None
    assert sorted(m.to[0] for m in mail.outbox) == [f"pro{n}@example.test" for n in range(3)]

    commit_an_email(django_capture_on_commit_callbacks, to="late@example.test")
    commit_an_email(django_capture_on_commit_callbacks, to="later@example.test")
    assert real_broker.tasks() == ["mailing.tasks.drain_outbox"] * 2


def test_with_the_cache_down_every_commit_publishes(
    real_broker, django_capture_on_commit_callbacks
):
    """Redis (the cache) refusing connections: `add` answers True, so no commit relies on a
    drain that nobody published."""
    with override_settings(CACHES=redis_caches(REFUSED_LOCATION)):
        assert cache.add("probe", 1) is True
        for n in range(3):
            commit_an_email(django_capture_on_commit_callbacks, to=f"pro{n}@example.test")
    assert real_broker.tasks() == ["mailing.tasks.drain_outbox"] * 3


def test_with_the_broker_down_the_email_waits_for_the_sweep_and_the_next_commit_rings(
    shared_cache, django_capture_on_commit_callbacks
):
    """The drain could not be published: nothing fails, the email is left for the sweep, and
    the doorbell is not left rung (the next commit tries the broker again)."""
    with broker(DEAD_BROKER_URL):
        email = commit_an_email(django_capture_on_commit_callbacks)
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 0
    assert cache.get(DOORBELL_KEY) is None

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    try:
        with broker(BROKER_URL):
            commit_an_email(django_capture_on_commit_callbacks, to="next@example.test")
        assert Broker(client).tasks() == ["mailing.tasks.drain_outbox"]
    finally:
        client.flushdb()
        client.close()


def test_without_a_shared_cache_each_commit_names_its_emails(
    real_broker, django_capture_on_commit_callbacks
):
    """The in-process cache (locmem) is no doorbell: a worker could not delete the key of a
    web process. Each commit publishes its own message, as before the doorbell."""
    first = commit_an_email(django_capture_on_commit_callbacks, to="a@example.test")
    second = commit_an_email(django_capture_on_commit_callbacks, to="b@example.test")
    pair = [queued().pk, queued().pk]
    enqueue_sending(pair)
    assert sorted((m["task"], m["args"]) for m in real_broker.messages()) == [
        ("mailing.tasks.send_email", [first.pk]),
        ("mailing.tasks.send_email", [second.pk]),
        ("mailing.tasks.send_emails", [pair]),
    ]


def test_with_celery_eager_the_commit_sends_its_email_itself(
    shared_cache, django_capture_on_commit_callbacks
):
    """No broker (the tests, `make run`): sent at the commit, no doorbell."""
    email = commit_an_email(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[email.to]]
    assert cache.get(DOORBELL_KEY) is None


# --- draining ----------------------------------------------------------------------------------


def test_the_drain_sends_each_never_tried_email_once_in_the_order_recorded(shared_cache):
    fresh = [queued(to=f"pro{n}@example.test") for n in range(3)]
    queued(to="sent@example.test", sent_at="2026-01-01T00:00:00Z", attempts=1)
    queued(to="given-up@example.test", gave_up=True, attempts=8)
    tried = queued(to="tried@example.test", attempts=1, last_error="SMTP 451")
    cache.set(DOORBELL_KEY, 1)

    drain_outbox()
    assert cache.get(DOORBELL_KEY) is None
    assert [m.to[0] for m in mail.outbox] == [email.to for email in fresh]
    drain_outbox()
    assert len(mail.outbox) == 3
    tried.refresh_from_db()
    assert tried.sent_at is None and tried.attempts == 1  # the sweep's and its retries' job


def test_a_failing_email_is_retried_on_its_own_and_the_others_are_sent(real_broker):
    """One fails at sending (an attachment that cannot be built), one raises before it
    (a light email nobody can render): both are handed to `send_email` with a delay."""
    before = queued(to="before@example.test")
    unbuildable = {"filename": "x.pdf", "mimetype": "application/pdf", "build": "nowhere"}
    failing = queued(to="failing@example.test", attachments=[unbuildable])
    raising = Email.objects.create(
        template="no-such-template", to="raising@example.test", pending_context={"pk": 1}
    )
    after = queued(to="after@example.test")

    drain_outbox()
    assert [m.to[0] for m in mail.outbox] == [before.to, after.to]
    retries = sorted(real_broker.messages(), key=lambda m: m["args"])
    assert [(m["task"], m["args"]) for m in retries] == [
        ("mailing.tasks.send_email", [failing.pk]),
        ("mailing.tasks.send_email", [raising.pk]),
    ]
    assert all(m["eta"] for m in retries)  # countdown=30
    failing.refresh_from_db()
    assert failing.attempts == 1 and "nowhere" in failing.last_error
    raising.refresh_from_db()
    assert raising.attempts == 1 and "KeyError" in raising.last_error

    drain_outbox()  # the next drain leaves both to their retries (and the sweep)
    assert len(real_broker.messages()) == 2 and len(mail.outbox) == 2


@pytest.mark.postgres_only
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_the_drain_skips_an_email_another_worker_holds(real_broker):
    """Two drains at once: neither waits for the other's SMTP exchange, nor retries what the
    other holds."""
    held, free = queued(to="held@example.test"), queued(to="free@example.test")
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                Email.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()  # this thread's own

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=5)
        started = time.monotonic()
        drain_outbox()
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=10)
    assert elapsed < 2, f"the drain waited {elapsed:.1f} s for a held row"
    assert [m.to[0] for m in mail.outbox] == [free.to]
    held.refresh_from_db()
    assert held.sent_at is None and held.attempts == 0
    assert real_broker.messages() == []
