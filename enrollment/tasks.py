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
    # One day more than the rule: the release is counted on the Paris clock (Decisions,
    # « Days »), which the service checks for each session.
    horizon = now + dt.timedelta(days=settings.STRUCTURE_CAP_RELEASE_DAYS + 1)
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


@shared_task(ignore_result=True)
def remind_participants() -> int:
    """Remind confirmed participants before their session (a week before an action for
    members, the day before a short format), once each."""
    return services.remind_participants()


@shared_task(ignore_result=True)
def serve_waitlists(session_ids: list[int] | None = None) -> int:
    """R7: give free places to eligible waitlisted requests, in order — the given sessions
    after a person's quota or a structure's membership changed, or (periodically, with no
    ids) every open session with free places and a waiting list."""
    if session_ids is None:
        now = timezone.now()
        session_ids = list(
            Registration.objects.filter(
                status=RegistrationStatus.WAITLISTED,
                session__registration_deadline__gt=now,
                session__starts_at__gt=now,
            )
            .values_list("session_id", flat=True)
            .distinct()
        )
    promoted = 0
    for session in Session.objects.filter(pk__in=session_ids).order_by("pk"):
        promoted += len(services.promote_waitlist(session))
    return promoted
