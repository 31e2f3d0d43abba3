"""Who may register for an action's sessions, as shown on the action page (R1, R2, R9).

Enrollment policy read for a page: the services check again when the cart is validated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import Action, Session
from employers.attachments import pending_attachment
from employers.selectors import member_years

from . import rules, selectors


@dataclass
class SessionState:
    """What the action page says about one session."""

    session: Session
    is_open: bool
    is_full: bool
    refusal: str = ""
    lead_time_warning: str = ""
    cart_add_url: str = ""
    in_cart: bool = False
    # What « Ajouter au panier » just said about this session, shown next to it.
    messages: list = field(default_factory=list)


@dataclass
class Eligibility:
    """The user's situation for an action: a general refusal (R1) and one state per session."""

    general_refusal: str = ""
    sessions: list[SessionState] = field(default_factory=list)


def cart_add_url(session_pk: int) -> str:
    """The URL of « Ajouter au panier »."""
    return reverse("enrollment:cart_add", args=[session_pk])


SESSION_MESSAGE_TAG = "session-{pk}"


def session_message_tag(session_pk: int) -> str:
    """The `extra_tags` of a message about one session, which the action page shows next to
    that session rather than at the top of the page."""
    return SESSION_MESSAGE_TAG.format(pk=session_pk)


def attach_messages(eligibility: Eligibility, messages) -> list:
    """Put each message tagged for a session of the page on its state; returns the others,
    for the top of the page."""
    states = {session_message_tag(state.session.pk): state for state in eligibility.sessions}
    others = []
    for message in messages:
        state = next((states[t] for t in message.extra_tags.split() if t in states), None)
        if state is None:
            others.append(message)
        else:
            state.messages.append(message)
    return others


def _session_year(session: Session) -> int:
    return timezone.localtime(session.starts_at).year


def for_user(
    user, action: Action, sessions: list[Session], now: dt.datetime | None = None
) -> Eligibility:
    """R1, R2 and R9 applied to `user` (anonymous users get no refusal) for each session.

    `sessions` carry the `places_left` annotation of `catalog.selectors.with_places`.
    """
    now = now or timezone.now()
    member_only = action.is_member_only
    eligibility = Eligibility()
    authenticated = bool(user and user.is_authenticated)
    member_of: set[int] = set()
    in_cart = selectors.cart_session_ids(user) if authenticated else set()
    if authenticated:
        try:
            pending = None if user.structure_id else pending_attachment(user)
            rules.check_audience(
                member_only=member_only,
                employment_status=user.employment_status,
                has_structure=user.structure_id is not None,
                pending_structure=pending.structure.name if pending else "",
            )
        except rules.RuleViolation as violation:
            eligibility.general_refusal = violation.message
        if member_only and not eligibility.general_refusal:
            member_of = member_years(user.structure_id, {_session_year(s) for s in sessions})
    for session in sessions:
        is_open = rules.is_registration_open(
            now=now,
            registration_deadline=session.registration_deadline,
            starts_at=session.starts_at,
            is_cancelled=session.is_cancelled or not action.is_published,
        )
        state = SessionState(
            session=session,
            is_open=is_open,
            is_full=session.places_left <= 0,
            in_cart=session.pk in in_cart,
        )
        if is_open:
            if authenticated and not eligibility.general_refusal:
                try:
                    rules.check_membership(
                        member_only=member_only,
                        structure_is_member=_session_year(session) in member_of,
                        year=_session_year(session),
                        contact=settings.MEMBERSHIP_CONTACT_EMAIL,
                    )
                except rules.RuleViolation as violation:
                    state.refusal = violation.message
            state.lead_time_warning = (
                rules.lead_time_warning(
                    member_only=member_only,
                    now=now,
                    starts_at=session.starts_at,
                    recommended_days=settings.RECOMMENDED_LEAD_DAYS,
                )
                or ""
            )
            if not (eligibility.general_refusal or state.refusal):
                state.cart_add_url = cart_add_url(session.pk)
        eligibility.sessions.append(state)
    return eligibility
