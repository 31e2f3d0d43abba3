"""Celery tasks of the documents: they take ids, are idempotent (a version is added only
when what the document says changed), and run eagerly when no broker is set."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from enrollment.models import Registration, RegistrationStatus

from . import services
from .models import Document


@shared_task(ignore_result=True)
def refresh_convention(session_id: int, structure_id: int) -> int | None:
    document = services.refresh_convention(session_id, structure_id)
    return document.pk if document else None


@shared_task(ignore_result=True)
def refresh_certificate(registration_id: int) -> int | None:
    document = services.refresh_certificate(registration_id)
    return document.pk if document else None


@shared_task(ignore_result=True)
def certificates_of_ended_sessions(days: int = 7) -> int:
    """Certificates of the sessions that ended in the last `days` days, for attendance
    recorded before the end (a certificate is issued once the session is over)."""
    now = timezone.now()
    ids = (
        Registration.objects.filter(
            status__in=[RegistrationStatus.ATTENDED],
            session__ends_at__lte=now,
            session__ends_at__gte=now - dt.timedelta(days=days),
        )
        .exclude(documents__kind=Document.Kind.CERTIFICATE)
        .values_list("pk", flat=True)
    )
    return sum(services.refresh_certificate(pk) is not None for pk in ids)
