"""Periodic work of the waiting list and deadlines (Celery beat; see CELERY_BEAT_SCHEDULE).

Each task is idempotent: running it twice changes nothing more than running it once.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from catalog.models import Session

from . import services
from .models import Registration, RegistrationStatus


@shared_task(ignore_result=True)
def release_structure_caps() -> int:
    """R5: lift the cap of 2 per structure STRUCTURE_CAP_RELEASE_DAYS before each start."""
    now = timezone.now()
    horizon = now + dt.timedelta(days=settings.STRUCTURE_CAP_RELEASE_DAYS)
    sessions = Session.objects.published().filter(
        cap_released_at__isnull=True, starts_at__gt=now, starts_at__lte=horizon
    )
    promoted = 0
    for session in sessions:
        promoted += len(services.release_structure_cap(session, now=now))
    return promoted


@shared_task(ignore_result=True)
def lapse_overdue_requests() -> int:
    """R9: requests still waiting for the employer or a place at the deadline lapse."""
    now = timezone.now()
    session_ids = (
        Registration.objects.filter(
            status__in=[RegistrationStatus.PENDING_EMPLOYER, RegistrationStatus.WAITLISTED],
            session__registration_deadline__lte=now,
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for session in Session.objects.filter(pk__in=list(session_ids)):
        lapsed += len(services.lapse_overdue(session, now=now))
    return lapsed
