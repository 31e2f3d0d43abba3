"""Regenerate the documents when enrollment says something changed (`enrollment.hooks`),
after the commit, through Celery: a convention when the participants of a structure change,
a certificate when attendance is recorded."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

from catalog.models import is_member_only
from enrollment import hooks
from enrollment.models import Registration, RegistrationStatus
from mailing import attachments

logger = logging.getLogger(__name__)

Status = RegistrationStatus
PARTICIPANT_STATUSES = {Status.CONFIRMED, Status.ATTENDED, Status.ABSENT}


def _delay(task_name: str, *args) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name).delay(*args)
    except Exception:  # noqa: BLE001 — a broker outage must not undo the registration
        logger.warning("Document task %s%r not queued", task_name, args, exc_info=True)


def participants_changed(sender, registration: Registration, from_status, to_status, **kwargs):
    """A participant joins or leaves a structure's list for the session: its convention."""
    if not settings.DOCUMENTS_ENABLED:
        return
    joins_or_leaves = (from_status in PARTICIPANT_STATUSES) != (to_status in PARTICIPANT_STATUSES)
    if not joins_or_leaves or registration.structure_id is None:
        return
    if not is_member_only(registration.session.action.kind):
        return
    transaction.on_commit(
        partial(_delay, "refresh_convention", registration.session_id, registration.structure_id),
        robust=True,
    )


def attendance_recorded(sender, registration: Registration, **kwargs):
    if not settings.DOCUMENTS_ENABLED:
        return
    transaction.on_commit(partial(_delay, "refresh_certificate", registration.pk), robust=True)


def connect() -> None:
    hooks.registration_moved.connect(participants_changed, dispatch_uid="documents.convention")
    hooks.attendance_recorded.connect(attendance_recorded, dispatch_uid="documents.certificate")
    attachments.register("convocation", convocation_pdf)


def convocation_pdf(*, registration_id: int) -> bytes:
    """The bytes of the participant's convocation, for the email that sends it."""
    from . import services

    document = services.convocation_for(registration_id)
    with document.file.open("rb") as handle:
        return handle.read()
