"""Reactions of enrollment to changes made elsewhere (connected in `EnrollmentConfig.ready`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save

from employers.models import Membership

from .models import Registration, RegistrationStatus


def serve_waitlists_of_new_member(sender, instance: Membership, created: bool, **kwargs):
    """R7 (Decisions « Order »): a structure that becomes a member for a year makes its
    employees' waitlisted requests of that year eligible again: serve those waiting lists."""
    if not created:
        return
    session_ids = list(
        Registration.objects.filter(
            structure_id=instance.structure_id,
            status=RegistrationStatus.WAITLISTED,
            session__starts_at__year=instance.year,
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    if session_ids:
        from .tasks import serve_waitlists

        transaction.on_commit(lambda: serve_waitlists.delay(session_ids), robust=True)


def connect() -> None:
    post_save.connect(
        serve_waitlists_of_new_member, sender=Membership, dispatch_uid="enrollment.membership"
    )
