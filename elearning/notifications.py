"""What staff are told about e-ParcoursPro enrolment (outbox emails)."""

from django.conf import settings
from django.urls import reverse

from mailing.outbox import queue_email


def job_failed(job) -> None:
    """Moodle refused a job: staff get its error and the link to relaunch it. The email
    names nobody (the person is their ParcoursPro id)."""
    change = reverse("admin:elearning_enrolmentjob_change", args=[job.pk])
    queue_email(
        "e_parcourspro_job_failed",
        to=settings.PROGRAMME_CONTACT_EMAIL,
        context={"job": job, "admin_url": f"{settings.SITE_URL}{change}"},
    )
