"""Warnings before validation (issue 13, item 7): on the action page and in the cart, a person
is told before validating that the request will wait (R7 full, R5 two colleagues), that it
would exceed the yearly limits (R6), and that a withdrawal would be counted (R8) — the same
answers as the validation itself."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind, Session
from catalog.selectors import with_places
from enrollment import eligibility, services
from enrollment.models import RegistrationStatus
from enrollment.services import CartRefused
from tests.factories import MemberEmployeeFactory, UserFactory, contact_of, register, session_of

pytestmark = pytest.mark.django_db

CART = reverse("enrollment:cart")
WAITLIST = "elle sera placée en liste d'attente"
CAP = "2 salariés de votre structure ont déjà une place"
FULL = "Cette session est complète\u00a0: si vous validez"
QUOTA = "dépasserait vos limites annuelles"
LATE = "un désistement serait décompté de votre quota annuel"


def session_block(html, session) -> str:
    """A session's block of the action page, its text unescaped (&#39; or &#x27;: the same)."""
    html = unescape(html)
    match = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S)
    assert match, f"session {session.pk} not on the page"
    return match.group(0)


def cart_block(html, session) -> str:
    html = unescape(html)
    match = re.search(rf'<fieldset id="item-{session.pk}".*?</fieldset>', html, re.S)
    assert match, f"session {session.pk} not in the cart"
    return match.group(0)


def action_page(client, user, session) -> str:
    client.force_login(user)
    return session_block(client.get(session.action.get_absolute_url()).content.decode(), session)


def cart_page(client, user, session) -> str:
    client.force_login(user)
    return cart_block(client.get(CART).content.decode(), session)


# --- the waiting list (R5, R7) ----------------------------------------------------------------


def test_q9_third_colleague_is_told_before_validating_that_they_will_wait(client, colleagues):
    """salarie3 no longer reads « 12 places restantes » only, to learn afterwards."""
    first, second, third = colleagues
    session = session_of(ActionKind.TRAINING, capacity=14)
    register(first, session)
    register(second, session)
    block = action_page(client, third, session)
    assert "12 places restantes" in block
    assert CAP in block and WAITLIST in block
    services.add_to_cart(third, session)
    assert CAP in cart_page(client, third, session)
    [registration] = services.submit_cart(
        third, contact=contact_of(third), motivations={session.pk: "Mes attentes."}
    )
    assert registration.status == RegistrationStatus.WAITLISTED
    assert registration.waitlist_reason == "structure_cap"


def test_q9_no_cap_warning_once_the_cap_is_released_or_for_another_structure(client, colleagues):
    first, second, third = colleagues
    soon = session_of(ActionKind.TRAINING, days=12)  # within the 15 days of the release
    later = session_of(ActionKind.TRAINING)
    for session in (soon, later):
        register(first, session)
        register(second, session)
    assert CAP not in action_page(client, third, soon)
    assert CAP not in action_page(client, MemberEmployeeFactory(), later)


def test_q12_full_session_warns_everyone_who_may_register(client, employee):
    for kind in (ActionKind.TRAINING, ActionKind.WEBINAR):
        session = session_of(kind, capacity=1)
        register(MemberEmployeeFactory(), session)
        assert FULL in action_page(client, employee, session)
        services.add_to_cart(employee, session)
        assert FULL in cart_page(client, employee, session)


def test_no_warning_for_a_session_with_room(client, employee):
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, session)
    for block in (action_page(client, employee, session), cart_page(client, employee, session)):
        assert "Avant de valider" not in block


def test_no_warning_for_visitors_or_people_who_may_not_register(client):
    session = session_of(ActionKind.TRAINING, capacity=1, days=5)
    register(MemberEmployeeFactory(), session)
    html = client.get(session.action.get_absolute_url()).content.decode()
    assert "Avant de valider" not in session_block(html, session)
    assert "Avant de valider" not in action_page(client, UserFactory(), session)  # no membership


# --- the yearly limits (R6) -------------------------------------------------------------------


