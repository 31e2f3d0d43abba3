"""Who belongs to a structure (*rattachement*, DESIGN.md Decisions « Attachment »).

Picking an existing structure is a request to join it; one of its approvers (or staff)
confirms it. Until then the person has no structure: short formats only. Its deciders are
asked once the person's address is verified (`tell_deciders`), never on behalf of an address
nobody has proved to own: at signup, when the person confirms it. Ending an
attachment with the person's live requests withdrawn is enrollment's
(`enrollment.services.detach`), which calls `end_attachment` here.

A person's `structure` changes only here, on the person's row locked first and read again
under the lock (the platform's order, enrollment/locking.py: users, then the rows nobody
else locks first, attachments among them), so that a profile saved while an approver
confirms or ends the attachment can neither undo it nor be undone by it (issue 23).
"""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.text import has_visible_text
from mailing.outbox import queue_email

from .models import Attachment, Structure

Status = Attachment.Status

MESSAGES = {
    "not_pending": "Cette demande de rattachement a déjà été traitée.",
    "not_approver": "Vous ne validez pas les rattachements de cette structure.",
    "reason_required": "Indiquez le motif du refus : il est transmis à la personne.",
    "not_attached": "Cette personne n'est pas rattachée à votre structure.",
    "pending": (
        "Votre demande de rattachement à « {structure} » est transmise à ses valideurs : "
        "dès qu'ils l'auront confirmée, vous pourrez demander les actions réservées aux "
        "adhérents. En attendant, les formats courts (webinaires, conférences…) vous sont "
        "ouverts."
    ),
}


def attachment_pending_message(attachment: Attachment) -> str:
    return MESSAGES["pending"].format(structure=attachment.structure.name)


def _links() -> dict[str, str]:
    return {
        "employer_space_url": settings.SITE_URL + reverse("employers:space"),
        "profile_url": settings.SITE_URL + reverse("accounts:profile"),
        "admin_url": settings.SITE_URL + reverse("admin:employers_attachment_changelist"),
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
    }


def can_decide(structure: Structure, user) -> bool:
    """Staff and the structure's approvers confirm who belongs to it."""
    return user.is_staff or structure.approvers.filter(pk=user.pk).exists()


def pending_attachment(user) -> Attachment | None:
    """The person's request to join a structure, still waiting for confirmation."""
    if user is None or not user.pk:
        return None
    return Attachment.objects.pending().select_related("structure").filter(user=user).first()


@transaction.atomic
def request_attachment(user, structure: Structure) -> Attachment | None:
    """The person asks to join `structure` (signup or profile). Returns the pending request,
    or None when nothing needs confirming: already its employee, or one of its approvers.

    A new request replaces a pending one for another structure; leaving a structure for
    another ends the first at once (requests already made stay with it)."""
    now = timezone.now()
    Attachment.objects.pending().filter(user=user).exclude(structure=structure).update(
        status=Status.WITHDRAWN, decided_at=now
    )
    if user.structure_id == structure.pk:
        return None
    if structure.approvers.filter(pk=user.pk).exists():
        _attach(user, structure, now=now)
        return None
    existing = Attachment.objects.pending().filter(user=user, structure=structure).first()
    if user.structure_id is not None:
        _end_accepted(user, now=now)
        user.structure = None
        user.save(update_fields=["structure"])
    if existing is not None:
        return existing
    attachment = Attachment.objects.create(user=user, structure=structure)
    tell_deciders(attachment)
    return attachment


def withdraw_pending_attachment(user) -> None:
    """The person no longer asks to join a structure (job seeker, new structure created)."""
    if user.pk:
        Attachment.objects.pending().filter(user=user).update(
            status=Status.WITHDRAWN, decided_at=timezone.now()
        )


def lock_person(user_id: int):
    """The person's row, locked (`FOR NO KEY UPDATE`, as enrollment.locking.lock_users) and
    read again: what their structure is now, not what a copy read earlier said."""
    return get_user_model().objects.select_for_update(no_key=True).get(pk=user_id)


@transaction.atomic
def leave_structure(user) -> None:
    """The person works for no structure any more (a job seeker now): a pending request is
    withdrawn and the attachment ends (requests already made stay with the structure).
    `user` is the person's row, locked by the caller (`lock_person`)."""
    withdraw_pending_attachment(user)
    if user.structure_id is not None:
        _attach(user, None, now=timezone.now())


@transaction.atomic
def join_proposed_structure(user, structure: Structure) -> None:
    """The person proposed `structure` (or joined a colleague's proposal, awaiting the same
    validation by staff): theirs at once. `user` is locked by the caller (`lock_person`)."""
    withdraw_pending_attachment(user)
    if user.structure_id != structure.pk:
        _attach(user, structure, now=timezone.now())


