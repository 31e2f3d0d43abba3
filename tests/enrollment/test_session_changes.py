"""Staff change a session (DESIGN.md, turn 3 « Session changes »): everyone with a live request
and their approvers are told at once, one email per person per change, saying what changed;
the calendar file keeps its UIDs with a higher SEQUENCE. Changes of other fields tell nobody."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from catalog.changes import Fact, changed_facts
from catalog.dates import day_text, period_text
from catalog.models import ActionKind, Session
from enrollment import services
from enrollment.calendar import session_ics
from enrollment.models import Registration, RegistrationStatus
from mailing.delivery import attachment_bytes
from mailing.models import Email
from tests.emails import rendered
from tests.factories import (
    PARIS,
    MemberEmployeeFactory,
    UserFactory,
    register,
    session_of,
)
from tests.operations.test_admin import change_form_data, messages_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus
NEXT_YEAR = timezone.localdate().year + 1


def paris(month, day, hour, minute=0):
    return dt.datetime(NEXT_YEAR, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, structure=None)


@pytest.fixture
def december(staff):
    """A training of two days, 22 and 23 December next year, 9 h to 17 h."""
    session = session_of(ActionKind.TRAINING, starts_at=paris(12, 22, 9), capacity=3)
    session.ends_at = paris(12, 23, 17)
    session.registration_deadline = paris(12, 1, 23, 59)
    session.save()
    return session


@pytest.fixture
def people(december, member_structure, staff):
    """A confirmed participant, a request awaiting its employer and a waitlisted one, all
    of the structure whose approver is Claire; and someone of another structure, awaiting
    their own employer."""
    approver = member_structure.approver
    approver.first_name = "Claire"
    approver.save()
    first, second, third = (MemberEmployeeFactory(structure=member_structure) for _ in range(3))
    [participant] = register(first, december)
    services.approve(participant, by=approver)
    participant = services.confirm(participant, by=staff)
    [pending] = register(second, december)
    outsider = MemberEmployeeFactory()
    outsider.structure.approvers.add(UserFactory(structure=outsider.structure))
    [waiting] = register(outsider, december)  # the last place
    [waitlisted] = register(third, december)
    assert (participant.status, pending.status) == (Status.CONFIRMED, Status.PENDING_EMPLOYER)
    assert (waiting.status, waitlisted.status) == (Status.PENDING_EMPLOYER, Status.WAITLISTED)
    return {
        "participant": participant,
        "pending": pending,
        "waitlisted": waitlisted,
        "outsider": waiting,
        "approver": approver,
    }


def changed_emails():
    return rendered(Email.objects.filter(template="session_changed").order_by("pk"))


def events_of(ics: bytes):
    return [c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"]


def ics_of(email: Email) -> bytes:
    [attachment] = [a for a in email.attachments if a["filename"].endswith(".ics")]
    return attachment_bytes(attachment)


def test_a_session_moved_from_the_22nd_to_the_14th_tells_everyone_once(december, people, staff):
    """Participants, requests waiting (employer, place) and the approver: one email each,
    with the dates before and after; the approver's lists their employees."""
    before = session_ics(people["participant"])
    was = period_text(paris(12, 22, 9), paris(12, 23, 17))
    now = period_text(paris(12, 14, 9), paris(12, 15, 17))
    assert was.endswith(f" 22 au {day_text(paris(12, 23, 9).date())}, de 9\u00a0h à 17\u00a0h")
    result = services.change_session(
        december, by=staff, starts_at=paris(12, 14, 9), ends_at=paris(12, 15, 17)
    )
    assert result.facts == {Fact.DATES}
    emails = changed_emails()
    recipients = sorted(email.to for email in emails)
    expected = [
        people["participant"].email,
        people["pending"].email,
        people["waitlisted"].email,
        people["outsider"].email,
        people["approver"].email,
        people["outsider"].structure.approvers.get().email,
    ]
    assert recipients == sorted(expected)
    for email in emails:
        assert email.subject == f"[ParcoursPro] Nouvelles dates\u00a0: {december.action.title}"
        assert f"{was} → désormais {now}" in email.body_text
    [to_claire] = [e for e in emails if e.to == people["approver"].email]
    assert to_claire.body_text.startswith("Bonjour Claire,")
    for key in ("participant", "pending", "waitlisted"):
        registration = people[key]
        assert f"{registration.first_name} {registration.last_name}" in to_claire.body_text
    assert people["outsider"].last_name not in to_claire.body_text
    # The calendar file: same UIDs, one more SEQUENCE, the new days.
    [to_participant] = [e for e in emails if e.to == people["participant"].email]
    old_events, new_events = events_of(before), events_of(ics_of(to_participant))
    assert [e["UID"] for e in new_events] == [e["UID"] for e in old_events]
    assert [int(e["SEQUENCE"]) for e in new_events] == [
        int(e.get("SEQUENCE", 0)) + 1 for e in old_events
    ]
    assert new_events[0].decoded("DTSTART") == paris(12, 14, 9)
    assert "reste confirmée" in to_participant.body_text
    # Only the confirmed participant had the session in a calendar.
    assert all(not e.attachments for e in emails if e.to != people["participant"].email)


