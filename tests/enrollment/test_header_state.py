"""Every page's header for a logged-in person (`enrollment.header.header_state`): cart count
and the links of approvers and providers, read in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ActionKind
from enrollment import header, services
from tests.factories import MemberEmployeeFactory, ProviderFactory, session_of

pytestmark = pytest.mark.django_db


def person(*, cart=0, approver=False, provider=False):
    user = MemberEmployeeFactory()
    for _ in range(cart):
        services.add_to_cart(user, session_of(ActionKind.WEBINAR, days=10))
    if approver:
        user.structure.approvers.add(user)
    if provider:
        ProviderFactory().users.add(user)
    return user


@pytest.mark.parametrize(
    ("cart", "approver", "provider"),
    [(0, False, False), (2, False, False), (1, True, False), (0, False, True), (3, True, True)],
)
def test_the_header_says_what_the_person_has_in_one_query(cart, approver, provider):
    user = person(cart=cart, approver=approver, provider=provider)
    person(cart=2, approver=True, provider=True)  # someone else's count nothing here
    with CaptureQueriesContext(connection) as queries:
        state = header.header_state(user)
    assert len(queries) == 1
    assert state == header.HeaderState(cart, approver, provider)


def test_the_header_shows_it_on_a_page(client):
    user = person(cart=2, approver=True, provider=True)
    client.force_login(user)
    html = client.get("/faq/").content.decode()
    assert "2 sessions dans le panier" in html
    assert "Espace employeur" in html and "Espace prestataire" in html
