"""Enrolment on e-ParcoursPro (Q13): jobs recorded with the registration's change, run after
the commit.

- A tutored self-training whose action has a course (`Action.e_parcourspro_course_id`):
  when a registration becomes confirmed, an « enrol » job is recorded; when a confirmed
  registration is cancelled (withdrawal, session cancelled, account deleted), a « suspend »
  job. Both in the transaction of the change (`registration_moved`, which
  `enrollment.services.transitions.move` calls):
  a rollback leaves no job, a commit leaves one that nothing can lose.
- The enrolment gives access from the session's first day to the end of its last day plus
  `E_PARCOURSPRO_ACCESS_DAYS` (`access.access_window`), and follows the session's dates.
- When the person's address or name changes, an « account » job brings their e-ParcoursPro
  account up to date: Moodle's login finds the account by its address (`account_changes`,
  `identity`).
- `run_job` makes the calls (`calls`). Moodle unavailable → the job stays pending and is tried again
  later, with a growing delay (the sweep), for `E_PARCOURSPRO_GIVE_UP_DAYS`; then it fails
  and staff are told once. Moodle refuses, or answers something else than the function's
  reply (an empty body, HTML, JSON of another shape) → the job fails at once with what came,
  and staff are told, to fix and « Relancer » (`relaunch`). No job's failure stops the
  sweep.
- Without `E_PARCOURSPRO_WS_TOKEN`, jobs are recorded but nothing is sent: they wait.

The Celery tasks live here, beside what they run, under the names they had in the former
`elearning.tasks` (the beat schedule and queued messages keep working).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import ActionKind
from common import typography
from enrollment.models import Registration, RegistrationStatus

from . import calls, notifications
from .access import access_window
from .identity import moodle_username
from .models import EnrolmentJob
from .moodle import MoodleClient, MoodleError, MoodleUnavailable, MoodleUnexpected

logger = logging.getLogger(__name__)

Kind = EnrolmentJob.Kind
State = EnrolmentJob.State
Status = RegistrationStatus

# The delay before trying again a job Moodle did not answer: doubling, at most an hour.
FIRST_RETRY_DELAY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=1)

LATER_JOB_EXISTS = (
    "Une opération plus récente existe pour cette personne et ce parcours : "
    "relancer celle-ci la contredirait."
)


def is_enabled() -> bool:
    """Enrolment is on when a web-service token is set."""
    return bool(settings.E_PARCOURSPRO_WS_TOKEN)


def retry_delay(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def give_up_after() -> dt.timedelta:
    """How long a job Moodle does not receive is tried again (E_PARCOURSPRO_GIVE_UP_DAYS)."""
    return dt.timedelta(days=settings.E_PARCOURSPRO_GIVE_UP_DAYS)


# --- Recording -------------------------------------------------------------------------------


def registration_moved(registration: Registration, *, from_status: str, to_status: str) -> None:
    """A registration moved (`enrollment.services.transitions.move`, in the transaction of the
    change): record the job the move calls for, if any."""
    confirms = to_status == Status.CONFIRMED and from_status != Status.CONFIRMED
    withdraws = from_status == Status.CONFIRMED and to_status == Status.CANCELLED
    # Checked first: most moves concern neither, and need no query.
    if not (confirms or withdraws) or registration.user_id is None:
        return
    action = registration.session.action
    if action.kind != ActionKind.TUTORED_SELF_TRAINING:
        return
    if confirms:
        if action.e_parcourspro_course_id:
            record(registration, kind=Kind.ENROL, course_id=action.e_parcourspro_course_id)
        return
    # Suspended where it was enrolled; nothing to suspend if no enrolment was asked.
    enrolment = registration.enrolment_jobs.filter(kind=Kind.ENROL).first()
    if enrolment is not None:
        record(registration, kind=Kind.SUSPEND, course_id=enrolment.course_id)


def record(registration: Registration, *, kind: str, course_id: int) -> EnrolmentJob:
    """Record a job for the registration (once per registration and kind), run after the
    commit."""
    timestart, timeend = access_window(registration.session)
    job, created = EnrolmentJob.objects.get_or_create(
        registration=registration,
        kind=kind,
        defaults={
            "moodle_username": moodle_username(registration.user),
            "course_id": course_id,
            "timestart": timestart,
            "timeend": timeend,
        },
    )
    if created:
        enqueue(job.pk)
    return job


def enrol_confirmed(action, *, now: dt.datetime | None = None) -> int:
    """Staff gave a course to an action after some confirmations: record the enrolment of
    its confirmed participants whose session has not ended yet (once each). Returns the
    number of enrolments recorded."""
    if action.kind != ActionKind.TUTORED_SELF_TRAINING or not action.e_parcourspro_course_id:
        return 0
    registrations = (
        Registration.objects.filter(
            session__action=action,
            session__ends_at__gt=now or timezone.now(),
            status=Status.CONFIRMED,
            user__isnull=False,
        )
        .exclude(enrolment_jobs__kind=Kind.ENROL)
        .select_related("session", "user")
        .order_by("pk")
    )
    recorded = 0
    with transaction.atomic():
        for registration in registrations:
            record(registration, kind=Kind.ENROL, course_id=action.e_parcourspro_course_id)
            recorded += 1
    return recorded


def follow_session_dates(sender, *, instance, **kwargs) -> int:
    """`post_save` receiver of sessions: when staff move a session's dates, its participants'
    course access follows (Moodle's `enrol_manual_enrol_users` → `enrol_plugin::enrol_user`
    updates an existing enrolment's timestart and timeend when they differ). An enrolment
    already withdrawn stays suspended. Returns how many enrolments are sent again."""
    timestart, timeend = access_window(instance)
    jobs = (
        EnrolmentJob.objects.select_for_update(of=("self",))
        .filter(
            kind=Kind.ENROL,
            registration__session_id=instance.pk,
            registration__status__in=(Status.CONFIRMED, Status.ATTENDED),
        )
        .exclude(timestart=timestart, timeend=timeend)
        .exclude(registration__enrolment_jobs__kind=Kind.SUSPEND)
        .order_by("pk")
    )
    moved = 0
    with transaction.atomic():
        # Waits for a worker sending the job (it holds the row): the new dates go after it.
        for job in jobs:
            job.timestart, job.timeend = timestart, timeend
            job.state, job.attempts, job.done_at = State.PENDING, 0, None
            job.error_code = job.last_error = job.error_debuginfo = ""
            job.next_attempt_at = job.pending_since = timezone.now()
            job.gave_up_at = None
            job.save()
            enqueue(job.pk)
            moved += 1
    return moved


def enqueue(job_id: int) -> None:
    """Hand a job to the broker after the commit (at once outside a transaction); on a broker
    outage the sweep runs it later (`common.tasks.TransactionAwareTask`)."""
    if is_enabled():
        run_enrolment_job.delay_on_commit(job_id)


# --- Running ---------------------------------------------------------------------------------


def _earlier_pending(job: EnrolmentJob):
    return EnrolmentJob.objects.filter(
        moodle_username=job.moodle_username,
        course_id=job.course_id,
        state=State.PENDING,
        pk__lt=job.pk,
    )


def _fail(job: EnrolmentJob, *, code: str, message: str, debuginfo: str = "") -> None:
    """The job fails with what Moodle (or whatever answered) said; staff are told."""
    job.state = State.FAILED
    job.error_code = code[:100]
    job.last_error = message[:4000]
    job.error_debuginfo = debuginfo[:4000]
    notifications.job_failed(job)


def _retry_or_give_up(job: EnrolmentJob, error: MoodleUnavailable, now: dt.datetime) -> None:
    """Moodle did not answer: try again later, with a growing delay, until the give-up time
    has passed since the job became pending; then it fails and staff are told, once."""
    job.error_code = job.error_debuginfo = ""
    job.last_error = str(error)[:4000]
    if now - job.pending_since < give_up_after():
        job.next_attempt_at = now + retry_delay(job.attempts)
        logger.warning("e-ParcoursPro unavailable, job %s retried later: %s", job.pk, error)
        return
    job.state = State.FAILED
    job.gave_up_at = now
    job.error_code = "gave_up"
    job.last_error = (
        f"Abandonnée après {job.attempts} tentatives depuis le "
        f"{typography.moment(timezone.localtime(job.pending_since))} : {error}"
    )[:4000]
    notifications.job_gave_up(job)


def run_job(job_id: int, *, client: MoodleClient | None = None) -> str | None:
    """Run one pending job, at most once at a time (row lock, skipping a job another worker
    holds). Returns its new state, or None when it was not run: not pending, held
    elsewhere, waiting for an earlier job of the same person and course, or enrolment off.
    Whatever goes wrong while it runs ends in its state, never in an exception."""
    if not is_enabled():
        return None
    client = client or MoodleClient.from_settings()
    with transaction.atomic():
        job = (
            EnrolmentJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("registration__user", "registration__session__action")
            .filter(pk=job_id, state=State.PENDING)
            .first()
        )
        if job is None or _earlier_pending(job).exists():
            return None
        now = timezone.now()
        job.attempts += 1
        try:
            # A savepoint: a database error inside leaves the job's own row writable.
            with transaction.atomic():
                job.state = calls.perform(job, client)
            job.error_code = job.error_debuginfo = ""
            if job.state == State.DONE:
                job.last_error = ""
        except MoodleUnavailable as error:
            _retry_or_give_up(job, error, now)
        except MoodleError as error:
            _fail(job, code=error.errorcode, message=error.message, debuginfo=error.debuginfo)
        except MoodleUnexpected as error:
            _fail(job, code=error.errorcode, message=error.describe())
        except Exception as error:  # noqa: BLE001 — any other failure is the job's outcome
            logger.exception("e-ParcoursPro job %s failed", job.pk)
            _fail(job, code="internal_error", message=f"{type(error).__name__} : {error}")
        if job.state != State.PENDING:
            job.done_at = now
            transaction.on_commit(partial(enqueue_next_in_line, job.pk), robust=True)
        job.save()
        return job.state


@shared_task(name="elearning.tasks.run_enrolment_job", ignore_result=True)
def run_enrolment_job(job_id: int) -> str | None:
    """Run one enrolment job. A job Moodle did not answer stays pending with its next attempt
    set: the sweep tries it again then."""
    return run_job(job_id)


def enqueue_next_in_line(job_id: int) -> None:
    """Once a job is over, the next pending job of the same person and course may run."""
    job = EnrolmentJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    following = (
        EnrolmentJob.objects.filter(
            moodle_username=job.moodle_username,
            course_id=job.course_id,
            state=State.PENDING,
            pk__gt=job.pk,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        enqueue(following)


def run_due_jobs(*, limit: int = 200, client: MoodleClient | None = None) -> int:
    """The sweep: run the pending jobs whose time has come, oldest first. A job that fails
    (Moodle's refusal, an unexpected answer, an error of ours) never stops it; Moodle not
    answering does, as the others would only wait for their own timeouts (they stay due,
    and the next sweep tries again). Returns the number of jobs finished."""
    if not is_enabled():
        return 0
    client = client or MoodleClient.from_settings()
    due = list(
        EnrolmentJob.objects.filter(state=State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    finished = 0
    for job_id in due:
        try:
            state = run_job(job_id, client=client)
        except Exception:  # noqa: BLE001 — e.g. the database lost: the next job may run
            logger.exception("e-ParcoursPro job %s could not be run", job_id)
            continue
        if state == State.PENDING:
            break
        finished += state is not None
    return finished


@shared_task(name="elearning.tasks.sweep_enrolment_jobs", ignore_result=True)
def sweep_enrolment_jobs() -> int:
    """Run the pending jobs that are due: missed by the broker, or waiting for Moodle."""
    return run_due_jobs()


# --- Staff -----------------------------------------------------------------------------------


def relaunch(job_ids) -> tuple[list[EnrolmentJob], list[tuple[EnrolmentJob, str]]]:
    """« Relancer »: failed jobs (or pending ones, now) are tried again after the commit.
    A job with a later one for the same person and course is not relaunched (an enrolment
    after its suspension would contradict it). Returns (relaunched, refused with why)."""
    relaunched, refused = [], []
    with transaction.atomic():
        jobs = list(
            EnrolmentJob.objects.select_for_update(of=("self",))
            .filter(pk__in=list(job_ids))
            .order_by("pk")
        )
        for job in jobs:
            if job.state not in {State.FAILED, State.PENDING}:
                continue
            later = EnrolmentJob.objects.filter(
                moodle_username=job.moodle_username, course_id=job.course_id, pk__gt=job.pk
            ).exclude(state=State.SKIPPED)
            if job.state == State.FAILED and later.exists():
                refused.append((job, LATER_JOB_EXISTS))
                continue
            job.state = State.PENDING
            job.next_attempt_at = job.pending_since = timezone.now()
            job.done_at = job.gave_up_at = None
            job.save(
                update_fields=[
                    "state",
                    "next_attempt_at",
                    "pending_since",
                    "done_at",
                    "gave_up_at",
                    "updated_at",
                ]
            )
            enqueue(job.pk)
            relaunched.append(job)
    return relaunched, refused
