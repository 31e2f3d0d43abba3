"""The database bumps the row versions the catalogue's cache is keyed by (migrations
`catalog/0008`, `enrollment/0006`), whoever writes the row: a shell's `QuerySet.update`,
plain SQL, the services. A page read next shows the change."""

import pytest
from django.db import connection
from django.urls import reverse

from catalog.models import Action, ActionKind, Session
from enrollment.models import Registration, RegistrationStatus
from tests.factories import MemberEmployeeFactory, RegistrationFactory, session_of

pytestmark = pytest.mark.django_db


def version_of(session) -> int:
    return Session.objects.values_list("version", flat=True).get(pk=session.pk)


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def session():
    return session_of(ActionKind.WEBINAR, days=3, capacity=5)


WRITES = [
    ("capacity by QuerySet.update", lambda s: Session.objects.filter(pk=s.pk).update(capacity=3)),
    (
        "capacity in SQL",
        lambda s: sql("UPDATE catalog_session SET capacity = 3 WHERE id = %s", [s.pk]),
    ),
    (
        "a registration created",
        lambda s: RegistrationFactory(session=s, status=RegistrationStatus.PENDING_EMPLOYER),
    ),
    (
        "a status changed by QuerySet.update",
        lambda s: Registration.objects.filter(session=s).update(
            status=RegistrationStatus.CANCELLED
        ),
    ),
    ("a registration deleted", lambda s: Registration.objects.filter(session=s).delete()),
]


@pytest.mark.parametrize(("what", "write"), WRITES, ids=[what for what, _ in WRITES])
def test_every_write_of_a_sessions_places_bumps_its_version(session, what, write):
    RegistrationFactory(session=session, status=RegistrationStatus.PENDING_EMPLOYER)
    before = version_of(session)
    write(session)
    assert version_of(session) > before, what


def test_columns_that_show_nowhere_leave_the_session_alone(session):
    [registration] = [RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)]
    before = version_of(session)
    Registration.objects.filter(pk=registration.pk).update(motivations="Autre texte")
    assert version_of(session) == before
    session.refresh_from_db()
    Session.objects.filter(pk=session.pk).update(version=session.version + 5)
    assert version_of(session) == before + 5  # an explicit bump is not bumped again


def test_an_action_changed_in_sql_is_bumped(session):
    action = session.action
    before = Action.objects.values_list("version", flat=True).get(pk=action.pk)
    sql("UPDATE catalog_action SET title = %s WHERE id = %s", ["Nouveau titre", action.pk])
    assert Action.objects.values_list("version", flat=True).get(pk=action.pk) > before


@pytest.mark.parametrize("page", ["catalogue", "action", "home"])
def test_a_capacity_changed_behind_the_applications_back_shows_at_once(client, session, page):
    url = {
        "catalogue": reverse("catalog:catalogue"),
        "action": session.action.get_absolute_url(),
        "home": reverse("catalog:home"),
    }[page]
    assert "5 places restantes" in client.get(url).content.decode()
    assert "5 places restantes" in client.get(url).content.decode()  # stored
    sql("UPDATE catalog_session SET capacity = 2 WHERE id = %s", [session.pk])
    assert "2 places restantes" in client.get(url).content.decode()
    RegistrationFactory(session=session, user=MemberEmployeeFactory())
    assert "1 place restante" in client.get(url).content.decode()
