"""The catalogue, home and action page are made of blocks the same for every visitor, kept in
the shared cache under the versions of the rows they show (`catalog.fragments`, issue 22): a
repeated page reads those versions in one query and renders the same HTML; a new version, or
time alone, renders it anew; what belongs to a person never lands in a shared block."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind, Session
from enrollment import services
from tests.factories import (
    ActionFactory,
    MemberEmployeeFactory,
    SessionFactory,
    register,
    session_of,
)
from web.catalog import fragments

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")
HOME = reverse("catalog:home")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def urls(session) -> dict[str, str]:
    return {
        "catalogue": CATALOGUE,
        "search": CATALOGUE + "?q=" + session.action.title.split()[0],
        "home": HOME,
        "action": session.action.get_absolute_url(),
    }


def without_tokens(html: str) -> str:
    return CSRF_INPUT.sub("csrf", html)


@pytest.mark.parametrize("page", ["catalogue", "search", "home", "action"])
def test_a_repeated_page_is_the_same_page_after_one_query(client, page):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    url = urls(session)[page]
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)
    assert again.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]  # the versions of the rows shown
    assert without_tokens(again.content.decode()) == without_tokens(first.content.decode())
    assert "5 places restantes" in again.content.decode()


@pytest.mark.parametrize("page", ["catalogue", "home", "action"])
def test_a_place_taken_is_shown_by_the_next_page(client, page):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    url = urls(session)[page]
    client.get(url)
    register(MemberEmployeeFactory(), session)
    with CaptureQueriesContext(connection) as queries:
        after = client.get(url).content.decode()
    assert "4 places restantes" in after
    assert len(queries) > 1, "a newer version: its block read its rows again"


def test_a_closed_deadline_is_shown_though_nothing_was_written(client):
    """Time alone closes a session's registrations (R9): every page says so."""
    session = session_of(ActionKind.WEBINAR, days=10, capacity=5)
    session.registration_deadline = session.starts_at - dt.timedelta(days=5)
    session.save()
    for url in (CATALOGUE, session.action.get_absolute_url()):
        client.get(url)
        assert "5 places restantes" in client.get(url).content.decode()
        with time_machine.travel(session.registration_deadline + dt.timedelta(minutes=1)):
            assert "Inscriptions closes" in client.get(url).content.decode(), url
    with time_machine.travel(session.registration_deadline + dt.timedelta(minutes=1)):
        assert session.action.title not in client.get(HOME).content.decode()


def test_a_persons_own_parts_never_reach_another_visitor(client):
    """A logged-in person's header, cart and eligibility are rendered around the shared
    blocks: the next anonymous visitor, served those blocks, sees none of them."""
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    person = MemberEmployeeFactory()
    services.add_to_cart(person, session)
    own = Client()
    own.force_login(person)
    for name, url in urls(session).items():
        mine = own.get(url).content.decode()
        assert "Se déconnecter" in mine
        if name in {"catalogue", "search", "action"}:
            assert "Dans votre panier" in mine, name
        anonymous = client.get(url).content.decode()
        assert "Se déconnecter" not in anonymous and "Dans votre panier" not in anonymous, name
        assert "5 places restantes" in anonymous
        again = own.get(url).content.decode()  # the other way round
        assert "Dans votre panier" in again or name == "home"


def test_a_message_waiting_for_a_visitor_is_shown_once(client):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    client.get(CATALOGUE)
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, "Vous êtes déconnecté.")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "Vous êtes déconnecté." in client.get(CATALOGUE).content.decode()
    shown_again = client.get(CATALOGUE).content.decode()
    assert "Vous êtes déconnecté." not in shown_again
    assert session.action.title in shown_again


def test_the_cards_are_keyed_by_the_listed_sessions_committed_now():
    """One query gives each listed card's versions and whether its sessions still take
    requests; a listed session started, cancelled or unpublished makes the page search again
    (None)."""
    now = timezone.now()
    action = ActionFactory(kind=ActionKind.TRAINING)
    sooner = SessionFactory(action=action, starts_at=now + dt.timedelta(days=10))
    closed = SessionFactory(
        action=action,
        starts_at=now + dt.timedelta(days=3),
        registration_deadline=now - dt.timedelta(hours=1),
    )
    Session.objects.filter(pk=sooner.pk).update(version=7)
    rows = [(action.pk, [closed.pk, sooner.pk])]
    [card] = fragments._listed_cards(rows, now)
    action.refresh_from_db()
    assert card.action_version == action.version
    assert [(pk, version, is_open) for pk, version, is_open, _ in card.sessions] == [
        (closed.pk, 1, False),
        (sooner.pk, 7, True),
    ]
    listed = Session.objects.filter(pk=sooner.pk).values("status", "starts_at").get()
    deadline = sooner.registration_deadline
    for gone in (
        {"status": Session.Status.CANCELLED},
        {"starts_at": now - dt.timedelta(hours=1), "registration_deadline": now - dt.timedelta(2)},
    ):
        Session.objects.filter(pk=sooner.pk).update(**gone)
        assert fragments._listed_cards(rows, now) is None, gone
        Session.objects.filter(pk=sooner.pk).update(**listed, registration_deadline=deadline)
    action.is_published = False
    action.save()
    assert fragments._listed_cards(rows, now) is None


def test_the_home_pages_key_names_the_next_open_sessions_and_their_actions():
    now = timezone.now()
    later = SessionFactory(starts_at=now + dt.timedelta(days=20))
    sooner = SessionFactory(starts_at=now + dt.timedelta(days=10))
    SessionFactory(  # closed: not on the home page
        starts_at=now + dt.timedelta(days=3), registration_deadline=now - dt.timedelta(hours=1)
    )
    SessionFactory(status=Session.Status.CANCELLED, starts_at=now + dt.timedelta(days=5))
    before = fragments.home_key(now)
    assert before == f"{sooner.pk}.1.1,{later.pk}.1.1"
    sooner.action.title = "Autre titre"
    sooner.action.save()
    assert fragments.home_key(now) != before
