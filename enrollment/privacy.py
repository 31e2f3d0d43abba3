"""Personal data (RGPD): what a professional can download, and the deletion of an account.

This lives in enrollment because it spans every app that holds a person's data (accounts,
employers, enrollment, mailing) and enrollment is the app allowed to depend on all of them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mailing.models import Email

from . import services
from .models import CartItem, Registration, RegistrationEvent

DELETION_REASON = "Compte supprimé à la demande de la personne (RGPD)."


def _iso(value):
    return value.isoformat() if value else None


def personal_data(user) -> dict:
    """Everything the platform holds about `user`, as JSON-serialisable data."""
    structure = user.structure
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("session__action", "structure")
        .prefetch_related("events")
        .order_by("submitted_at", "pk")
    )
    return {
        "exported_at": _iso(timezone.now()),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "job_title": user.job_title,
            "employment_status": user.employment_status,
            "field_of_activity": user.field_of_activity,
            "department": user.department,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "structure": (
            {"name": structure.name, "siret": structure.siret} if structure is not None else None
        ),
        "approves_for": list(user.approved_structures.values_list("name", flat=True)),
        "cart": [
            {"action": item.session.action.title, "starts_at": _iso(item.session.starts_at)}
            for item in CartItem.objects.filter(cart__user=user).select_related("session__action")
        ],
        "registrations": [
            {
                "action": r.session.action.title,
                "session_starts_at": _iso(r.session.starts_at),
                "structure": r.structure.name if r.structure else None,
                "status": r.status,
                "submitted_at": _iso(r.submitted_at),
                "contact": {
                    "first_name": r.first_name,
                    "last_name": r.last_name,
                    "email": r.email,
                    "phone": r.phone,
                    "job_title": r.job_title,
                },
                "motivations": r.motivations,
                "decision_reason": r.decision_reason,
                "cancellation_reason": r.cancellation_reason,
                "counted_in_quota": r.counted_in_quota,
                "history": [
                    {"from": e.from_status, "to": e.to_status, "at": _iso(e.at), "reason": e.reason}
                    for e in r.events.all()
                ],
            }
            for r in registrations
        ],
        "emails": [
            {"subject": e.subject, "created_at": _iso(e.created_at), "sent_at": _iso(e.sent_at)}
            for e in Email.objects.filter(to__iexact=user.email).order_by("created_at")
        ],
    }


def delete_account(user) -> int:
    """Delete `user`'s account: their live requests are withdrawn (places go to the waiting
    lists), every request is kept for the programme's statistics but anonymised, and their
    emails are erased. Returns the number of requests anonymised."""
    upcoming = list(
        Registration.objects.filter(
            user=user,
            status__in=services.CANCELLABLE_STATUSES,
            session__starts_at__gt=timezone.now(),
        )
    )
    with transaction.atomic():
        for registration in upcoming:
            services.cancel(registration, by=user, reason=DELETION_REASON)
        mine = Registration.objects.filter(user=user)
        RegistrationEvent.objects.filter(registration__in=mine).update(reason="")
        anonymised = mine.update(
            user=None,
            first_name="",
            last_name="",
            email="",
            phone="",
            job_title="",
            motivations="",
            decision_reason="",
            cancellation_reason="",
        )
        Email.objects.filter(to__iexact=user.email).delete()
        user.delete()
    return anonymised
