"""Staff and provider operations: capacity, session cancellation, attendance, .ics."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from icalendar import Calendar

from catalog.models import ActionKind, Session
from enrollment import services
from enrollment.calendar import session_ics
from enrollment.models import Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from tests.factories import PARIS, MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def test_capacity_raised_promotes_the_first_waitlisted(staff):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [first] = register(UserFactory(), session)
    [second] = register(UserFactory(), session)
    promoted = services.set_capacity(session, capacity=2, by=staff)
    assert [r.pk for r in promoted] == [first.pk]
    assert Registration.objects.get(pk=second.pk).status == Status.WAITLISTED


def test_capacity_cannot_drop_below_places_held(staff):
    session = session_of(ActionKind.WEBINAR, capacity=3)
    register(UserFactory(), session)
    register(UserFactory(), session)
    with pytest.raises(RuleViolation) as refusal:
        services.set_capacity(session, capacity=1, by=staff)
    assert refusal.value.code == "capacity"
    session.refresh_from_db()
    assert session.capacity == 3


def test_only_staff_change_capacity():
    with pytest.raises(PermissionDenied):
        services.set_capacity(session_of(), capacity=5, by=UserFactory())


def test_cancelled_session_notifies_everyone(
    staff, employee, member_structure, django_capture_on_commit_callbacks
):
    session = session_of(ActionKind.TRAINING, capacity=1)
    [held] = register(employee, session)
    [waiting] = register(MemberEmployeeFactory(), session)
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.cancel_session(session, by=staff, reason="Intervenant malade")
    assert {r.pk for r in closed} == {held.pk, waiting.pk}
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    for registration in Registration.objects.filter(session=session):
        assert registration.status == Status.CANCELLED
        assert registration.counted_in_quota is False
    recipients = {m.to[0] for m in mail.outbox if "Session annulée" in m.subject}
    assert {employee.email, waiting.email, member_structure.approver.email} <= recipients


def test_attendance_after_the_start_only(employee, member_structure):
    session = session_of(ActionKind.TRAINING, capacity=3)
    [registration] = register(employee, session)
    services.approve(registration, by=member_structure.approver)
    provider_user = UserFactory()
    session.action.provider.users.add(provider_user)
    services.confirm(registration, by=provider_user)
    with pytest.raises(RuleViolation):
        services.mark_attendance(registration, by=provider_user, present=True)
    with time_machine.travel(session.starts_at + dt.timedelta(hours=1), tick=False):
        services.mark_attendance(registration, by=provider_user, present=False)
        assert Registration.objects.get(pk=registration.pk).status == Status.ABSENT
        services.mark_attendance(registration, by=provider_user, present=True)
    assert Registration.objects.get(pk=registration.pk).status == Status.ATTENDED


def test_convocation_carries_an_ics_in_paris_time(
    employee, member_structure, django_capture_on_commit_callbacks
):
    starts = dt.datetime(2027, 7, 1, 9, 30, tzinfo=PARIS)
    session = session_of(ActionKind.TRAINING, starts_at=starts)
    [registration] = register(employee, session)
    services.approve(registration, by=member_structure.approver)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(registration, by=UserFactory(is_staff=True))
    convocation = next(m for m in mail.outbox if "convocation" in m.subject)
    [(filename, content, mimetype)] = convocation.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=2)  # summer time
    assert str(event["summary"]).endswith(session.action.title)


def test_ics_is_valid_icalendar(employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    parsed = Calendar.from_ical(session_ics(registration))
    [event] = parsed.walk("VEVENT")
    assert event.decoded("dtend") > event.decoded("dtstart")
    assert str(event["uid"]) == f"registration-{registration.pk}@parcourspro"


def test_staff_promote_needs_a_free_place(staff):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [waiting] = register(UserFactory(), session)
    with pytest.raises(RuleViolation) as refusal:
        services.promote(waiting, by=staff)
    assert refusal.value.code == "full"
    services.set_capacity(session, capacity=1, by=staff)
    session.capacity = 2
    session.save()
    services.promote(waiting, by=staff)
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
