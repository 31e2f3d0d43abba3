"""Reminders to participants before the session (DESIGN, Emails): confirmed registrations
only; short formats the day before with the joining link, other actions a week before with
the place, the times and what to bring; once, through the outbox, by a periodic task."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from catalog.models import ActionKind, Session
from enrollment import rules, services
from enrollment.models import Registration, RegistrationStatus
from enrollment.services import remind_participants
from mailing.models import Email
from parcourspro.celery import app as celery_app
from tests.emails import rendered
from tests.factories import PARIS, UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

LINK = "https://visio.example.test/webinaire"
STARTS = dt.datetime(2027, 2, 16, 9, 0, tzinfo=PARIS)  # a Tuesday


def reminders(person=None) -> list[Email]:
    emails = Email.objects.filter(template="session_reminder")
    if person is not None:
        emails = emails.filter(to=person.email)
    return rendered(emails)


def run_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return remind_participants.delay().get()


def webinar(**kwargs):
    return session_of(
        ActionKind.WEBINAR,
        starts_at=STARTS,
        format=Session.Format.REMOTE,
        location="",
        remote_url=LINK,
        **kwargs,
    )


def training(**kwargs):
    session = session_of(ActionKind.TRAINING, starts_at=STARTS, **kwargs)
    session.ends_at = STARTS + dt.timedelta(days=1, hours=8)
    session.location = "Cap Métiers, salle 3, Pessac"
    session.save()
    session.action.prerequisites = "Venir avec un cas d'accompagnement récent."
    session.action.save()
    return session


def confirmed_training(session, member_structure, person):
    [registration] = register(person, session)
    registration = services.approve(registration, by=member_structure.approver)
    return services.confirm(registration, by=UserFactory(is_staff=True))


def registered_now(person, session):
    """Register before the deadline, whatever the date the test then travels to."""
    with time_machine.travel(STARTS - dt.timedelta(days=30), tick=False):
        return register(person, session)


def test_a_webinar_is_reminded_the_day_before_with_its_link_once():
    person = UserFactory()
    [registration] = registered_now(person, webinar())
    assert registration.status == Status.CONFIRMED
    assert run_at(STARTS - dt.timedelta(days=1, hours=1)) == 0
    assert reminders() == []
    assert run_at(STARTS - dt.timedelta(hours=23)) == 1
    assert run_at(STARTS - dt.timedelta(hours=22)) == 0  # run twice: nothing more
    [email] = reminders(person)
    assert LINK in email.body_text and f'href="{LINK}"' in email.body_html
    assert email.subject.startswith("[ParcoursPro] Rappel")
    assert email.concerns.get() == person
    registration.refresh_from_db()
    assert registration.participant_reminded_at == STARTS - dt.timedelta(hours=23)


def test_a_training_is_reminded_a_week_before_with_place_times_and_what_to_bring(
    employee, member_structure
):
    session = training()
    with time_machine.travel(STARTS - dt.timedelta(days=30), tick=False):
        confirmed_training(session, member_structure, employee)
    assert run_at(STARTS - dt.timedelta(days=7, hours=1)) == 0
    assert run_at(STARTS - dt.timedelta(days=6, hours=23)) == 1
    assert run_at(STARTS - dt.timedelta(days=1)) == 0
    [email] = reminders(employee)
    for text in (email.body_text, email.body_html):
        assert "Cap Métiers, salle 3, Pessac" in text
        assert "Venir avec un cas d" in text
        assert "17 février 2027" in text


def test_only_confirmed_registrations_are_reminded(employee, member_structure):
    full = webinar(capacity=1)
    holder = UserFactory()
    registered_now(holder, full)
    waiting = UserFactory()
    [waitlisted] = registered_now(waiting, full)
    assert waitlisted.status == Status.WAITLISTED
    leaver = UserFactory()
    [left] = registered_now(leaver, webinar())
    with time_machine.travel(STARTS - dt.timedelta(days=30), tick=False):
        services.cancel(left, by=leaver, reason="Empêchement")
        [pending] = register(employee, training())
    assert pending.status == Status.PENDING_EMPLOYER
    run_at(STARTS - dt.timedelta(hours=2))
    assert [email.to for email in reminders()] == [holder.email]


def test_no_reminder_once_the_session_has_started():
    person = UserFactory()
    registered_now(person, webinar())
    assert run_at(STARTS + dt.timedelta(minutes=5)) == 0
    assert reminders() == []


def test_the_days_are_settings(settings, employee, member_structure):
    settings.SESSION_REMINDER_DAYS = 10
    settings.SHORT_FORMAT_REMINDER_DAYS = 2
    session = training()
    with time_machine.travel(STARTS - dt.timedelta(days=30), tick=False):
        confirmed_training(session, member_structure, employee)
    person = UserFactory()
    registered_now(person, webinar())
    assert run_at(STARTS - dt.timedelta(days=9, hours=23)) == 1
    assert run_at(STARTS - dt.timedelta(days=1, hours=23)) == 1
    assert {email.to for email in reminders()} == {employee.email, person.email}


def test_the_defaults_and_the_schedule():
    assert settings.SESSION_REMINDER_DAYS == 7
    assert settings.SHORT_FORMAT_REMINDER_DAYS == 1
    schedule = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "enrollment.tasks.remind_participants" in schedule


def test_an_anonymised_registration_is_not_reminded():
    person = UserFactory()
    [registration] = registered_now(person, webinar())
    Registration.objects.filter(pk=registration.pk).update(user=None, email="")
    assert run_at(STARTS - dt.timedelta(hours=2)) == 0
    assert reminders() == []


@pytest.mark.parametrize(
    ("now", "days", "due"),
    [
        pytest.param(STARTS - dt.timedelta(days=1, seconds=1), 1, False, id="just_before_the_day"),
        pytest.param(STARTS - dt.timedelta(days=1), 1, True, id="the_day_before_same_time"),
        pytest.param(STARTS - dt.timedelta(minutes=1), 1, True, id="just_before_the_start"),
        pytest.param(STARTS, 1, False, id="at_the_start"),
        pytest.param(STARTS - dt.timedelta(days=7), 7, True, id="a_week_before"),
        pytest.param(STARTS - dt.timedelta(days=8), 7, False, id="eight_days_before"),
        # Paris wall clock (Decisions, « Days »): 27 March 2027 9:00 is a week before a
        # 3 April 9:00 start, across the daylight-saving change of 28 March.
        pytest.param(
            dt.datetime(2027, 3, 27, 9, 0, tzinfo=PARIS), 7, True, id="across_summer_time"
        ),
        pytest.param(dt.datetime(2027, 3, 27, 8, 59, tzinfo=PARIS), 7, False, id="a_minute_early"),
    ],
)
def test_participant_reminder_is_due(now, days, due):
    starts = STARTS if now.month == 2 else dt.datetime(2027, 4, 3, 9, 0, tzinfo=PARIS)
    assert rules.participant_reminder_due(now=now, starts_at=starts, days=days) is due
