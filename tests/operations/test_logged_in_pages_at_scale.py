"""The pages a logged-in professional goes through on the opening day (issue 26, item 2): the
catalogue, an action page, the cart, each in a fixed number of SQL queries whatever the size of
the programme, of the person's cart and of their requests (« Mon espace » and the Employer
Space with its filters are pinned in test_pages_at_scale.py and tests/employers).

Each page is read twice at two sizes (the cache warm, as in production after the first
visitor): a query per card, session, cart item or request would make the counts differ."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from tests.factories import ActionFactory, MemberEmployeeFactory, UserFactory
from tests.operations.test_pages_at_scale import registration, sessions_of

pytestmark = pytest.mark.django_db

# Every logged-in page: its session and user (2), the header (1: cart count, approver and
# provider links, docs/PERFORMANCE.md « Pages connectées »).
LAYOUT = 3
# The catalogue: the listing's versions (1) and the cart's sessions, marked on their cards (1).
CATALOGUE_QUERIES = LAYOUT + 2
# An action page: its sessions (1), the cart's sessions with their places (1), the structure's
# memberships (1), the colleagues holding a place (1), the person's requests, read once for
# the quota and the overlaps (1).
ACTION_QUERIES = LAYOUT + 5
# The cart: its items (1), their places (1), the colleagues (1), the person's requests for
# the quota and the overlaps (1).
CART_QUERIES = LAYOUT + 4

SIZES = {"small": (3, 2, 1), "large": (24, 4, 12)}  # actions, cart items, requests held


def programme(size: str):
    """`actions` actions of 3 sessions each, member-only and open in turn; a professional
    with `in_cart` sessions of as many actions in the cart (of both kinds) and `held`
    requests; a colleague holding places. The action page shown is a training's, one of
    its sessions in the cart."""
    actions, in_cart, held = SIZES[size]
    now = timezone.now()
    person = MemberEmployeeFactory()
    colleague = UserFactory(structure=person.structure)
    sessions = []
    for n in range(actions):
        kind = ActionKind.TRAINING if n % 2 else ActionKind.WEBINAR
        action = ActionFactory(kind=kind, duration_days=1)
        starts = [now + dt.timedelta(days=30 + 7 * n + 2 * k, hours=k) for k in range(3)]
        sessions += sessions_of(action, starts)
    Registration.objects.bulk_create(
        [registration(person, s, RegistrationStatus.CONFIRMED) for s in sessions[-held:]]
        + [registration(colleague, s, RegistrationStatus.CONFIRMED) for s in sessions[:held]]
    )
    for n in range(in_cart):
        services.add_to_cart(person, sessions[3 * n + 1])
    return person, sessions[3].action


def pinned(client, url, queries, django_assert_num_queries) -> str:
    client.get(url)  # the shared blocks kept, as after the first visitor
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("size", SIZES)
def test_the_catalogue_logged_in(client, size, django_assert_num_queries):
    person, _ = programme(size)
    client.force_login(person)
    url = reverse("catalog:catalogue")
    html = pinned(client, url, CATALOGUE_QUERIES, django_assert_num_queries)
    assert "Dans votre panier" in html


@pytest.mark.parametrize("size", SIZES)
def test_an_action_page_logged_in(client, size, django_assert_num_queries):
    person, action = programme(size)
    client.force_login(person)
    html = pinned(client, action.get_absolute_url(), ACTION_QUERIES, django_assert_num_queries)
    assert html.count('class="card session"') == 3


@pytest.mark.parametrize("size", SIZES)
def test_the_cart(client, size, django_assert_num_queries):
    person, _ = programme(size)
    client.force_login(person)
    html = pinned(client, reverse("enrollment:cart"), CART_QUERIES, django_assert_num_queries)
    assert html.count('class="card cart-item') == SIZES[size][1]
