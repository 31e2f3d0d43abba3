"""The opening day's posts in a fixed number of SQL statements (issue 26): the login, with and
without a session chosen before it, « Ajouter au panier » and the logout. Each statement is
a round trip that a worker waits for, on every journey of the rush; what the person sees
(the messages, the cart) is checked with them."""

from contextlib import contextmanager
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.oidc import client_origins
from catalog.models import ActionKind
from enrollment.models import CartItem
from tests.factories import DEMO_PASSWORD, MemberEmployeeFactory, session_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
# Statements, the transactions' own (BEGIN, COMMIT; savepoints inside the test's
# transaction) not counted.
#
# « Ajouter au panier »: the session chosen (1), the person's session and user (2), whether
# the session is already requested (1), the cart (1), its item (1: ON CONFLICT DO NOTHING,
# where get_or_create took a read and an insert), the cart's time (1). The service does not
# read the session again.
ADD_TO_CART = 7
# allauth's login, for a visitor who has no session yet: the person (1), their address (1),
# the new session (2: its key free, its row), the last login (1), the session's save (1).
# No header's statement for allauth's message, rendered without the request.
LOGIN_STATEMENTS = 6
# After « Ajouter au panier » logged out: the visitor's session read (1), then deleted
# (2: its row read, deleted), the session chosen (1), whether it is requested (1), the cart
# created (2: read, insert) and its item (1).
LOGIN_WITH_CHOICE = LOGIN_STATEMENTS + 8
# The person's session and user (2), the session read and deleted by the logout (2).
LOGOUT = 4
MARKERS = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")


@contextmanager
def statements(expected: int):
    with CaptureQueriesContext(connection) as captured:
        yield
    sql = [query["sql"] for query in captured.captured_queries]
    done = [text for text in sql if not text.startswith(MARKERS)]
    assert len(done) == expected, "\n".join(done)


def messages_of(client) -> str:
    return unescape(client.get(reverse("catalog:faq")).content.decode())


def test_a_login_without_a_choice(client):
    person = MemberEmployeeFactory()
    client.get(LOGIN)
    with statements(LOGIN_STATEMENTS):
        response = client.post(LOGIN, {"login": person.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    # allauth's message, rendered from its own context, in French, with the person's name.
    assert f"Connexion avec {person.get_full_name()} réussie." in messages_of(client)


def test_a_login_after_choosing_a_session(client):
    person = MemberEmployeeFactory()
    session = session_of(ActionKind.WEBINAR, days=20)
    client.post(reverse("enrollment:cart_choose", args=[session.pk]))
    client.get(LOGIN)
    with statements(LOGIN_WITH_CHOICE):
        response = client.post(LOGIN, {"login": person.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert CartItem.objects.filter(cart__user=person, session=session).exists()
    assert "Session ajoutée à votre panier" in messages_of(client)


def test_adding_to_the_cart(client):
    person = MemberEmployeeFactory()
    first, second = (session_of(ActionKind.WEBINAR, days=days) for days in (20, 30))
    client.force_login(person)
    client.post(reverse("enrollment:cart_add", args=[first.pk]))
    with statements(ADD_TO_CART):
        response = client.post(reverse("enrollment:cart_add", args=[second.pk]))
    assert response.status_code == 302
    # Added again: still one item, and the same message.
    client.post(reverse("enrollment:cart_add", args=[second.pk]))
    assert CartItem.objects.filter(cart__user=person).count() == 2
    assert "Session ajoutée à votre panier." in messages_of(client)


def test_the_logout(client):
    person = MemberEmployeeFactory()
    client.force_login(person)
    client_origins()  # kept in the cache, as after the first page that needs them (CSP)
    with statements(LOGOUT):
        response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "Vous êtes déconnecté" in messages_of(client)
