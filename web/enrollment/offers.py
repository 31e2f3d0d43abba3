"""« Accepter la place » / « Je ne suis plus disponible »: the answers to a late-release offer
(DESIGN.md, turn 3). The email's buttons link here; a GET shows the choice and its
consequences, only the POST (CSRF-protected, the person logged in, the offer theirs —
anyone else's answers 404) calls the service: a mail client or a security scanner that opens
the links ahead answers nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.dates import moment_text
from enrollment import selectors, services
from enrollment.models import Offer, RegistrationStatus
from enrollment.notifications.offers import needs_employer
from enrollment.rules import RuleViolation

ACCEPT = "accept"
DECLINE = "decline"


def _back(offer: Offer) -> str:
    return f"{reverse('enrollment:my_space')}#demande-{offer.registration_id}"


def _answer(request, pk: int, choice: str):
    offer = selectors.offer_of_user_or_404(request.user, pk)
    registration = offer.registration
    if request.method == "POST":
        service = services.accept_offer if choice == ACCEPT else services.decline_offer
        try:
            registration = service(offer, by=request.user)
        except (RuleViolation, PermissionDenied) as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _done(choice, registration))
        return redirect(_back(offer))
    running = offer.status == Offer.Status.OFFERED and timezone.now() < offer.expires_at
    return render(
        request,
        "enrollment/offer.html",
        {
            "offer": offer,
            "registration": registration,
            "choice": choice,
            "running": running,
            "needs_employer": needs_employer(registration),
            "status_text": offer.get_status_display(),
        },
    )


def _done(choice: str, registration) -> str:
    if choice == DECLINE:
        return _(
            "C'est noté : vous n'êtes plus disponible. Votre demande est close et la place est "
            "proposée à la personne suivante de la liste d'attente."
        )
    if registration.status == RegistrationStatus.PENDING_EMPLOYER:
        offer = registration.offers.filter(status=Offer.Status.ACCEPTED).latest("made_at", "pk")
        return _(
            "Place acceptée. Votre employeur doit maintenant accepter votre demande, avant le "
            "%(moment)s : il en est prévenu par courriel."
        ) % {"moment": moment_text(offer.approval_due_at)}
    if registration.status == RegistrationStatus.PENDING_PROVIDER:
        return _("Place acceptée. Le prestataire va confirmer votre inscription.")
    return _(
        "Place acceptée : votre inscription est confirmée. Votre convocation vous est envoyée."
    )


@login_required
def offer_accept(request, pk: int):
    """« Accepter la place »."""
    return _answer(request, pk, ACCEPT)


@login_required
def offer_decline(request, pk: int):
    """« Je ne suis plus disponible »."""
    return _answer(request, pk, DECLINE)
