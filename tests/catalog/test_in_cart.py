"""« Ajouter au panier » is seen (issue 13, item 6): the confirmation opens next to the
session, and a session already in the cart says so on the action page and in the catalogue."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from tests.factories import MemberEmployeeFactory, SessionFactory, session_of

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")


def add_url(session):
    return reverse("enrollment:cart_add", args=[session.pk])


def session_block(html, session) -> str:
    """The <li> of `session` on the action page."""
    match = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S)
    assert match, f"session {session.pk} not on the page"
    return match.group(0)


def test_the_confirmation_is_next_to_the_session_the_page_opens_at(client):
    session = session_of(ActionKind.TRAINING)
    client.force_login(MemberEmployeeFactory())
    response = client.post(add_url(session), follow=True)
    [(url, _status)] = response.redirect_chain
    assert url.endswith(f"#session-{session.pk}")
    html = response.content.decode()
    block = session_block(html, session)
    assert 'role="status"' in block
    assert "Session ajoutée à votre panier." in block
    assert "Votre panier contient 1 session." in block
    assert 'class="messages"' not in html  # not at the top, off-screen


def test_a_session_in_the_cart_says_so_instead_of_the_button(client):
    employee = MemberEmployeeFactory()
    chosen = session_of(ActionKind.TRAINING)
    other = SessionFactory(action=chosen.action, starts_at=chosen.starts_at + dt.timedelta(days=7))
    services.add_to_cart(employee, chosen)
    client.force_login(employee)
    html = client.get(chosen.action.get_absolute_url()).content.decode()
    block = session_block(html, chosen)
    assert "Dans votre panier" in block and reverse("enrollment:cart") in block
    assert "Ajouter au panier" not in block
    assert "Ajouter au panier" in session_block(html, other)
    assert "Dans votre panier" not in session_block(html, other)


def test_other_messages_stay_at_the_top(client):
    session = session_of(ActionKind.TRAINING)
    client.force_login(MemberEmployeeFactory())
    response = client.post(add_url(session), {"next": CATALOGUE}, follow=True)
    html = response.content.decode()
    assert 'class="messages"' in html and "Session ajoutée à votre panier." in html


def test_catalogue_cards_show_the_sessions_in_the_cart(client):
    employee = MemberEmployeeFactory()
    chosen, other = session_of(ActionKind.WEBINAR), session_of(ActionKind.TRAINING)
    client.get(CATALOGUE)  # cached for anonymous visitors first
    services.add_to_cart(employee, chosen)
    client.force_login(employee)
    html = client.get(CATALOGUE).content.decode()
    assert html.count("Dans votre panier") == 1
    card = re.search(rf"<article[^>]*action-{chosen.action.pk}-title.*?</article>", html, re.S)
    assert "Dans votre panier" in card.group(0)
    assert other.action.title in html
    services.remove_from_cart(employee, chosen)
    assert "Dans votre panier" not in client.get(CATALOGUE).content.decode()
    client.logout()
    assert "Dans votre panier" not in client.get(CATALOGUE).content.decode()


@pytest.mark.parametrize("count", [10, 60])
def test_catalogue_query_count_stays_bounded_with_a_cart(
    client, django_assert_max_num_queries, count
):
    employee = MemberEmployeeFactory()
    sessions = [session_of(ActionKind.WEBINAR) for _ in range(count)]
    for session in sessions[: count // 2]:
        services.add_to_cart(employee, session)
    client.force_login(employee)
    # The page's own five, and the header's: session, user, cart count, approver, provider.
    with django_assert_max_num_queries(11):
        html = client.get(CATALOGUE).content.decode()
    assert "Dans votre panier" in html