def test_the_sequence_goes_up_with_each_change_the_calendar_shows(december, people, staff):
    december.refresh_from_db()
    assert december.calendar_sequence == 0
    services.change_session(december, by=staff, location="Bordeaux, salle 2")
    services.change_session(december, by=staff, registration_deadline=paris(12, 2, 23, 59))
    december.refresh_from_db()
    assert december.calendar_sequence == 1
    participant = Registration.objects.get(pk=people["participant"].pk)
    [event, *_] = events_of(session_ics(participant))
    assert int(event["SEQUENCE"]) == 1 and str(event["LOCATION"]) == "Bordeaux, salle 2"


def test_a_change_of_another_field_tells_nobody(december, people, staff):
    """Capacity, deadline, the action's description: no email about dates, no new SEQUENCE."""
    assert (
        services.change_session(
            december, by=staff, registration_deadline=paris(12, 5, 23, 59)
        ).facts
        == frozenset()
    )
    services.set_capacity(december, capacity=3, by=staff)
    december.action.summary = "Un nouveau résumé."
    december.action.save()
    december.refresh_from_db()
    assert december.calendar_sequence == 0
    assert not Email.objects.filter(template="session_changed").exists()


def test_a_new_place_and_a_new_link_say_what_changed(people, december, staff):
    services.change_session(december, by=staff, location="Mérignac, salle 4", department="33")
    [email, *_] = changed_emails()
    gironde = december.get_department_display()
    assert (
        f"Lieu\u00a0: Cap Métiers, Pessac — {gironde} → désormais Mérignac, salle 4 — {gironde}"
        in email.body_text
    )
    assert email.subject.startswith("[ParcoursPro] Nouveau lieu\u00a0: ")


def test_only_a_confirmed_participant_reads_the_new_joining_link(staff):
    webinar = session_of(ActionKind.WEBINAR, capacity=1, format="remote")
    webinar.remote_url = "https://visio.example.test/ancien"
    webinar.save()
    [confirmed] = register(UserFactory(), webinar)
    [waiting] = register(UserFactory(), webinar)
    assert (confirmed.status, waiting.status) == (Status.CONFIRMED, Status.WAITLISTED)
    services.change_session(webinar, by=staff, remote_url="https://visio.example.test/nouveau")
    emails = {email.to: email for email in changed_emails()}
    assert "https://visio.example.test/nouveau" in emails[confirmed.email].body_text
    assert "https://visio.example.test/nouveau" not in emails[waiting.email].body_text
    assert "il vous sera donné avec la confirmation" in emails[waiting.email].body_text
    assert emails[confirmed.email].subject.startswith("[ParcoursPro] Nouveau lien de connexion")
    # A short format: no approver is emailed (Q8).
    assert set(emails) == {confirmed.email, waiting.email}


