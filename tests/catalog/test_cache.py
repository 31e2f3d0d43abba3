"""The catalogue's fragments are cached under versions (issue 16, 22): never stale about
places.

The shared cache is the default one (locmem in tests); `test_cache_places.py` runs the places'
cases with Redis too."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from tests.factories import ActionFactory, SessionFactory, session_of

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")


def places_of(html, session) -> str:
    """The places text of `session`'s line in a card or on the home page."""
    day = timezone.localtime(session.starts_at)  # the page shows Paris's date, not UTC's
    match = re.search(rf'<time datetime="{day:%Y-%m-%d}.*?</(li|p)>', html, re.S)
    assert match, f"session {session.pk} not shown"
    return match.group(0)


def test_a_repeated_page_is_served_from_the_cache(client):
    """The second request reads only the versions of the rows it shows (one query)."""
    SessionFactory.create_batch(3)
    url = CATALOGUE + "?q=Action"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(first) >= 4
    assert len(second) == 1  # the listed sessions' and actions' versions
    assert "3 actions trouvées" in response.content.decode()
    other = client.get(CATALOGUE + "?q=introuvable")
    assert "Aucune action ne correspond" in other.content.decode()


def test_a_new_session_shows_at_once(client, django_capture_on_commit_callbacks):
    """From the commit that adds it (`cache_versions.bump_catalogue`; a test's transaction
    never commits: its commit callbacks are run here)."""
    SessionFactory()
    client.get(CATALOGUE)
    with django_capture_on_commit_callbacks(execute=True):
        SessionFactory()
    assert "2 actions trouvées" in client.get(CATALOGUE).content.decode()


def test_a_changed_title_shows_at_once_on_every_page(client):
    session = session_of(ActionKind.WEBINAR)
    action = session.action
    for url in (CATALOGUE, "/", action.get_absolute_url()):
        assert action.title in client.get(url).content.decode()
    action.title = "Un tout autre titre"
    action.save()
    for url in (CATALOGUE, "/", action.get_absolute_url()):
        assert "Un tout autre titre" in client.get(url).content.decode(), url


def test_a_renamed_theme_shows_at_once(client):
    session = session_of(ActionKind.WEBINAR)
    client.get(CATALOGUE)
    theme = session.action.theme
    theme.name = "Thème renommé"
    theme.save()
    assert "Thème renommé" in client.get(CATALOGUE).content.decode()


def test_an_unpublished_action_leaves_at_once(client):
    session = session_of(ActionKind.WEBINAR)
    other = ActionFactory()
    SessionFactory(action=other)
    assert session.action.title in client.get(CATALOGUE).content.decode()
    session.action.is_published = False
    session.action.save()
    html = client.get(CATALOGUE).content.decode()
    assert session.action.title not in html and "1 action trouvée" in html


def test_a_place_taken_recounts_the_card_not_the_listing(client):
    """A registration changes its session's places, not which actions a search lists: the
    next catalogue re-renders that card only (the listing stays cached)."""
    from tests.factories import MemberEmployeeFactory, register

    sessions = [session_of(ActionKind.WEBINAR, days=3 + n, capacity=5) for n in range(3)]
    client.get(CATALOGUE)
    register(MemberEmployeeFactory(), sessions[0])
    with CaptureQueriesContext(connection) as after:
        html = client.get(CATALOGUE).content.decode()
    assert "4 places restantes" in places_of(html, sessions[0])
    # The cards' versions, then the changed card's action and sessions with places; a listing
    # recomputed would also search, count and prefetch.
    assert len(after) == 2, "\n".join(q["sql"][:150] for q in after.captured_queries)


def test_a_session_filled_leaves_the_places_search_at_once(
    client, django_capture_on_commit_callbacks
):
    """« Places disponibles » depends on places: its listing follows every registration,
    from its commit (`cache_versions.bump_places`; a test's transaction never commits: its
    commit callbacks are run here)."""
    from tests.factories import MemberEmployeeFactory, register

    full_soon = session_of(ActionKind.WEBINAR, days=3, capacity=1)
    other = session_of(ActionKind.WEBINAR, days=4, capacity=5)
    url = CATALOGUE + "?places=on"
    html = client.get(url).content.decode()
    assert full_soon.action.title in html and "2 actions trouvées" in html
    with django_capture_on_commit_callbacks(execute=True):
        register(MemberEmployeeFactory(), full_soon)
    html = client.get(url).content.decode()
    assert full_soon.action.title not in html and "1 action trouvée" in html
    assert other.action.title in html
