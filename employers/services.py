"""Writes about approvers: invitation by email and its acceptance (R4)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mailing.outbox import queue_email

from .models import ApproverInvitation, Structure

# An invitation link stays valid this many days (the inviter can send a new one).
INVITATION_VALID_DAYS = 30

# What the invitations' services say, translated when raised.
MESSAGES = {
    "not_approver": _("Vous ne validez pas les demandes de cette structure."),
    "invalid_email": _("Cette adresse électronique n'est pas valide : vérifiez-la."),
    "already_approver": _(
        "Cette personne valide déjà les demandes de votre structure : inutile de l'inviter."
    ),
    "wrong_account": _(
        "Cette invitation a été envoyée à une autre adresse électronique que celle de votre "
        "compte. Déconnectez-vous, puis connectez-vous (ou créez votre compte) avec l'adresse "
        "qui a reçu l'invitation."
    ),
    "already_used": _("Cette invitation a déjà été utilisée."),
    "expired": _(
        "Cette invitation a expiré. Demandez à la personne qui vous a invité·e de vous en "
        "envoyer une nouvelle."
    ),
}


class InvitationError(ValidationError):
    """An invitation refused; `code` names why, `message` tells what to do next."""

    def __init__(self, code: str):
        super().__init__(str(MESSAGES[code]), code=code)

    def __str__(self):
        return self.message


def can_invite(structure: Structure, user) -> bool:
    return user.is_staff or structure.approvers.filter(pk=user.pk).exists()


def invitation_url(invitation: ApproverInvitation) -> str:
    return settings.SITE_URL + reverse("employers:invitation", args=[invitation.token])


def is_expired(invitation: ApproverInvitation, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return now - invitation.created_at > dt.timedelta(days=INVITATION_VALID_DAYS)


def invite_approver(structure: Structure, email: str, *, by) -> ApproverInvitation:
    """Invite `email` to approve the requests of `structure`; `by` is one of its approvers or
    staff. Records the invitation and queues the email with its link. Inviting the same
    address again sends the same link again (the older one keeps working)."""
    if not can_invite(structure, by):
        raise PermissionDenied(str(MESSAGES["not_approver"]))
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError("invalid_email") from None
    if structure.approvers.filter(email__iexact=email).exists():
        raise InvitationError("already_approver")
    with transaction.atomic():
        invitation = (
            ApproverInvitation.objects.pending()
            .filter(structure=structure, email__iexact=email)
            .order_by("-created_at")
            .first()
        )
        if invitation is None or is_expired(invitation):
            invitation = ApproverInvitation.objects.create(
                structure=structure,
                email=email,
                token=secrets.token_urlsafe(32),
                invited_by=by,
            )
        queue_email(
            "approver_invitation",
            to=email,
            context={
                "invitation": invitation,
                "structure": structure,
                "inviter": by,
                "invitation_url": invitation_url(invitation),
                "valid_days": INVITATION_VALID_DAYS,
                "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
            },
            concerns=[by],
        )
    return invitation


def accept_invitation(invitation: ApproverInvitation, *, user) -> Structure:
    """Make `user` an approver of the invitation's structure; the account's email must be the
    invited one. Accepting again (a second click) changes nothing."""
    with transaction.atomic():
        invitation = (
            ApproverInvitation.objects.select_for_update()
            .select_related("structure")
            .get(pk=invitation.pk)
        )
        if user.email.strip().lower() != invitation.email.strip().lower():
            raise InvitationError("wrong_account")
        if invitation.is_accepted:
            if invitation.accepted_by_id == user.pk:
                return invitation.structure
            raise InvitationError("already_used")
        if is_expired(invitation):
            raise InvitationError("expired")
        invitation.structure.approvers.add(user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation.structure
