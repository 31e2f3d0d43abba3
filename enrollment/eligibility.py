"""Who may register for an action's sessions, as shown on the action page (R1, R2, R9), and
what validating a request would lead to, told before it is validated (R5–R8), on the action
page and in the cart.

Enrollment policy read for a page: the services check again when the cart is validated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.dates import period_text
from catalog.models import Action, Session
from common import typography
from employers.attachments import pending_attachment
from employers.selectors import member_years

from . import rules, selectors
from .calendar import sessions_clash
from .models import Registration
from .services.policy import cap_released


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
    # What validating a request for it would lead to (`validation_warnings`).
    warnings: list[str] = field(default_factory=list)
    # What « Ajouter au panier » just said about this session, shown next to it.
    messages: list = field(default_factory=list)


@dataclass
class Eligibility:
    """The user's situation for an action: a general refusal (R1) and one state per session."""

    general_refusal: str = ""
    sessions: list[SessionState] = field(default_factory=list)


def cart_add_url(session_pk: int, *, authenticated: bool = True) -> str:
    """The URL of « Ajouter au panier »: for a visitor not logged in, the one that only
    remembers the choice until they log in (its form needs no CSRF token, so the page is the
    same for every visitor and kept whole in the cache)."""
    name = "enrollment:cart_add" if authenticated else "enrollment:cart_choose"
    return reverse(name, args=[session_pk])


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


# What a person is told before validating a request (the rules' own refusals say what
# happened, after the fact).
WARNINGS = {
    "full": _(
        "Cette session est complète : si vous validez cette demande, elle sera placée en liste "
        "d'attente. Les places sont attribuées dans l'ordre des demandes ; vous serez prévenu "
        "par courriel si une place se libère."
    ),
    "structure_cap": _(
        "%(cap)s salariés de votre structure ont déjà une place dans cette session (%(cap)s au "
        "maximum) : si vous validez cette demande, elle sera placée en liste d'attente. À partir "
        "du %(release)s, elle pourra obtenir une place s'il en reste."
    ),
    "quota": _(
        "Cette demande dépasserait vos limites annuelles, en comptant vos demandes en cours et "
        "les sessions de votre panier : %(rule)s Elle serait refusée à la validation du panier."
    ),
    "late_cancellation": _(
        "Cette session commence dans moins de %(delay)s : une fois votre demande acceptée, un "
        "désistement serait décompté de votre quota annuel."
    ),
    # Beyond the FAQ, which forbids no overlap: said, never refused (rules.sessions_overlap).
    "overlap_request": _(
        "Cette session a lieu en même temps que « %(title)s » (%(dates)s), que vous avez déjà "
        "demandée : vous ne pourrez pas suivre les deux. C'est un avertissement, pas un refus : "
        "vous pouvez valider cette demande, puis vous désister de l'autre dans « Mon espace »."
    ),
    "overlap_cart": _(
        "Cette session a lieu en même temps que « %(title)s » (%(dates)s), aussi dans votre "
        "panier : vous ne pourrez pas suivre les deux. C'est un avertissement, pas un refus : "
        "vous pouvez valider les deux demandes, mais mieux vaut retirer celle que vous ne "
        "suivrez pas."
    ),
}

# The requests that hold or wait for a place: a person may overlap them by mistake.
LIVE_REQUEST_STATUSES = selectors.LIVE_REQUEST_STATUSES


def live_requests(user_id: int, *, now: dt.datetime):
    """The person's requests that hold or wait for a place in a session not over yet, with
    their sessions' times and actions' titles (the overlaps' facts, as the confirmation
    says them) and no more: the statement's 56 columns cost more to build and read than the
    rest of it (docs/PERFORMANCE.md)."""
    return (
        Registration.objects.filter(
            user_id=user_id, status__in=LIVE_REQUEST_STATUSES, session__ends_at__gt=now
        )
        .select_related("session__action")
        .only(
            "user_id",
            "session_id",
            "session__starts_at",
            "session__ends_at",
            "session__action__title",
        )
        .order_by("session__starts_at", "pk")
    )


def overlaps(registrations, others) -> dict[int, list[Registration]]:
    """Each of `registrations` (id →) with the other requests of `others` held at the same
    time (`calendar.sessions_clash`), for the same person; a request never overlaps itself
    or another of the same session."""
    result: dict[int, list[Registration]] = {}
    for registration in registrations:
        clashing = [
            other
            for other in others
            if other.user_id == registration.user_id
            and other.session_id != registration.session_id
            and sessions_clash(registration.session, other.session)
        ]
        if clashing:
            result[registration.pk] = clashing
    return result


def _overlap_warnings(session: Session, requested, in_cart) -> list[str]:
    """Beyond the FAQ: `session` held at the same time as a session already requested, or as
    another of the cart (each named once)."""
    texts = []
    for key, sessions in (("overlap_request", requested), ("overlap_cart", in_cart)):
        for other in sessions:
            if other.pk != session.pk and sessions_clash(session, other):
                values = {
                    "title": other.action.title,
                    "dates": period_text(other.starts_at, other.ends_at),
                }
                texts.append(str(WARNINGS[key] % values))
    return texts


