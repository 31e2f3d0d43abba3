"""A session's admin page for staff: its requests listed read-only, each linking to its own
page; a registration deadline left empty follows from the start (catalog/deadlines.py)."""

import datetime as dt
import html
import re
import zoneinfo

import pytest
from django.urls import reverse

from catalog.deadlines import default_registration_deadline
from catalog.models import ActionKind, Session
from enrollment.models import RegistrationStatus
from tests.factories import ActionFactory, JobSeekerFactory, register, session_of
from web.admin.catalog import SessionInlineForm

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
Status = RegistrationStatus


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def test_the_session_page_lists_its_requests_read_only_with_links(client, staff):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    first = JobSeekerFactory(first_name="Inès", last_name="Garnier")
    second = JobSeekerFactory(first_name="Paul", last_name="Roux")
    [confirmed] = register(first, session)
    [waitlisted] = register(second, session)
    other = register(JobSeekerFactory(), session_of(ActionKind.WEBINAR))[0]
    client.force_login(staff)

    response = client.get(reverse("admin:catalog_session_change", args=[session.pk]))

    body = html.unescape(response.content.decode())
    assert "Demandes d'inscription de la session" in body
    for registration, name, status in [
        (confirmed, "Inès Garnier", "Confirmée"),
        (waitlisted, "Paul Roux", "En liste d'attente"),
    ]:
        url = reverse("admin:enrollment_registration_change", args=[registration.pk])
        assert f'<a href="{url}">{name}</a>' in body
        assert status in body
    assert reverse("admin:enrollment_registration_change", args=[other.pk]) not in body
    # Read-only: no field of the inline but its hidden keys, no « add » row.
    assert not re.search(r'name="registrations-\d+-(?!id"|session")', body)
    assert 'name="registrations-MAX_NUM_FORMS" value="0"' in body


@pytest.mark.parametrize(
    ("kind", "starts_at", "deadline"),
    [
        # Member-only: 7 days before at 23:59 in Paris, across the spring clock change.
        (ActionKind.TRAINING, paris(2027, 3, 30, 9, 0), paris(2027, 3, 23, 23, 59)),
        # Short formats: the evening before.
        (ActionKind.WEBINAR, paris(2027, 3, 30, 9, 0), paris(2027, 3, 29, 23, 59)),
        (ActionKind.WEBINAR, paris(2027, 3, 30, 0, 30), paris(2027, 3, 29, 23, 59)),
    ],
)
def test_the_default_deadline_follows_the_start(kind, starts_at, deadline):
    member_only = ActionFactory.build(kind=kind).is_member_only
    assert default_registration_deadline(starts_at, member_only=member_only) == deadline
    assert default_registration_deadline(starts_at, member_only=member_only).utcoffset() == (
        deadline.utcoffset()
    )


def add_form_data(client, action, **fields) -> dict:
    """The admin's add form for a session of `action`, as posted by a person who leaves the
    registration deadline empty."""
    context = client.get(reverse("admin:catalog_session_add")).context
    data = {
        "action": action.pk,
        "starts_at_0": "2027-03-30",
        "starts_at_1": "09:00",
        "ends_at_0": "2027-03-30",
        "ends_at_1": "17:00",
        "registration_deadline_0": "",
        "registration_deadline_1": "",
        "format": Session.Format.ON_SITE,
        "department": "33",
        "capacity": "12",
        "status": Session.Status.PUBLISHED,
        "location": "Salle 2, Pessac",
        "remote_url": "",
        "_save": "Enregistrer",
    }
    for inline in context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    return data | fields


@pytest.mark.parametrize(
    ("kind", "deadline"),
    [
        (ActionKind.TRAINING, paris(2027, 3, 23, 23, 59)),
        (ActionKind.CONFERENCE, paris(2027, 3, 29, 23, 59)),
    ],
)
def test_staff_leave_the_deadline_empty_and_it_follows_the_start(client, staff, kind, deadline):
    action = ActionFactory(kind=kind, duration_days=1)
    client.force_login(staff)
    form_page = html.unescape(client.get(reverse("admin:catalog_session_add")).content.decode())
    assert "Laissée vide\u00a0: 7 jours avant le début à 23h59" in form_page

    response = client.post(reverse("admin:catalog_session_add"), add_form_data(client, action))

    assert response.status_code == 302, response.context["adminform"].form.errors
    session = Session.objects.get(action=action)
    assert session.registration_deadline == deadline


def test_a_deadline_given_by_staff_is_kept(client, staff):
    action = ActionFactory(kind=ActionKind.TRAINING, duration_days=1)
    client.force_login(staff)
    data = add_form_data(
        client, action, registration_deadline_0="2027-03-01", registration_deadline_1="12:00"
    )
    assert client.post(reverse("admin:catalog_session_add"), data).status_code == 302
    assert Session.objects.get(action=action).registration_deadline == paris(2027, 3, 1, 12, 0)


def test_a_session_added_on_its_action_page_gets_the_default_deadline_too():
    action = ActionFactory(kind=ActionKind.WEBINAR, duration_days=1)
    form = SessionInlineForm(
        data={
            "starts_at": "2027-03-30 14:00",
            "ends_at": "2027-03-30 15:30",
            "registration_deadline": "",
            "format": Session.Format.REMOTE,
            "department": "",
            "capacity": "100",
            "status": Session.Status.PUBLISHED,
            "location": "",
            "remote_url": "https://visio.example.test/webinaire",
        },
        instance=Session(action=action),
    )
    assert form.is_valid(), form.errors
    assert form.save().registration_deadline == paris(2027, 3, 29, 23, 59)