def test_q10_quota_reached_is_told_on_the_action_page_and_in_the_cart(client, employee):
    register(
        employee,
        *[session_of(kind) for kind in [ActionKind.TRAINING] * 3 + [ActionKind.DISCOVERY_MODULE]],
    )
    fifth = session_of(ActionKind.PRACTICE_WORKSHOP)
    webinar = session_of(ActionKind.WEBINAR)
    block = action_page(client, employee, fifth)
    assert QUOTA in block and "limite de 4 actions réservées aux adhérents" in block
    assert QUOTA not in action_page(client, employee, webinar)  # short formats: unlimited
    services.add_to_cart(employee, fifth)
    assert QUOTA in cart_page(client, employee, fifth)


def test_q10_the_cart_counts_its_own_items_in_order(client, employee):
    """Two trainings counted: the cart's first training fits, its second would be refused —
    as the validation says."""
    register(employee, session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING))
    first, second = session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, first)
    services.add_to_cart(employee, second)
    client.force_login(employee)
    html = client.get(CART).content.decode()
    assert QUOTA not in cart_block(html, first)
    assert QUOTA in cart_block(html, second)
    assert "limite de 3 actions de formation" in cart_block(html, second)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(
            employee,
            contact=contact_of(employee),
            motivations={first.pk: "Attentes.", second.pk: "Attentes."},
        )
    assert set(refusal.value.item_errors) == {second.pk}


def test_q10_on_the_action_page_the_cart_counts_first(client, employee):
    register(employee, session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING))
    services.add_to_cart(employee, session_of(ActionKind.TRAINING))
    assert QUOTA in action_page(client, employee, session_of(ActionKind.TRAINING))


def test_q10_a_waitlisted_cart_item_does_not_count(client, employee):
    """A cart item that will wait holds no place: it does not count for the next ones."""
    register(employee, session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING))
    full = session_of(ActionKind.TRAINING, capacity=1)
    register(MemberEmployeeFactory(), full)
    last = session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, full)
    services.add_to_cart(employee, last)
    client.force_login(employee)
    html = client.get(CART).content.decode()
    assert FULL in cart_block(html, full)
    assert QUOTA not in cart_block(html, last)


# --- late withdrawals (R8) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days", "warned"),
    [
        (ActionKind.TRAINING, 8, True),
        (ActionKind.TRAINING, 12, False),
        (ActionKind.WEBINAR, 8, False),  # a short format's withdrawal is never counted
    ],
)
def test_q11_a_start_less_than_10_days_away_is_told(client, employee, kind, days, warned):
    session = session_of(kind, days=days)
    block = action_page(client, employee, session)
    assert (LATE in block) is warned
    assert ("commence dans moins de 10 jours" in block) is warned
    services.add_to_cart(employee, session)
    assert (LATE in cart_page(client, employee, session)) is warned


# --- one place ----------------------------------------------------------------------------------


def test_warnings_are_read_in_a_fixed_number_of_queries(colleagues, django_assert_num_queries):
    """The colleagues' places, then the person's requests, read once for the yearly quota and
    the live requests (sessions held at the same time), whatever the sessions."""
    first, second, third = colleagues
    sessions = [session_of(ActionKind.TRAINING, days=days) for days in (20, 40, 70, 100)]
    for session in sessions:
        register(first, session)
        register(second, session)
    sessions = list(
        with_places(Session.objects.filter(pk__in=[s.pk for s in sessions])).select_related(
            "action"
        )
    )
    with django_assert_num_queries(2):
        warnings = eligibility.validation_warnings(
            third, sessions, now=timezone.now(), cumulative=True
        )
    assert all(any(CAP in text for text in warnings[s.pk]) for s in sessions)


def test_q11_the_late_warning_follows_late_cancellation_days(client, employee, settings):
    settings.LATE_CANCELLATION_DAYS = 14
    block = action_page(client, employee, session_of(ActionKind.TRAINING, days=12))
    assert "commence dans moins de 2 semaines" in block
