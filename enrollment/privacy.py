"""Personal data (RGPD): what a professional can download, and the deletion of an account.

This lives in enrollment because it spans every app that holds a person's data (accounts,
employers, enrollment, mailing) and enrollment is the app allowed to depend on all of them.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from mailing.models import ERASED_SUBJECT, Email

from . import locking, services
from .models import CartItem, Registration, RegistrationEvent

DELETION_REASON = "Compte supprimé à la demande de la personne (RGPD)."


def _iso(value):
    return value.isoformat() if value else None


def _addresses(user) -> set[str]:
    """The person's addresses, lowercased: the account's and every contact address typed on
    their requests, except one that is another account's login (that mailbox is theirs)."""
    own = {user.email.strip().lower()}
    contacts = {
        address.strip().lower()
        for address in Registration.objects.filter(user=user)
        .exclude(email="")
        .values_list("email", flat=True)
    } - own
    someone_elses = set(
        get_user_model()
        .objects.exclude(pk=user.pk)
        .annotate(address=Lower("email"))
        .filter(address__in=contacts)
        .values_list("address", flat=True)
    )
    return own | (contacts - someone_elses)


def _sent_to(addresses: set[str]) -> Q:
    return reduce(or_, (Q(to__iexact=address) for address in addresses))


def _about(user) -> Q:
    """Emails recorded as concerning `user` (a subquery: no duplicate rows from the join)."""
    return Q(pk__in=Email.concerns.through.objects.filter(user=user).values("email_id"))


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
            {
                "action": item.session.action.title,
                "starts_at": _iso(item.session.starts_at),
                "motivations_draft": item.motivations_draft,
            }
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
            {
                "subject": e.subject,
                "to": e.to,
                "created_at": _iso(e.created_at),
                "sent_at": _iso(e.sent_at),
            }
            for e in Email.objects.filter(_sent_to(_addresses(user)) | _about(user)).order_by(
                "created_at", "pk"
            )
        ],
    }


@locking.retry_on_lock_conflict
def delete_account(user) -> int:
    """Delete `user`'s account: their live requests are withdrawn (places go to the waiting
    lists), every request is kept for the programme's statistics but anonymised, the emails
    sent to them are deleted and those about them sent to others (approvers, staff) are
    erased, their convocations deleted; conventions, attendance sheets and certificates are
    kept until DOCUMENT_RETENTION_YEARS after their session's end (DESIGN.md, turn 3).
    Returns the number of requests anonymised.

    Locks in the platform's order (`enrollment.locking`): the sessions of the upcoming
    requests, then the user (with the waiting people), then the registrations."""
    with transaction.atomic():
        # Plain reads, before the withdrawals: their notices to approvers and staff name
        # nobody (the contact details are blanked first), so they are kept and sent.
        addresses = _addresses(user)
        about = list(
            Email.objects.filter(_about(user))
            .exclude(_sent_to(addresses))
            .values_list("pk", flat=True)
        )
        services.withdraw_all_upcoming(user, reason=DELETION_REASON, anonymise=True)
        mine = Registration.objects.filter(user=user)
        # The legal documents stay, naming the person, until the end of their retention
        # (documents.retention); the convocations go.
        services.forget_documents(list(mine.values_list("pk", flat=True)))
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
        Email.objects.filter(_sent_to(addresses)).delete()
        Email.objects.filter(pk__in=about, sent_at__isnull=True).delete()
        Email.objects.filter(pk__in=about).erase(subject=ERASED_SUBJECT)
        # Deleting the row would drop these links silently (no m2m_changed): removed here,
        # staff are told of a structure left without approver (enrollment.signals).
        user.approved_structures.clear()
        user.delete()
    return anonymised
