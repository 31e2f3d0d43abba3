"""A questionnaire's life with the clock moved (Europe/Paris): sent at the session's end to
those present, reminded once, closed after SURVEY_OPEN_DAYS; « à froid » COLD_SURVEY_DAYS
later on the Paris wall clock, across a daylight-saving change, to the participant and once
to their structure's approvers."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from catalog.models import ActionKind
from enrollment.models import RegistrationStatus
from mailing.models import Email
from surveys import rules, services
from surveys.models import Survey
from tests.emails import rendered
from tests.factories import (
    JobSeekerFactory,
    MemberEmployeeFactory,
    UserFactory,
    attend,
    confirmed,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
Kind = Survey.Kind
Status = RegistrationStatus

# A two-day training in winter: its « à froid » day (90 days after its end) falls after the
# change to summer time of 28 March 2027.
STARTS = dt.datetime(2027, 1, 14, 9, 0, tzinfo=PARIS)
ENDS = dt.datetime(2027, 1, 15, 17, 0, tzinfo=PARIS)
COLD_DUE = dt.datetime(2027, 4, 15, 17, 0, tzinfo=PARIS)  # 15:00 UTC, not 16:00


def at(moment):
    return time_machine.travel(moment, tick=False)


def emails(template):
    return rendered(Email.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def training():
    """The training, its provider's account, a structure with an approver, and three
    participants confirmed before it starts: two present, one absent."""
    with at(STARTS - dt.timedelta(days=40)):
        session = session_of(ActionKind.TRAINING, starts_at=STARTS)
        session.ends_at = ENDS
        session.save()
        provider = UserFactory(structure=None)
        session.action.provider.users.add(provider)
        people = [MemberEmployeeFactory() for _ in range(3)]
        people[1].structure = people[0].structure
        people[1].save()
        registrations = [confirmed(session, person) for person in people]
    with at(STARTS + dt.timedelta(hours=2)):
        days = {(day, half) for day in session.days() for half in ("am", "pm")}
        attend(registrations[0], provider, present=days, now=dt.datetime.now(dt.UTC))
        attend(registrations[1], provider, present=days, now=dt.datetime.now(dt.UTC))
        attend(registrations[2], provider, present=set(), now=dt.datetime.now(dt.UTC))
    return session, registrations


def test_nothing_is_sent_before_the_end_then_those_present_are_asked_at_the_end(training):
    session, (present, colleague, absent) = training
    with at(ENDS - dt.timedelta(minutes=1)):
        assert services.send_due_surveys() == 0
    with at(ENDS):
        assert services.send_due_surveys() == 2
        assert services.send_due_surveys() == 0  # once
    surveys = Survey.objects.filter(kind=Kind.HOT)
    assert {s.respondent_id for s in surveys} == {present.user_id, colleague.user_id}
    assert absent.user_id not in {s.respondent_id for s in surveys}
    [first, second] = emails("survey_invitation")
    assert {first.to, second.to} == {present.email, colleague.email}
    survey = surveys.get(respondent=present.user)
    assert f"/questionnaires/{survey.token}/" in first.body_text + second.body_text
    assert len(survey.token) >= 40
    assert survey.closes_at == dt.datetime(2027, 2, 14, 17, 0, tzinfo=PARIS)


def test_one_reminder_after_a_week_then_the_questionnaire_closes(training, client):
    session, (present, colleague, _absent) = training
    with at(ENDS):
        services.send_due_surveys()
    answered = Survey.objects.get(respondent=colleague.user)
    services.answer_survey(answered, by=None, scores=dict.fromkeys(rules.HOT_ITEMS, 4), now=ENDS)
    week = dt.datetime(2027, 1, 22, 17, 0, tzinfo=PARIS)
    with at(week - dt.timedelta(minutes=1)):
        assert services.remind_surveys() == 0
    with at(week):
        assert services.remind_surveys() == 1
        assert services.remind_surveys() == 0  # once
    [reminder] = emails("survey_reminder")
    assert reminder.to == present.email
    survey = Survey.objects.get(respondent=present.user)
    assert f"/questionnaires/{survey.token}/" in reminder.body_text
    assert "Ce rappel est le seul" in reminder.body_text
    with at(survey.closes_at - dt.timedelta(minutes=1)):
        assert client.get(f"/questionnaires/{survey.token}/").context.get("form") is not None
    with at(survey.closes_at):
        response = client.get(f"/questionnaires/{survey.token}/")
        assert "Ce questionnaire est clos depuis le\u00a014 février 2027" in (
            response.content.decode()
        )
        assert services.remind_surveys() == 0


def test_a_froid_on_the_paris_wall_clock_across_the_change_to_summer_time(training):
    """90 days after 15 January 17:00 (winter) is 15 April 17:00 (summer): 15:00 UTC."""
    session, (present, colleague, absent) = training
    structure = present.structure
    approver = UserFactory(structure=structure, email="direction@example.test")
    structure.approvers.add(approver)
    with at(ENDS):
        services.send_due_surveys()
    with at(COLD_DUE - dt.timedelta(minutes=1)):
        assert services.send_due_surveys() == 0
    with at(COLD_DUE):
        # Two participants, and their structure once (the absent one's structure: no).
        assert services.send_due_surveys() == 3
        assert services.send_due_surveys() == 0
    cold = Survey.objects.filter(kind=Kind.COLD)
    assert {s.respondent_id for s in cold} == {present.user_id, colleague.user_id}
    [employer] = Survey.objects.filter(kind=Kind.EMPLOYER)
    assert (employer.structure, employer.session, employer.respondent) == (
        structure,
        session,
        None,
    )
    [to_approver] = [e for e in emails("survey_invitation") if e.to == approver.email]
    assert present.user.get_full_name() in to_approver.body_text
    assert colleague.user.get_full_name() in to_approver.body_text
    assert "une seule réponse par structure" in to_approver.body_text
    assert set(to_approver.concerns.values_list("pk", flat=True)) == {
        present.user_id,
        colleague.user_id,
    }


def test_an_approver_who_took_part_is_not_asked_as_the_employer(training):
    session, (present, colleague, absent) = training
    present.structure.approvers.set([present.user])  # the only approver attended
    with at(COLD_DUE):
        assert services.send_due_surveys() == 2
    assert not Survey.objects.filter(kind=Kind.EMPLOYER).exists()


def test_a_webinar_without_attendance_asks_its_confirmed_participants():
    start = dt.datetime(2027, 2, 3, 10, 0, tzinfo=PARIS)
    with at(start - dt.timedelta(days=10)):
        webinar = session_of(ActionKind.WEBINAR, starts_at=start)
        webinar.ends_at = start + dt.timedelta(hours=2)
        webinar.save()
        [first] = register(JobSeekerFactory(), webinar)
        [second] = register(JobSeekerFactory(), webinar)
    assert first.status == second.status == Status.CONFIRMED
    with at(webinar.ends_at):
        assert services.send_due_surveys() == 2
    # « À froid » is for actions for members only.
    with at(webinar.ends_at + dt.timedelta(days=91)):
        assert services.send_due_surveys() == 0


def test_a_training_waits_for_its_attendance(training):
    """Recorded two days after the end, the attendance brings the questionnaire then."""
    session, (present, colleague, absent) = training
    late = MemberEmployeeFactory()
    with at(STARTS - dt.timedelta(days=30)):
        registration = confirmed(session, late)
    with at(ENDS):
        assert services.send_due_surveys() == 2  # not the one whose attendance is awaited
    provider = session.action.provider.users.get()
    with at(ENDS + dt.timedelta(days=2)):
        attend(registration, provider, present={(session.days()[0], "am")}, now=ENDS)
        assert services.send_due_surveys() == 1
    assert Survey.objects.filter(respondent=late).exists()
