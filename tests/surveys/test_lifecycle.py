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
from surveys import services
from surveys.models import Survey
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    attend,
    confirmed,
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
    return list(Email.objects.filter(template=template).order_by("pk"))


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