def address_verified(user) -> bool:
    """Whether the person proved they own their address (allauth's primary EmailAddress,
    verified): nobody is emailed on their behalf before."""
    return EmailAddress.objects.filter(user_id=user.pk, primary=True, verified=True).exists()


@transaction.atomic
def tell_deciders(attachment: Attachment) -> bool:
    """Ask the structure's approvers (staff when it has none) to confirm the request, once:
    not before the person's address is verified (`address_verified`). True when asked now."""
    if not address_verified(attachment.user):
        return False
    told = Attachment.objects.pending().filter(pk=attachment.pk, deciders_told_at__isnull=True)
    if not told.update(deciders_told_at=timezone.now()):
        return False  # already told, or no longer pending
    approvers = list(attachment.structure.approvers.all())
    context = {"attachment": attachment, "person": attachment.user, **_links()}
    for approver in approvers:
        queue_email(
            "attachment_requested",
            to=approver.email,
            context={**context, "approver": approver},
            concerns=[attachment.user],
        )
    if not approvers:
        queue_email(
            "attachment_requested_staff",
            to=settings.PROGRAMME_CONTACT_EMAIL,
            context=context,
            concerns=[attachment.user],
        )
    return True


def address_confirmed(user) -> bool:
    """The person just verified their address (allauth's confirmation): the request to join a
    structure they made before is sent to its deciders now. True when one was."""
    attachment = (
        Attachment.objects.pending()
        .filter(user=user, deciders_told_at__isnull=True)
        .select_related("structure", "user")
        .first()
    )
    return attachment is not None and tell_deciders(attachment)


def _end_accepted(user, *, now: dt.datetime) -> None:
    Attachment.objects.filter(user=user, status=Status.ACCEPTED).update(
        status=Status.ENDED, decided_at=now
    )


def _attach(user, structure: Structure | None, *, now: dt.datetime) -> None:
    _end_accepted(user, now=now)
    user.structure = structure
    user.save(update_fields=["structure"])


def _locked_pending(attachment: Attachment, by) -> Attachment:
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("user", "structure")
        .get(pk=attachment.pk)
    )
    if not can_decide(attachment.structure, by):
        raise PermissionDenied(MESSAGES["not_approver"])
    if not attachment.is_pending:
        raise ValidationError(MESSAGES["not_pending"], code="not_pending")
    return attachment


@transaction.atomic
def accept_attachment(attachment: Attachment, *, by) -> Attachment:
    """An approver (or staff) confirms that the person works for the structure."""
    person = lock_person(attachment.user_id)  # the person first, then the request
    attachment = _locked_pending(attachment, by)
    now = timezone.now()
    _attach(person, attachment.structure, now=now)
    attachment.user = person
    attachment.status = Status.ACCEPTED
    attachment.decided_at, attachment.decided_by = now, by
    attachment.save(update_fields=["status", "decided_at", "decided_by"])
    _tell_person(attachment)
    return attachment


@transaction.atomic
def refuse_attachment(attachment: Attachment, *, by, reason: str) -> Attachment:
    """An approver (or staff) refuses: the person does not work for the structure."""
    reason = (reason or "").strip()
    if not has_visible_text(reason):
        raise ValidationError(MESSAGES["reason_required"], code="reason_required")
    attachment = _locked_pending(attachment, by)
    attachment.status = Status.REFUSED
    attachment.decided_at, attachment.decided_by = timezone.now(), by
    attachment.reason = reason[:2000]
    attachment.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _tell_person(attachment)
    return attachment


def end_attachment(user, structure: Structure, *, by, reason: str = "") -> None:
    """The person no longer works for the structure (inside the caller's transaction: the
    caller withdraws their live requests first)."""
    if not can_decide(structure, by):
        raise PermissionDenied(MESSAGES["not_approver"])
    # Already locked by `enrollment.services.detach` (its users): read again under the lock.
    if lock_person(user.pk).structure_id != structure.pk:
        raise ValidationError(MESSAGES["not_attached"], code="not_attached")
    now = timezone.now()
    ended = Attachment.objects.filter(user=user, structure=structure, status=Status.ACCEPTED)
    if not ended.update(status=Status.ENDED, decided_at=now, decided_by=by, reason=reason):
        Attachment.objects.create(
            user=user,
            structure=structure,
            status=Status.ENDED,
            decided_at=now,
            decided_by=by,
            reason=reason,
        )
    user.structure = None
    user.save(update_fields=["structure"])
    structure.approvers.remove(user)
    queue_email(
        "attachment_ended",
        to=user.email,
        context={"person": user, "structure": structure, "reason": reason, **_links()},
        concerns=[user],
    )


def _tell_person(attachment: Attachment) -> None:
    queue_email(
        "attachment_decided",
        to=attachment.user.email,
        context={"attachment": attachment, "person": attachment.user, **_links()},
        concerns=[attachment.user],
    )
