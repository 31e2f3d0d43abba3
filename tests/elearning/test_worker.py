"""The real path: enrolment job → Redis broker → Celery worker → Moodle's web services.

A worker runs in a thread on a Redis database of these tests' own (13); skipped when Redis
does not answer (CI runs it)."""

import time

import pytest

from elearning.models import EnrolmentJob
from elearning.services import sweep_enrolment_jobs
from enrollment import services as enrollment
from tests.factories import UserFactory, awaiting_provider, tutored_session
from tests.integration.test_celery_worker import (
    DEAD_BROKER_URL,
    REDIS_HOST,
    REDIS_PORT,
    _redis_answers,
    broker,
    celery_worker,
    redis_url,
)

pytestmark = [
    pytest.mark.skipif(
        not _redis_answers(), reason=f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}"
    ),
    pytest.mark.django_db(transaction=True),
]
State = EnrolmentJob.State


@pytest.fixture
def redis_broker():
    import redis

    url = redis_url(13)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def wait_until_done(job_id, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = EnrolmentJob.objects.get(pk=job_id)
        if job.state != State.PENDING:
            return job
        time.sleep(0.05)
    return EnrolmentJob.objects.get(pk=job_id)


def test_a_confirmation_is_enrolled_through_a_worker(moodle, redis_broker):
    registration = awaiting_provider(tutored_session())
    with broker(redis_broker), celery_worker():
        enrollment.confirm(registration, by=UserFactory(is_staff=True))
        job = wait_until_done(EnrolmentJob.objects.get(registration=registration).pk)
    assert (job.state, job.attempts) == (State.DONE, 1)
    assert moodle.enrolments[(job.moodle_user_id, 42)]["status"] == "active"


def test_broker_down_at_commit_loses_no_enrolment_and_the_sweep_sends_it(moodle, redis_broker):
    registration = awaiting_provider(tutored_session())
    with broker(DEAD_BROKER_URL):
        enrollment.confirm(registration, by=UserFactory(is_staff=True))
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.attempts) == (State.PENDING, 0)
    assert moodle.calls == []
    with broker(redis_broker), celery_worker():
        sweep_enrolment_jobs.delay()
        sweep_enrolment_jobs.delay()
        job = wait_until_done(job.pk)
    assert (job.state, job.attempts) == (State.DONE, 1)
    assert moodle.functions_called().count("enrol_manual_enrol_users") == 1
