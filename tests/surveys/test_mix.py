"""Each session's mix counted by the database (`surveys.mix`), the SQL version of the rule
agreeing with `rules.poor_mix_reasons` on the rule's table, and staff told once per session
when a mix becomes poor."""

import pytest

from catalog.models import ActionKind, Session
from enrollment.models import RegistrationStatus
from mailing.models import Email
from surveys import mix, services
from surveys.models import MixWarning
from tests.emails import rendered
from tests.factories import RegistrationFactory, StructureFactory, UserFactory, session_of
from tests.surveys.test_rules import LIMITS, MIX_TABLE

pytestmark = pytest.mark.django_db
S = RegistrationStatus
DEPARTMENTS = ["33", "64", "23", "87", "16", "17", "19", "24", "40", "47", "79", "86"]


def people(session, participants, largest, departments, statuses=(S.CONFIRMED,)):
    """`participants` registrations, `largest` of them from one structure, the others each
    from their own, spread over `departments` departments."""
    big = StructureFactory()
    for index in range(participants):
        structure = big if index < largest else StructureFactory()
        department = DEPARTMENTS[index % departments] if departments else ""
        user = UserFactory(structure=structure, department=department)
        RegistrationFactory(session=session, user=user, status=statuses[index % len(statuses)])


@pytest.fixture
def limits(settings):
    settings.MIX_MAX_STRUCTURE_SHARE = LIMITS["max_structure_share"]
    settings.MIX_MIN_PARTICIPANTS = LIMITS["min_participants"]
    settings.MIX_SINGLE_DEPARTMENT_FROM = LIMITS["single_department_from"]


def test_the_database_and_the_rule_agree_on_the_table(limits):
    sessions = {}
    for case in MIX_TABLE:
        participants, largest, departments, _poor = case
        session = session_of(ActionKind.WEBINAR, capacity=50)
        people(session, participants, largest, departments)
        sessions[session.pk] = case
    annotated = mix.with_mix(Session.objects.filter(pk__in=sessions))
    poor_in_sql = set(annotated.filter(mix.poor_mix_q()).values_list("pk", flat=True))
    for session in annotated:
        participants, largest, departments, poor = sessions[session.pk]
        measured = mix.mix_of(session)
        assert (measured.participants, measured.largest) == (participants, largest)
        if participants:
            assert measured.departments == departments
        assert measured.is_poor is poor, sessions[session.pk]
        assert (session.pk in poor_in_sql) is poor, sessions[session.pk]


def test_who_counts_and_every_measure():
    """Confirmed and present participants count; absent, waiting or withdrawn people do not.
    A job seeker has no structure; a department comes from the person, else the structure."""
    session = session_of(ActionKind.WEBINAR, capacity=50)
    mission = StructureFactory(department="64")
    a = UserFactory(structure=mission, department="", field_of_activity="integration")
    b = UserFactory(structure=mission, department="33", field_of_activity="guidance")
    c = UserFactory(structure=None, department="23", employment_status="job_seeker")
    for user, status in [(a, S.CONFIRMED), (b, S.ATTENDED), (c, S.CONFIRMED)]:
        RegistrationFactory(session=session, user=user, status=status)
    for status in (S.ABSENT, S.WAITLISTED, S.CANCELLED, S.PENDING_PROVIDER):
        RegistrationFactory(session=session, status=status)
    measured = mix.mix_of(mix.with_mix(Session.objects.filter(pk=session.pk)).get())
    assert (measured.participants, measured.structures, measured.largest) == (3, 1, 2)
    assert (measured.departments, measured.fields, measured.statuses) == (3, 2, 2)
    assert measured.largest_share == 67
    assert not measured.is_poor


def test_staff_are_told_once_when_a_mix_becomes_poor(settings, limits):
    session = session_of(ActionKind.WEBINAR, capacity=50)
    people(session, 3, 2, 2)
    assert services.warn_poor_mixes() == 0
    people(session, 2, 0, 2)  # five people, but still two of the largest structure
    assert services.warn_poor_mixes() == 0
    big = StructureFactory()
    for _ in range(5):  # 5 of 10: half, not more
        RegistrationFactory(session=session, user=UserFactory(structure=big), status=S.CONFIRMED)
    assert services.warn_poor_mixes() == 0
    RegistrationFactory(session=session, user=UserFactory(structure=big), status=S.CONFIRMED)
    assert services.warn_poor_mixes() == 1
    assert services.warn_poor_mixes() == 0  # once
    [email] = rendered(Email.objects.filter(template="survey_poor_mix"))
    assert email.to == settings.PROGRAMME_CONTACT_EMAIL
    assert "une même structure réunit 6 des 11 participants" in email.body_text
    assert session.action.title in email.subject
    assert MixWarning.objects.get().session == session


def test_a_past_or_cancelled_session_is_not_reported(limits):
    cancelled = session_of(ActionKind.WEBINAR, capacity=50, status=Session.Status.CANCELLED)
    people(cancelled, 6, 6, 1)
    assert services.warn_poor_mixes() == 0


def test_the_dashboard_and_the_admin_flag_a_poor_mix(client, admin_client, limits):
    session = session_of(ActionKind.WEBINAR, days=5, capacity=50)
    people(session, 6, 4, 1)
    staff = UserFactory(is_staff=True, structure=None)
    client.force_login(staff)
    [row] = client.get("/pilotage/").context["board"].sessions
    assert row.mix.is_poor
    page = client.get("/pilotage/").content.decode()
    assert "mixité faible" in page
    listing = admin_client.get("/admin/catalog/session/").content.decode()
    assert "faible (une même structure réunit 4 des 6 participants" in listing
    poor_only = admin_client.get("/admin/catalog/session/?mixite=faible")
    assert list(poor_only.context["cl"].result_list) == [session]
    assert (
        list(admin_client.get("/admin/catalog/session/?mixite=correcte").context["cl"].result_list)
        == []
    )
