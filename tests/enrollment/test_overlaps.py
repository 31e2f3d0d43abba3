"""Two sessions held at the same time (issue 25: 22–23 and 22–24 December validated together):
warned in the cart before validation, on the confirmation and in the employer's table. The FAQ
forbids no overlap: it is a warning, never a refusal (`rules.sessions_overlap`)."""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import eligibility, selectors, services
from enrollment.calendar import sessions_clash
from enrollment.models import RegistrationStatus
from enrollment.rules import sessions_overlap
from tests.factories import PARIS, MemberEmployeeFactory, contact_of, session_of

Status = RegistrationStatus
UTC = dt.UTC
NEXT_YEAR = timezone.localdate().year + 1
OVERLAP = "a lieu en même temps que"


def paris(month, day, hour, minute=0, year=NEXT_YEAR):
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        pytest.param(
            (paris(12, 22, 9), paris(12, 23, 17)),
            (paris(12, 22, 9), paris(12, 24, 17)),
            True,
            id="22_23_and_22_24_december",
        ),
        pytest.param(
            (paris(12, 22, 9), paris(12, 22, 12)),
            (paris(12, 22, 12), paris(12, 22, 17)),
            False,
            id="touching_ends",
        ),
        pytest.param(
            (paris(12, 22, 9), paris(12, 22, 12)),
            (paris(12, 22, 14), paris(12, 22, 17)),
            False,
            id="same_day_different_hours",
        ),
        pytest.param(
            (paris(12, 22, 9), paris(12, 22, 12, 30)),
            (paris(12, 22, 12), paris(12, 22, 17)),
            True,
            id="same_day_half_an_hour_in_common",
        ),
        pytest.param(
            (paris(12, 20, 9), paris(12, 24, 17)),
            (paris(12, 22, 10), paris(12, 22, 11)),
            True,
            id="one_inside_the_other",
        ),
        pytest.param(
            # 27 October 2024, the autumn change: 2:00–2:30 comes twice, an hour apart.
            (paris(10, 27, 2, year=2024), paris(10, 27, 2, 30, year=2024)),
            (
                paris(10, 27, 2, year=2024).replace(fold=1),
                paris(10, 27, 2, 30, year=2024).replace(fold=1),
            ),
            False,
            id="dst_autumn_same_wall_clock_an_hour_apart",
        ),
        pytest.param(
            # 30 March 2025, the spring change: 2:00 to 3:00 does not exist; 1:30 to 3:30 is
            # one hour of real time, which 3:15 UTC+2 (1:15 UTC) falls into.
            (paris(3, 30, 1, 30, year=2025), paris(3, 30, 3, 30, year=2025)),
            (dt.datetime(2025, 3, 30, 1, 15, tzinfo=UTC), dt.datetime(2025, 3, 30, 2, tzinfo=UTC)),
            True,
            id="dst_spring_across_the_missing_hour",
        ),
        pytest.param(
            (paris(3, 30, 1, 30, year=2025), paris(3, 30, 3, year=2025)),
            (dt.datetime(2025, 3, 30, 1, 0, tzinfo=UTC), dt.datetime(2025, 3, 30, 2, tzinfo=UTC)),
            False,
            id="dst_spring_touching_after_the_missing_hour",
        ),
    ],
)
def test_sessions_overlap(a, b, overlap):
    assert sessions_overlap(*a, *b) is overlap
    assert sessions_overlap(*b, *a) is overlap


@pytest.mark.django_db
def test_an_evening_webinar_during_a_training_of_several_days_does_not_clash():
    training = session_of(ActionKind.TRAINING, starts_at=paris(12, 22, 9))
    training.ends_at = paris(12, 24, 17)
    evening = session_of(ActionKind.WEBINAR, starts_at=paris(12, 23, 18))
    evening.ends_at = paris(12, 23, 19)
    morning = session_of(ActionKind.WEBINAR, starts_at=paris(12, 23, 10))
    morning.ends_at = paris(12, 23, 11)
    assert not sessions_clash(training, evening)
    assert sessions_clash(training, morning) and sessions_clash(morning, training)


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def december(db):
    """22–23 and 22–24 December next year, 9 h to 17 h; another training in January."""
    first = session_of(ActionKind.TRAINING, starts_at=paris(12, 22, 9))
    first.ends_at = paris(12, 23, 17)
    first.save()
    second = session_of(ActionKind.TRAINING, starts_at=paris(12, 22, 9))
    second.ends_at = paris(12, 24, 17)
    second.save()
    third = session_of(ActionKind.TRAINING, starts_at=paris(1, 12, 9))
    return first, second, third


def text(response) -> str:
    return unescape(response.content.decode())


def item_block(html, session) -> str:
    return re.search(rf'<fieldset id="item-{session.pk}".*?</fieldset>', html, re.S).group(0)


