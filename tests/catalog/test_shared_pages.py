"""An anonymous visitor's catalogue, home and action page are stored whole and served after
one query that checks their versions (`web.catalog.pages`, issue 16): the same page as a
rendering, never staler than the last commit, never someone else's."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import release
from catalog.models import ActionKind
from tests.factories import MemberEmployeeFactory, register, session_of
from web.catalog import pages

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
def test_a_stored_page_is_the_rendered_page_after_one_query(client, page):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    url = urls(session)[page]
    rendered = client.get(url)
    assert rendered.templates, "the first visit renders the page"
    with CaptureQueriesContext(connection) as queries:
        stored = Client().get(url)
    assert stored.status_code == 200
    assert not stored.templates, "served whole, nothing rendered"
    assert len(queries) == 1  # the versions of the rows the page shows
    assert without_tokens(stored.content.decode()) == without_tokens(rendered.content.decode())
    assert "5 places restantes" in stored.content.decode()


@pytest.mark.parametrize("page", ["catalogue", "home", "action"])
def test_a_place_taken_is_shown_by_the_next_stored_page(client, page):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    url = urls(session)[page]
    client.get(url)
    assert not client.get(url).templates
    register(MemberEmployeeFactory(), session)
    after = client.get(url)
    assert after.templates, "a newer version: rendered again"
    assert "4 places restantes" in after.content.decode()
    assert not client.get(url).templates  # and stored again


def test_a_closed_deadline_is_shown_though_nothing_was_written(client):
    """Time alone closes a session's registrations (R9): the stored catalogue is left."""
    session = session_of(ActionKind.WEBINAR, days=10, capacity=5)
    session.registration_deadline = session.starts_at - dt.timedelta(days=5)
    session.save()
    client.get(CATALOGUE)
    assert "5 places restantes" in client.get(CATALOGUE).content.decode()
    with time_machine.travel(session.registration_deadline + dt.timedelta(minutes=1)):
        after = client.get(CATALOGUE)
    assert after.templates
    assert "Inscriptions closes" in after.content.decode()


def test_a_logged_in_person_gets_their_own_page_and_leaves_the_stored_one_alone(client):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    for url in urls(session).values():
        client.get(url)
        person = Client()
        person.force_login(MemberEmployeeFactory())
        own = person.get(url)
        assert own.templates and "Se déconnecter" in own.content.decode()
        anonymous = client.get(url)
        assert not anonymous.templates and "Se déconnecter" not in anonymous.content.decode()


def test_a_message_waiting_for_a_visitor_is_shown_not_the_stored_page(client):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    client.get(CATALOGUE)
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, "Vous êtes déconnecté.")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    shown = client.get(CATALOGUE)
    assert shown.templates
    assert "Vous êtes déconnecté." in shown.content.decode()
    assert not client.get(CATALOGUE).templates  # shown once, then the stored page again
    assert session.action.title in client.get(CATALOGUE).content.decode()


def test_can_share_only_an_anonymous_visitor_without_messages(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    def request_for(user, message=None):
        request = rf.get("/")
        request.user, request.session = user, SessionStore()
        request._messages = FallbackStorage(request)
        if message:
            request._messages.add(constants.INFO, message)
        return request

    person = MemberEmployeeFactory()
    cases = [
        (AnonymousUser(), None, True),
        (AnonymousUser(), "Session ajoutée", False),
        (person, None, False),
        (person, "Session ajoutée", False),
    ]
    for user, message, expected in cases:
        request = request_for(user, message)
        assert pages.can_share(request) is expected, (user, message)
        if message:  # reading the count leaves the message to the page
            assert [str(m) for m in get_messages(request)] == [message]


def test_the_release_names_every_template_and_no_test():
    from django.conf import settings

    files = {
        str(path.relative_to(settings.BASE_DIR))
        for path in release._release_files(settings.BASE_DIR)
    }
    assert "templates/base.html" in files
    assert "templates/catalog/_action_card.html" in files
    assert "catalog/views.py" in files
    assert any(name.endswith("django.mo") for name in files)
    assert not any(name.startswith(("tests/", "bench/", ".venv/")) for name in files)
