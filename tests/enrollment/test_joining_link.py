"""The joining link of a remote session (R10): confirmed participants get it by email (with the
.ics), in « Mon espace » and in the .ics; nobody else does."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalog.models import ActionKind, Session
from enrollment import services
from enrollment.calendar import session_ics
from enrollment.models import RegistrationStatus
from mailing.delivery import attachment_bytes
from mailing.models import Email
from tests.emails import rendered
from tests.factories import UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

LINK = "https://visio.example.test/webinaire-insertion"


def remote(kind=ActionKind.WEBINAR, **kwargs):
    return session_of(kind, format=Session.Format.REMOTE, location="", remote_url=LINK, **kwargs)


def emails_to(user, template):
    return rendered(Email.objects.filter(to=user.email, template=template))


def calendars(email) -> list[Calendar]:
    return [
        Calendar.from_ical(attachment_bytes(attachment))
        for attachment in email.attachments
        if attachment["mimetype"] == "text/calendar"
    ]


def ics_text(calendar: Calendar) -> str:
    return calendar.to_ical().decode().replace("\r\n ", "")


def test_a_confirmed_webinar_sends_the_link_and_the_ics_at_once():
    """A short format is confirmed at once: the acknowledgement is the convocation."""
    session = remote()
    person = UserFactory()
    [registration] = register(person, session)
    assert registration.status == Status.CONFIRMED
    [email] = emails_to(person, "registration_acknowledgement")
    assert LINK in email.body_text
    assert f'href="{LINK}"' in email.body_html
    [calendar] = calendars(email)
    [event] = calendar.walk("VEVENT")
    assert str(event["location"]) == LINK
    assert LINK in str(event["description"])
    assert str(event["uid"]) == f"registration-{registration.pk}@parcourspro"


def test_an_on_site_conference_sends_its_ics_without_a_link():
    session = session_of(ActionKind.CONFERENCE)
    person = UserFactory()
    register(person, session)
    [email] = emails_to(person, "registration_acknowledgement")
    [calendar] = calendars(email)
    assert str(calendar.walk("VEVENT")[0]["location"]) == session.location


def test_a_waitlisted_request_gets_neither_link_nor_ics():
    session = remote(capacity=1)
    register(UserFactory(), session)
    person = UserFactory()
    [registration] = register(person, session)
    assert registration.status == Status.WAITLISTED
    for email in rendered(Email.objects.filter(to=person.email)):
        assert LINK not in email.body_text and LINK not in email.body_html
        assert email.attachments == []


def test_a_cart_gives_the_link_of_its_confirmed_requests_only(employee):
    webinar = remote()
    training = remote(ActionKind.TRAINING, days=50)
    training.remote_url = "https://visio.example.test/formation"
    training.save()
    confirmed, pending = register(employee, webinar, training)
    assert (confirmed.status, pending.status) == (Status.CONFIRMED, Status.PENDING_EMPLOYER)
    [email] = emails_to(employee, "registration_acknowledgement")
    assert LINK in email.body_text
    assert training.remote_url not in email.body_text + email.body_html
    [calendar] = calendars(email)
    assert str(calendar.walk("VEVENT")[0]["uid"]) == f"registration-{confirmed.pk}@parcourspro"


def test_a_promoted_short_format_request_gets_the_link_and_the_ics():
    session = remote(capacity=1)
    [holder] = register(UserFactory(), session)
    person = UserFactory()
    register(person, session)
    services.cancel(holder, by=holder.user, reason="Empêchement")
    [email] = emails_to(person, "registration_promoted")
    assert LINK in email.body_text and f'href="{LINK}"' in email.body_html
    [calendar] = calendars(email)
    assert str(calendar.walk("VEVENT")[0]["location"]) == LINK


def test_my_space_shows_the_link_of_confirmed_requests_only(client, employee):
    webinar = remote()
    full = remote(days=45, capacity=1)
    full.remote_url = "https://visio.example.test/complet"
    full.save()
    training = remote(ActionKind.TRAINING, days=50)
    training.remote_url = "https://visio.example.test/formation"
    training.save()
    register(UserFactory(), full)
    register(employee, webinar, full, training)
    client.force_login(employee)
    html = client.get(reverse("enrollment:my_space")).content.decode()
    assert f'href="{LINK}"' in html
    assert full.remote_url not in html
    assert training.remote_url not in html


@pytest.mark.parametrize(
    ("status", "carries_link"),
    [
        pytest.param(Status.CONFIRMED, True, id="confirmed"),
        pytest.param(Status.PENDING_PROVIDER, False, id="awaiting_provider"),
        pytest.param(Status.PENDING_EMPLOYER, False, id="awaiting_employer"),
    ],
)
def test_the_ics_download_carries_the_link_only_when_confirmed(
    client, employee, member_structure, status, carries_link
):
    session = remote(ActionKind.TRAINING)
    [registration] = register(employee, session)
    if status != Status.PENDING_EMPLOYER:
        registration = services.approve(registration, by=member_structure.approver)
    if status == Status.CONFIRMED:
        registration = services.confirm(registration, by=UserFactory(is_staff=True))
    assert registration.status == status
    client.force_login(employee)
    response = client.get(reverse("operations:registration_ics", args=[registration.pk]))
    assert response.status_code == 200
    text = ics_text(Calendar.from_ical(response.content))
    assert (LINK in text) is carries_link
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["location"]) == (LINK if carries_link else "À distance")
    assert (LINK in ics_text(Calendar.from_ical(session_ics(registration)))) is carries_link