@pytest.mark.django_db
def test_the_cart_warns_before_validation_and_validates_both(client, employee, december):
    first, second, third = december
    for session in december:
        services.add_to_cart(employee, session)
    client.force_login(employee)
    html = text(client.get(reverse("enrollment:cart")))
    for session, other in ((first, second), (second, first)):
        block = item_block(html, session)
        assert OVERLAP in block and f"«\u00a0{other.action.title}\u00a0»" in block
        assert "C'est un avertissement, pas un refus" in block
    assert OVERLAP not in item_block(html, third)
    registrations = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={s.pk: "Pour progresser." for s in december},
    )
    assert [r.status for r in registrations] == [Status.PENDING_EMPLOYER] * 3


@pytest.mark.django_db
def test_the_cart_warns_of_a_request_already_made(client, employee, december):
    first, second, _ = december
    services.add_to_cart(employee, first)
    services.submit_cart(employee, contact=contact_of(employee), motivations={first.pk: "Oui."})
    services.add_to_cart(employee, second)
    client.force_login(employee)
    block = item_block(text(client.get(reverse("enrollment:cart"))), second)
    assert f"«\u00a0{first.action.title}\u00a0»" in block and "que vous avez déjà demandée" in block
    # The action page says it too, before the session is even in the cart.
    services.remove_from_cart(employee, second)
    page = text(client.get(second.action.get_absolute_url()))
    assert "que vous avez déjà demandée" in page


@pytest.mark.django_db
def test_the_confirmation_says_which_requests_overlap(client, employee, december):
    for session in december:
        services.add_to_cart(employee, session)
    registrations = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={s.pk: "Pour progresser." for s in december},
    )
    client.force_login(employee)
    html = text(client.get(reverse("enrollment:cart_done", args=[registrations[0].submission])))
    cards = re.findall(r'<article class="card">.*?</article>', html, re.S)
    assert [OVERLAP in card for card in cards] == [True, True, False]
    assert "Ce n'est pas interdit" in cards[0]


@pytest.mark.django_db
def test_the_employer_table_marks_the_requests_that_overlap(
    client, employee, member_structure, december
):
    first, second, third = december
    for session in december:
        services.add_to_cart(employee, session)
    registrations = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={s.pk: "Pour progresser." for s in december},
    )
    colleague = MemberEmployeeFactory(structure=member_structure)
    services.add_to_cart(colleague, first)
    [alone] = services.submit_cart(
        colleague, contact=contact_of(colleague), motivations={first.pk: "Oui."}
    )
    client.force_login(member_structure.approver)
    html = text(client.get(reverse("employers:space")))
    rows = {
        int(pk): row for pk, row in re.findall(r'<tr id="request-(\d+)">(.*?)</tr>', html, re.S)
    }
    badge = "chevauche une autre demande"
    assert [badge in rows[r.pk] for r in registrations] == [True, True, False]
    assert badge not in rows[alone.pk]  # the same session as another person's: no overlap


@pytest.mark.django_db
def test_the_overlaps_facts_are_read_in_one_statement_and_no_more(
    employee, december, django_assert_num_queries
):
    """What the confirmation compares and says of another request (its session's times, its
    action's title), in one statement; the request's contact and motivations, the action's
    texts left unread (`eligibility.live_requests`)."""
    for session in december:
        services.add_to_cart(employee, session)
    services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={s.pk: "Pour progresser." for s in december},
    )
    with django_assert_num_queries(1):
        live = list(eligibility.live_requests(employee.pk, now=timezone.now()))
        facts = [(r.user_id, r.session_id, r.session.starts_at, r.session.ends_at) for r in live]
        titles = {r.session.action.title for r in live}
    assert sorted(session_id for _user, session_id, *_ in facts) == sorted(s.pk for s in december)
    assert titles == {s.action.title for s in december}
    assert {"motivations", "email", "phone"} <= live[0].get_deferred_fields()
    assert "summary" in live[0].session.action.get_deferred_fields()


@pytest.mark.django_db
def test_the_cart_is_read_with_what_its_warnings_need_and_no_more(
    employee, december, django_assert_num_queries
):
    """The action page reads the cart's sessions for the warnings of a new request (its
    times, capacity, places held, cap's release, action's title and kind:
    `selectors.WARNING_FACTS`), in one statement; where they are held, not."""
    first, second, third = december
    for session in (first, third):
        services.add_to_cart(employee, session)
    with django_assert_num_queries(1):
        cart = selectors.cart_sessions(employee)
        facts = [
            (s.starts_at, s.ends_at, s.capacity, s.cap_released_at, s.places_held) for s in cart
        ]
        kinds = [(s.action.title, s.action.is_member_only, s.action.is_training) for s in cart]
    assert [s.pk for s in cart] == [first.pk, third.pk] and len(facts) == len(kinds) == 2
    assert {"location", "remote_url", "registration_deadline"} <= cart[0].get_deferred_fields()
    assert "summary" in cart[0].action.get_deferred_fields()
    # The warning they give the second session, held at the same time as the first.
    selectors.places_of([second])
    warnings = eligibility.validation_warnings(employee, [second], now=timezone.now(), ahead=cart)
    assert any(first.action.title in text for text in warnings[second.pk])
