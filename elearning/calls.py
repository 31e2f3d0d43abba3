"""What each e-ParcoursPro job asks of Moodle (`services.run_job` runs it, under the job's row
lock, and handles its outcome)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import identity, notifications
from .models import EnrolmentJob
from .moodle import MoodleClient

Kind = EnrolmentJob.Kind
State = EnrolmentJob.State

NO_ACCOUNT_TO_ENROL = "Compte ParcoursPro supprimé avant l'inscription : rien à faire."
NO_ACCOUNT_TO_SUSPEND = "Aucun compte sur e-ParcoursPro : aucune inscription à suspendre."
NO_PERSON_TO_UPDATE = "Compte ParcoursPro supprimé : rien à mettre à jour."
NO_ACCOUNT_TO_UPDATE = "Aucun compte sur e-ParcoursPro : rien à mettre à jour."


def perform(job: EnrolmentJob, client: MoodleClient) -> str:
    """Make the job's calls; its new state. Raises MoodleError, MoodleUnexpected or
    MoodleUnavailable."""
    if job.kind == Kind.ACCOUNT:
        return update_account(job, client)
    person = job.registration.user if job.registration_id else None
    if job.kind == Kind.ENROL:
        if person is None:
            job.last_error = NO_ACCOUNT_TO_ENROL
            return State.SKIPPED
        registration = job.registration
        job.moodle_user_id = identity.ensure_account(
            client,
            person,
            number=job.moodle_username,
            fallback_names=(registration.first_name, registration.last_name),
        )
    else:
        job.moodle_user_id = _enrolled_account(job) or _found_account(job, client, person)
        if job.moodle_user_id is None:
            job.last_error = NO_ACCOUNT_TO_SUSPEND
            return State.SKIPPED
    client.enrol(
        user_id=job.moodle_user_id,
        course_id=job.course_id,
        role_id=settings.E_PARCOURSPRO_STUDENT_ROLE_ID,
        timestart=int(job.timestart.timestamp()),
        timeend=int(job.timeend.timestamp()),
        suspend=job.kind == Kind.SUSPEND,
    )
    if job.kind == Kind.ENROL and job.welcomed_at is None:
        # The first time the person can reach the course: how to log in (FAQ Q13).
        notifications.access_ready(job)
        job.welcomed_at = timezone.now()
    return State.DONE


def _enrolled_account(job: EnrolmentJob) -> int | None:
    """The account the registration's enrolment went to: suspended there, even if the token
    could no longer find it (a capability removed since)."""
    return (
        EnrolmentJob.objects.filter(registration_id=job.registration_id, kind=Kind.ENROL)
        .values_list("moodle_user_id", flat=True)
        .first()
    )


def _found_account(job: EnrolmentJob, client: MoodleClient, person) -> int | None:
    email = identity.login_email(person) if person is not None else ""
    account = identity.find_account(client, job.moodle_username, email=email)
    return account["id"] if account is not None else None


def update_account(job: EnrolmentJob, client: MoodleClient) -> str:
    """Bring the person's account up to date (email, names), as they are now."""
    person = get_user_model().objects.filter(pk=int(job.moodle_username)).first()
    if person is None:
        job.last_error = NO_PERSON_TO_UPDATE
        return State.SKIPPED
    account = identity.find_account(client, job.moodle_username)
    if account is None:
        job.last_error = NO_ACCOUNT_TO_UPDATE
        return State.SKIPPED
    job.moodle_user_id = account["id"]
    identity.sync_account(client, account, person, number=job.moodle_username, force=True)
    return State.DONE