def test_a_day_no_longer_held_is_cancelled_in_the_calendar(december, people, staff):
    services.change_session(december, by=staff, ends_at=paris(12, 22, 17))
    [to_participant] = [e for e in changed_emails() if e.to == people["participant"].email]
    first, second = events_of(ics_of(to_participant))
    assert str(first["STATUS"]) == "CONFIRMED" and str(second["STATUS"]) == "CANCELLED"
    assert second["UID"] == f"registration-{people['participant'].pk}-day-2@parcourspro"


@pytest.mark.parametrize(
    ("field", "value", "facts"),
    [
        ("starts_at", paris(12, 21, 9), {Fact.DATES}),
        ("ends_at", paris(12, 23, 16), {Fact.DATES}),
        ("location", "Ailleurs", {Fact.PLACE}),
        ("department", "24", {Fact.PLACE}),
        ("format", Session.Format.REMOTE, {Fact.PLACE}),
        ("remote_url", "https://visio.example.test/x", set()),  # on site: no link to give
        ("capacity", 30, set()),
        ("registration_deadline", paris(12, 3, 12), set()),
    ],
)
def test_what_counts_as_a_change_of_the_session(december, field, value, facts):
    after = Session.objects.get(pk=december.pk)
    setattr(after, field, value)
    assert changed_facts(december, after) == facts


def test_cancelling_tells_each_person_once_with_the_calendar_cancelled(december, people, staff):
    services.cancel_session(december, by=staff, reason="Intervenant indisponible")
    emails = rendered(Email.objects.filter(template="session_cancelled").order_by("pk"))
    recipients = [email.to for email in emails]
    assert len(recipients) == len(set(recipients)) == 6
    [to_claire] = [e for e in emails if e.to == people["approver"].email]
    assert "Intervenant indisponible" in to_claire.body_text
    assert to_claire.body_text.startswith("Bonjour Claire,")
    assert f"{people['pending'].first_name} {people['pending'].last_name}" in to_claire.body_text
    [to_participant] = [e for e in emails if e.to == people["participant"].email]
    [event, second] = events_of(ics_of(to_participant))
    assert str(event["STATUS"]) == str(second["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert all(not e.attachments for e in emails if e.to != people["participant"].email)


def test_the_admin_save_tells_the_people_registered(client, december, people, staff):
    """The session's page in the admin saves through `change_session`."""
    client.force_login(staff)
    url = reverse("admin:catalog_session_change", args=[december.pk])
    data = change_form_data(client, url) | {
        "starts_at_0": f"14/12/{NEXT_YEAR}",
        "ends_at_0": f"15/12/{NEXT_YEAR}",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    december.refresh_from_db()
    assert december.starts_at == paris(12, 14, 9) and december.calendar_sequence == 1
    assert len(changed_emails()) == 6
    assert any(
        m.startswith("Modification enregistrée (dates et horaires) : 4 personnes")
        for m in messages_of(response)
    )


def test_the_admin_save_of_the_capacity_tells_nobody(client, december, people, staff):
    client.force_login(staff)
    url = reverse("admin:catalog_session_change", args=[december.pk])
    response = client.post(url, change_form_data(client, url) | {"capacity": "5"})
    assert response.status_code == 302
    december.refresh_from_db()
    assert december.capacity == 5 and december.calendar_sequence == 0
    assert not Email.objects.filter(template="session_changed").exists()


def test_the_action_page_leaves_an_existing_sessions_dates_to_its_own_page(client, december, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:catalog_action_change", args=[december.action.pk]))
    [formset] = [f.formset for f in response.context["inline_admin_formsets"]]
    [form] = formset.forms
    for name in ("starts_at", "ends_at", "location", "remote_url", "capacity", "status"):
        assert form.fields[name].disabled, name
    assert not form.fields["registration_deadline"].disabled


def test_only_staff_change_a_session(december):
    with pytest.raises(PermissionDenied):
        services.change_session(december, by=UserFactory(), location="Ailleurs")
