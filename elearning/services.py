"""Enrolment on e-ParcoursPro (Q13): jobs recorded with the registration's change, run after
the commit.

- A tutored self-training whose action has a course (`Action.e_parcourspro_course_id`):
  when a registration becomes confirmed, an « enrol » job is recorded; when a confirmed
  registration is cancelled (withdrawal, session cancelled, account deleted), a « suspend »
  job. Both in the transaction of the change (`registration_moved`, which
  `enrollment.services.transitions.move` calls): a rollback leaves no job, a commit leaves
  one that nothing can lose.
- `run_job` makes the calls. Moodle unavailable → the job stays pending and is tried again
  later, with a growing delay (the sweep); Moodle refuses → the job fails, with Moodle's
  error, for staff to fix and « Relancer » (`relaunch`).
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
from enrollment.models import Registration, RegistrationStatus

from . import notifications
from .identity import moodle_username
from .models import EnrolmentJob
from .moodle import MoodleClient, MoodleError, MoodleUnavailable

logger = logging.getLogger(__name__)

Kind = EnrolmentJob.Kind
State = EnrolmentJob.State
Status = RegistrationStatus

# The delay before trying again a job Moodle did not answer: doubling, at most an hour.
FIRST_RETRY_DELAY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=1)

NO_ACCOUNT_TO_ENROL = "Compte ParcoursPro supprimé avant l'inscription : rien à faire."
NO_ACCOUNT_TO_SUSPEND = "Aucun compte sur e-ParcoursPro : aucune inscription à suspendre."
LATER_JOB_EXISTS = (
    "Une opération plus récente existe pour cette personne et ce parcours : "
    "relancer celle-ci la contredirait."
)


def is_enabled() -> bool:
    """Enrolment is on when a web-service token is set."""
    return bool(settings.E_PARCOURSPRO_WS_TOKEN)


def retry_delay(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


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
    session = registration.session
    job, created = EnrolmentJob.objects.get_or_create(
        registration=registration,
        kind=kind,
        defaults={
            "moodle_username": moodle_username(registration.user),
            "course_id": course_id,
            "timestart": session.starts_at,
            "timeend": session.ends_at,
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
    enrolments follow (Moodle's `enrol_manual_enrol_users` updates the dates of an existing
    enrolment). An enrolment already withdrawn stays suspended. Returns how many enrolments
    are sent again."""
    jobs = (
        EnrolmentJob.objects.select_for_update(of=("self",))
        .filter(
            kind=Kind.ENROL,
            registration__session_id=instance.pk,
            registration__status__in=(Status.CONFIRMED, Status.ATTENDED),
        )
        .exclude(timestart=instance.starts_at, timeend=instance.ends_at)
        .exclude(registration__enrolment_jobs__kind=Kind.SUSPEND)
        .order_by("pk")
    )
    moved = 0
    with transaction.atomic():
        # Waits for a worker sending the job (it holds the row): the new dates go after it.
        for job in jobs:
            job.timestart, job.timeend = instance.starts_at, instance.ends_at
            job.state, job.attempts, job.done_at = State.PENDING, 0, None
            job.error_code = job.last_error = ""
            job.next_attempt_at = timezone.now()
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


def _perform(job: EnrolmentJob, client: MoodleClient) -> str:
    """Make the job's calls; its new state. Raises MoodleError / MoodleUnavailable."""
    person = job.registration.user if job.registration_id else None
    if job.kind == Kind.ENROL and person is None:
        job.last_error = NO_ACCOUNT_TO_ENROL
        return State.SKIPPED
    account = client.user_by_username(job.moodle_username)
    if account is not None:
        job.moodle_user_id = int(account["id"])
    elif job.kind == Kind.SUSPEND:
        job.last_error = NO_ACCOUNT_TO_SUSPEND
        return State.SKIPPED
    else:
        job.moodle_user_id = _create_account(job, person, client)
    client.enrol(
        user_id=job.moodle_user_id,
        course_id=job.course_id,
        role_id=settings.E_PARCOURSPRO_STUDENT_ROLE_ID,
        timestart=int(job.timestart.timestamp()),
        timeend=int(job.timeend.timestamp()),
        suspend=job.kind == Kind.SUSPEND,
    )
    job.last_error = ""
    job.error_code = ""
    return State.DONE


def _create_account(job: EnrolmentJob, person, client: MoodleClient) -> int:
    """Create the person's account; if another job (another course, another worker) created
    it meanwhile, Moodle refuses the duplicate username: that account is theirs."""
    registration = job.registration
    try:
        return client.create_user(
            username=job.moodle_username,
            firstname=person.first_name or registration.first_name or "-",
            lastname=person.last_name or registration.last_name or "-",
            email=person.email,
            idnumber=str(person.pk),
        )
    except MoodleError:
        account = client.user_by_username(job.moodle_username)
        if account is None:
            raise
        return int(account["id"])


def run_job(job_id: int, *, client: MoodleClient | None = None) -> str | None:
    """Run one pending job, at most once at a time (row lock, skipping a job another worker
    holds). Returns its new state, or None when it was not run: not pending, held
    elsewhere, waiting for an earlier job of the same person and course, or enrolment off."""
    if not is_enabled():
        return None
    client = client or MoodleClient.from_settings()
    with transaction.atomic():
        job = (
            EnrolmentJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("registration__user")
            .filter(pk=job_id, state=State.PENDING)
            .first()
        )
        if job is None or _earlier_pending(job).exists():
            return None
        now = timezone.now()
        job.attempts += 1
        try:
            job.state = _perform(job, client)
        except MoodleUnavailable as error:
            job.last_error = str(error)[:2000]
            job.error_code = ""
            job.next_attempt_at = now + retry_delay(job.attempts)
            logger.warning("e-ParcoursPro unavailable, job %s retried later: %s", job.pk, error)
        except MoodleError as error:
            job.state = State.FAILED
            job.error_code = error.errorcode[:100]
            job.last_error = error.describe()[:2000]
            notifications.job_failed(job)
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
    """The sweep: run the pending jobs whose time has come, oldest first; stop at the first
    sign that Moodle is down (the others would only wait for their timeouts). Returns the
    number of jobs finished."""
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
        state = run_job(job_id, client=client)
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
            job.next_attempt_at = timezone.now()
            job.done_at = None
            job.save(update_fields=["state", "next_attempt_at", "done_at", "updated_at"])
            enqueue(job.pk)
            relaunched.append(job)
    return relaunched, refused
