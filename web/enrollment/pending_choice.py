"""« Ajouter au panier » clicked before logging in: the session is remembered in the visitor's
session, and added to the cart when they log in — or sign up and confirm their address, in
the same browser — with the rules' refusal shown when they refuse (R1, R9)."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext as _

from catalog.models import Session
from enrollment import services
from enrollment.eligibility import session_message_tag
from enrollment.rules import RuleViolation

PENDING_SESSION_KEY = "cart_pending_session"


def remember(request, session: Session) -> None:
    """Keep `session` for the cart of whoever logs in next in this browser."""
    request.session[PENDING_SESSION_KEY] = session.pk


def add_remembered_session(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: put the remembered session in the cart, through the rules,
    and say so (next to the session, when the login leads back to its action page)."""
    session_store = getattr(request, "session", None)
    if session_store is None:
        return
    session_id = session_store.pop(PENDING_SESSION_KEY, None)
    if session_id is None:
        return
    session = Session.objects.select_related("action").filter(pk=session_id).first()
    if session is None:
        return
    tag = session_message_tag(session.pk)
    try:
        services.add_to_cart(user, session)
    except RuleViolation as violation:
        messages.error(request, violation.message, extra_tags=tag, fail_silently=True)
    else:
        messages.success(
            request,
            _("Session ajoutée à votre panier : « %(title)s ».") % {"title": session.action.title},
            extra_tags=tag,
            fail_silently=True,
        )
