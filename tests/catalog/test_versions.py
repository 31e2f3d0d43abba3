"""The versions a stored page is checked against (`catalog.versions`): PostgreSQL's fixed
statement and the ORM's answer the same question with the same rows."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from catalog import versions
from catalog.models import ActionKind, Session
from tests.factories import ActionFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """One action with sessions in every state that matters, one action without sessions,
    one unpublished action."""
    now = timezone.now()
    action = ActionFactory(kind=ActionKind.TRAINING, slug="formation")
    rows = {
        "later": SessionFactory(action=action, starts_at=now + dt.timedelta(days=20)),
        "sooner": SessionFactory(action=action, starts_at=now + dt.timedelta(days=10)),
        "closed": SessionFactory(
            action=action,
            starts_at=now + dt.timedelta(days=3),
            registration_deadline=now - dt.timedelta(hours=1),
        ),
        "started": SessionFactory(
            action=action,
            starts_at=now - dt.timedelta(hours=1),
            registration_deadline=now - dt.timedelta(days=2),
        ),
        "cancelled": SessionFactory(
            action=action, starts_at=now + dt.timedelta(days=5), status=Session.Status.CANCELLED
        ),
    }
    ActionFactory(kind=ActionKind.WEBINAR, slug="webinaire")
    hidden = ActionFactory(kind=ActionKind.TRAINING, slug="cachee", is_published=False)
    rows["hidden"] = SessionFactory(action=hidden)
    Session.objects.filter(pk=rows["later"].pk).update(version=7)
    for session in rows.values():
        session.refresh_from_db()
    return now, action, rows


def both(monkeypatch, function, *args):
    """`function(*args)` on this database, then through the ORM (as on SQLite)."""
    here = function(*args)
    if connection.vendor == "postgresql":
        monkeypatch.setattr(connection, "vendor", "sqlite")
        assert function(*args) == here
    return here


def test_listed_sessions_are_the_published_ones_not_started(monkeypatch, catalogue):
    now, action, rows = catalogue
    ids = [session.pk for session in rows.values()]
    found = both(monkeypatch, versions.listed_sessions, ids, now)
    expected = {
        rows["later"].pk: (7, action.version, True),
        rows["sooner"].pk: (1, action.version, True),
        rows["closed"].pk: (1, action.version, False),  # its deadline has passed
    }
    assert found == expected


def test_the_home_pages_sessions_are_the_next_open_ones(monkeypatch, catalogue):
    now, action, rows = catalogue
    found = both(monkeypatch, versions.home_sessions, now, 6)
    assert found == [
        (rows["sooner"].pk, 1, action.version),
        (rows["later"].pk, 7, action.version),
    ]
    assert both(monkeypatch, versions.home_sessions, now, 1) == found[:1]


@pytest.mark.parametrize(
    ("slug", "sessions", "member_only"),
    [
        ("formation", ["closed", "sooner", "later"], True),  # date order, started and cancelled out
        ("webinaire", [], False),
        ("cachee", None, None),
        ("inconnue", None, None),
    ],
)
def test_an_action_page_reads_its_action_and_its_sessions_to_come(
    monkeypatch, catalogue, slug, sessions, member_only
):
    now, _, rows = catalogue
    found = both(monkeypatch, versions.action_page, slug, now)
    if sessions is None:
        assert found is None
        return
    (_, _, is_member_only), session_rows = found
    assert is_member_only is member_only
    assert [row[0] for row in session_rows] == [rows[name].pk for name in sessions]
    for pk, version, deadline, starts_at in session_rows:
        session = Session.objects.get(pk=pk)
        assert (version, deadline, starts_at) == (
            session.version,
            session.registration_deadline,
            session.starts_at,
        )
