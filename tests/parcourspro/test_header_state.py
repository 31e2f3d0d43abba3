"""Every page's header for a logged-in person (`web.header.header_state`): cart count,
the links of approvers (with their conventions to accept) and providers, read in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ActionKind
from documents import selectors as documents
from enrollment import services
from tests.factories import (
    DocumentFactory,
    MemberEmployeeFactory,
    ProviderFactory,
    SessionFactory,
    StructureFactory,
    accepted,
    session_of,
)
from web import header

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
    assert state == header.HeaderState(cart, approver, provider, 0)


def test_the_header_shows_it_on_a_page(client):
    user = person(cart=2, approver=True, provider=True)
    client.force_login(user)
    html = client.get("/faq/").content.decode()
    assert "2 sessions dans le panier" in html
    assert "Espace employeur" in html and "Espace prestataire" in html


def conventions(structure, session, *versions):
    """The convention of `structure` for `session` in the given versions: "open" or
    "accepted" (by an approver of the structure)."""
    for number, state in enumerate(versions, start=1):
        document = DocumentFactory(structure=structure, session=session, version=number)
        if state == "accepted":
            accepted(document, structure.approvers.first())


# Each case: the conventions of the approver's structure, of a second structure they approve
# for, of a structure they do not; how many await their acceptance.
CONVENTION_CASES = [
    pytest.param((), (), (), 0, id="none"),
    pytest.param((("open",),), (), (), 1, id="one-to-accept"),
    pytest.param((("accepted",),), (), (), 0, id="accepted"),
    pytest.param((("accepted", "open"),), (), (), 1, id="a-new-version-to-accept"),
    pytest.param((("open", "accepted"),), (), (), 0, id="the-latest-accepted"),
    pytest.param((("open", "open", "open"),), (), (), 1, id="three-versions-one-to-accept"),
    pytest.param((("open",), ("open",)), (), (), 2, id="two-sessions"),
    pytest.param((("open",),), (("open",),), (), 2, id="two-structures-approved"),
    pytest.param((), (), (("open",),), 0, id="another-structures"),
    pytest.param((("accepted",),), (("open",), ("accepted",)), (("open",),), 1, id="mixed"),
]


@pytest.mark.parametrize(("own", "second", "foreign", "expected"), CONVENTION_CASES)
def test_the_header_counts_the_conventions_to_accept_as_the_documents_do(
    own, second, foreign, expected
):
    user = person(approver=True)
    other = StructureFactory()
    other.approvers.add(user)
    stranger = person(approver=True)
    for structure, sessions in (
        (user.structure, own),
        (other, second),
        (stranger.structure, foreign),
    ):
        for versions in sessions:
            conventions(structure, SessionFactory(), *versions)
    with CaptureQueriesContext(connection) as queries:
        state = header.header_state(user)
    assert len(queries) == 1
    assert state.conventions_to_accept == expected
    assert state.conventions_to_accept == documents.conventions_to_accept_of(user)


def test_someone_who_approves_for_nobody_has_no_convention_to_accept():
    user = person()
    approver = person(approver=True)
    conventions(approver.structure, SessionFactory(), "open")
    assert header.header_state(user).conventions_to_accept == 0
    assert header.header_state(approver).conventions_to_accept == 1