def _place_warning(session: Session, *, colleagues: int, now: dt.datetime) -> str:
    """R7 then R5, as the services place a request (`policy.placement`): why it would wait."""
    member_only = session.action.is_member_only
    try:
        rules.check_places_left(capacity=session.capacity, held=session.places_held)
        rules.check_structure_cap(
            member_only=member_only,
            colleagues_holding=colleagues,
            cap_released=cap_released(session, now),
        )
    except rules.RuleViolation as violation:
        if violation.code == "structure_cap":
            release = rules.days_before(session.starts_at, settings.STRUCTURE_CAP_RELEASE_DAYS)
            day = typography.day(timezone.localtime(release).date())
            return str(WARNINGS["structure_cap"] % {"cap": rules.STRUCTURE_CAP, "release": day})
        return str(WARNINGS["full"])
    return ""


def _quota_warning(session: Session, counted: selectors.CountedSessions) -> str:
    """R6, as the cart's validation checks it."""
    try:
        rules.check_annual_quota(
            member_only=session.action.is_member_only,
            is_training=session.action.is_training,
            year=counted.year,
            counted_member_only=len(counted.member_only),
            counted_trainings=len(counted.trainings),
            session_already_counted=session.pk in counted.member_only,
        )
    except rules.RuleViolation as violation:
        return str(WARNINGS["quota"] % {"rule": violation.message})
    return ""


def _late_warning(session: Session, now: dt.datetime) -> str:
    """R8: a withdrawal from an accepted request would be counted, from the start."""
    if rules.cancellation_is_counted(
        member_only=session.action.is_member_only,
        employer_accepted=True,
        now=now,
        starts_at=session.starts_at,
        late_days=settings.LATE_CANCELLATION_DAYS,
    ):
        delay = rules.delay_in_words(settings.LATE_CANCELLATION_DAYS)
        return str(WARNINGS["late_cancellation"] % {"delay": delay})
    return ""


def validation_warnings(
    user, sessions, *, now: dt.datetime, ahead=(), cumulative: bool = False
) -> dict[int, list[str]]:
    """What validating a request of `user` for each of `sessions` would lead to, told before:
    the waiting list (R7 full, R5 two colleagues before the cap's release), the yearly limits
    (R6), a withdrawal that would be counted (R8), a session held at the same time as
    another requested or in the cart (a warning, never a refusal). Session id → warnings.

    Sessions carry their action and `places_held` (`catalog.selectors.with_places`). The
    sessions `ahead` (the rest of the cart) are validated first, and count in the quota when
    they would get a place, as `submit_cart` does; with `cumulative` (the cart) each of
    `sessions` counts for the following ones too, else (the action page) each is one choice.
    A few queries, whatever the number of sessions.
    """
    ahead, sessions = list(ahead), list(sessions)
    if not (user and user.is_authenticated and sessions):
        return {}
    member_only = [s for s in [*ahead, *sessions] if s.action.is_member_only]
    colleagues = selectors.colleagues_holding_by_session(
        [s.pk for s in member_only], user.structure_id
    )
    # The person's requests, read once for the quota and the overlaps.
    live, counted = selectors.requests_and_counted(
        user.pk, {_session_year(s) for s in member_only}, now=now
    )
    requested = [r.session for r in live]
    # The other sessions the person would request with this one: the rest of the cart.
    in_cart = [*ahead, *sessions] if cumulative else ahead

    def check(session) -> list[str]:
        place = _place_warning(session, colleagues=colleagues.get(session.pk, 0), now=now)
        year = _session_year(session)
        quota = _quota_warning(session, counted[year]) if year in counted else ""
        # A session validated before the next ones counts if it gets a place (submit_cart).
        counts_for_next = cumulative or session in ahead
        if counts_for_next and not (place or quota) and year in counted:
            counted[year] = counted[year].plus(session)
        texts = [text for text in (place, quota, _late_warning(session, now)) if text]
        return texts + _overlap_warnings(session, requested, in_cart)

    for session in ahead:
        check(session)
    return {session.pk: check(session) for session in sessions}


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
    cart = selectors.cart_sessions(user) if authenticated else []
    in_cart = {session.pk for session in cart}
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
                state.cart_add_url = cart_add_url(session.pk, authenticated=authenticated)
        eligibility.sessions.append(state)
    # Each session of the page is one choice, made after the rest of the cart.
    candidates = [state.session for state in eligibility.sessions if state.cart_add_url]
    on_page = {session.pk for session in sessions}
    ahead = [session for session in cart if session.pk not in on_page]
    warnings = validation_warnings(user, candidates, now=now, ahead=ahead)
    for state in eligibility.sessions:
        state.warnings = warnings.get(state.session.pk, [])
    return eligibility
