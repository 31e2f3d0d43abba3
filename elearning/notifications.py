"""What e-ParcoursPro enrolment tells people (outbox emails): staff when a job fails or is
given up, the participant when their course is open to them (with the login tutorial)."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from mailing.outbox import queue_email

from .errors import advice

# The label Moodle's login page shows on ParcoursPro's button (docs/E-PARCOURSPRO.md § 2.1):
# the tutorial and the emails name it.
LOGIN_BUTTON = "ParcoursPro (mêmes identifiants)"


def tutorial_url() -> str:
    """The login tutorial's page (FAQ Q13), absolute, for emails and documents."""
    return settings.SITE_URL + reverse("elearning:first_login")


def _staff_context(job) -> dict:
    change = reverse("admin:elearning_enrolmentjob_change", args=[job.pk])
    return {
        "kind": str(job.get_kind_display()),
        "person": job.moodle_username,
        "course": job.course_id,
        "code": job.error_code,
        "message": job.last_error,
        "debuginfo": job.error_debuginfo,
        "advice": advice(job.error_code, f"{job.last_error} {job.error_debuginfo}"),
        "admin_url": f"{settings.SITE_URL}{change}",
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
    }


def job_failed(job) -> None:
    """Moodle refused a job, or answered something else: staff get its error, what to do and
    the link to relaunch it. The email names nobody (the person is their ParcoursPro id)."""
    for to in settings.STAFF_ALERT_EMAILS:
        queue_email("e_parcourspro_job_failed", to=to, context=_staff_context(job))


def job_gave_up(job) -> None:
    """Moodle did not answer for the whole give-up time: staff are told, once (the job leaves
    the pending state with this email)."""
    context = _staff_context(job)
    context["attempts"] = job.attempts
    context["days"] = settings.E_PARCOURSPRO_GIVE_UP_DAYS
    for to in settings.STAFF_ALERT_EMAILS:
        queue_email("e_parcourspro_job_gave_up", to=to, context=context)


def access_ready(job) -> None:
    """The participant is enrolled: where their course is, from when to when, and how to log
    in the first time (the tutorial the FAQ's Q13 promises)."""
    registration = job.registration
    person = registration.user
    action = registration.session.action
    queue_email(
        "e_parcourspro_access",
        to=person.email,
        context={
            "first_name": person.first_name or registration.first_name,
            "title": action.title,
            "course_url": action.e_parcourspro_course_url,
            "e_parcourspro_url": settings.E_PARCOURSPRO_URL,
            "starts": timezone.localtime(job.timestart).date(),
            # timeend is the midnight that ends the last day of access.
            "ends": timezone.localtime(job.timeend).date() - dt.timedelta(days=1),
            "login_button": LOGIN_BUTTON,
            "tutorial_url": tutorial_url(),
            "login_email": person.email,
            "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
            "programme_phone": settings.PROGRAMME_CONTACT_PHONE,
        },
        concerns=[person],
    )
