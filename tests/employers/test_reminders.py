"""Reminders to approvers (R9): after APPROVAL_REMINDER_DAYS pending, and again shortly before
the registration deadline; one email per approver; never twice."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from catalog.models import ActionKind
from employers.models import ApprovalReminder
from enrollment import services
from enrollment.models import Registration
from enrollment.services import remind_approvers
from mailing.models import Email
from parcourspro.celery import app as celery_app
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
DAY = dt.timedelta(days=1)


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0)


def reminders(to=None):
    emails = Email.objects.filter(template="approval_reminder")
    return rendered(emails.filter(to=to) if to else emails)


def submit_at(when, user, *sessions):
    with time_machine.travel(when, tick=False):
        return register(user, *sessions)


def run_at(when):
    with time_machine.travel(when, tick=False):
        return remind_approvers()


def test_the_task_is_scheduled_by_celery_beat():
    entries = [e["task"] for e in celery_app.conf.beat_schedule.values()]
    assert "employers.tasks.remind_approvers" in entries


def test_no_reminder_before_the_delay(t0, employee):
    submit_at(t0, employee, session_of(starts_at=t0 + 40 * DAY))
    assert run_at(t0 + (settings.APPROVAL_REMINDER_DAYS - 1) * DAY) == 0
    assert reminders() == []


def test_one_reminder_per_approver_after_the_delay_and_never_twice(t0, approver, employee):
    sessions = [session_of(starts_at=t0 + 40 * DAY) for _ in range(2)]
    first, second = submit_at(t0, employee, *sessions)
    later = t0 + settings.APPROVAL_REMINDER_DAYS * DAY + dt.timedelta(hours=1)
    assert run_at(later) == 1
    (email,) = reminders(approver.email)
    assert email.subject == (
        "[ParcoursPro] Rappel\u00a0: 2 demandes d'inscription attendent votre décision"
    )
    assert sessions[0].action.title in email.body_text
    assert sessions[1].action.title in email.body_text
    assert "/espace-employeur/" in email.body_text
    first.refresh_from_db()
    assert first.approval_reminded_at is not None
    # Again the same hour, and the day after: nothing more.
    assert run_at(later) == 0
    assert run_at(later + DAY) == 0
    assert len(reminders()) == 1


def test_the_celery_task_sends_the_reminder(t0, approver, employee):
    submit_at(t0, employee, session_of(starts_at=t0 + 40 * DAY))
    with time_machine.travel(t0 + 6 * DAY, tick=False):
        remind_approvers.delay()
        remind_approvers.delay()
    assert len(reminders(approver.email)) == 1


def test_a_second_reminder_before_the_deadline(t0, approver, employee):
    session = session_of(starts_at=t0 + 12 * DAY)  # deadline: 10 days after t0
    (registration,) = submit_at(t0, employee, session)
    assert run_at(t0 + 6 * DAY) == 1
    deadline = session.registration_deadline
    assert run_at(deadline - (settings.APPROVAL_DEADLINE_REMINDER_DAYS + 1) * DAY) == 0
    assert (
        run_at(deadline - settings.APPROVAL_DEADLINE_REMINDER_DAYS * DAY + dt.timedelta(hours=1))
        == 1
    )
    assert run_at(deadline - DAY) == 0
    first, second = sorted(reminders(approver.email), key=lambda e: e.pk)
    assert "depuis plus de 5 jours" in first.body_text
    assert "La date limite d'inscription approche" in second.body_text
    assert set(registration.approval_reminders.values_list("kind", flat=True)) == {
        ApprovalReminder.Kind.PENDING,
        ApprovalReminder.Kind.DEADLINE,
    }


def test_a_late_request_gets_one_reminder_before_the_deadline(t0, approver, employee):
    session = session_of(starts_at=t0 + 5 * DAY)  # deadline: 3 days after t0
    submit_at(t0, employee, session)
    assert run_at(t0 + 1 * DAY + dt.timedelta(hours=1)) == 1
    assert run_at(t0 + 2 * DAY + dt.timedelta(hours=12)) == 0
    # When the delay is reached the deadline is past: no "pending" reminder after the fact.
    assert run_at(t0 + 5 * DAY + dt.timedelta(hours=1)) == 0
    (email,) = reminders(approver.email)
    assert "La date limite d'inscription approche" in email.body_text
    assert "depuis plus de" not in email.body_text


def test_no_reminder_once_decided_or_past_the_deadline(t0, approver, employee):
    first, second = submit_at(
        t0, employee, session_of(starts_at=t0 + 40 * DAY), session_of(starts_at=t0 + 7 * DAY)
    )
    services.approve(first, by=approver)
    # The second's deadline (5 days after t0) is past when the delay is reached.
    assert run_at(t0 + 5 * DAY + dt.timedelta(hours=1)) == 0
    assert reminders() == []


def test_every_approver_but_the_requester_is_reminded(t0, structure, employee):
    colleague_approver = MemberEmployeeFactory(structure=structure, email="codir@example.test")
    structure.approvers.add(colleague_approver)
    submit_at(t0, employee, session_of(starts_at=t0 + 40 * DAY))
    submit_at(t0, colleague_approver, session_of(starts_at=t0 + 40 * DAY))
    assert run_at(t0 + 6 * DAY) == 2
    assert len(reminders(structure.approver.email)) == 1  # lists both requests
    (codir,) = reminders(colleague_approver.email)  # lists only the employee's
    assert employee.last_name in codir.body_text
    assert "1 demande d'inscription attend votre décision" in codir.subject


def test_a_promoted_request_counts_from_its_promotion(t0, structure, approver):
    session = session_of(ActionKind.TRAINING, capacity=1, starts_at=t0 + 40 * DAY)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    (held,) = submit_at(t0, first, session)
    (waiting,) = submit_at(t0, second, session)
    with time_machine.travel(t0 + 4 * DAY, tick=False):
        services.refuse(held, by=approver, reason="Non.")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER
    assert run_at(t0 + 6 * DAY) == 0  # pending for 2 days only
    assert run_at(t0 + 9 * DAY + dt.timedelta(hours=1)) == 1


def test_a_reminder_records_every_employee_it_lists(t0, structure, approver, employee):
    colleague = MemberEmployeeFactory(structure=structure)
    submit_at(t0, employee, session_of(starts_at=t0 + 40 * DAY))
    submit_at(t0, colleague, session_of(starts_at=t0 + 40 * DAY))
    assert run_at(t0 + 6 * DAY) == 1
    (email,) = reminders(approver.email)
    assert set(email.concerns.all()) == {employee, colleague}
