"""Staff operations in the admin: every change goes through enrollment.services."""

import csv
import datetime as dt
import html
import io

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core import mail
from django.forms import MultiWidget
from django.urls import reverse

from catalog.models import ActionKind, Session
from enrollment.models import Registration, RegistrationStatus
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    awaiting_provider,
    confirmed,
    register,
    session_of,
)
from web.admin import OperationsRegistrationAdmin, OperationsSessionAdmin

pytestmark = pytest.mark.django_db
Status = RegistrationStatus
SESSIONS = reverse("admin:catalog_session_changelist")
REGISTRATIONS = reverse("admin:enrollment_registration_changelist")


def text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(registration):
    return Registration.objects.get(pk=registration.pk).status


def csv_rows(response) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")  # Excel reads UTF-8 with its BOM
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def change_form_data(client, url) -> dict:
    """What the change form would post back unchanged (its inlines' management forms too)."""
    context = client.get(url).context
    form = context["adminform"].form
    data = {"_save": "Enregistrer"}
    for inline in context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    for bound in form:
        widget, value = bound.field.widget, bound.value()
        if isinstance(widget, MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = widget.widgets[index].format_value(part)
        else:
            data[bound.html_name] = "" if value is None else value
    return data


def run_action(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], "index": 0, **extra}
    return client.post(url, data)


def test_the_registered_admins_are_the_operations_ones():
    from django.contrib import admin

    assert isinstance(admin.site._registry[Session], OperationsSessionAdmin)
    assert isinstance(admin.site._registry[Registration], OperationsRegistrationAdmin)


# --- sessions ------------------------------------------------------------------------------------


def test_capacity_raised_in_the_admin_promotes_the_first_waitlisted(
    client, staff, django_capture_on_commit_callbacks
):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [first] = register(UserFactory(), session)
    [second] = register(UserFactory(), session)
    client.force_login(staff)
    url = reverse("admin:catalog_session_change", args=[session.pk])
    data = change_form_data(client, url) | {"capacity": "2", "location": "Salle B, Pessac"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, follow=True)
    session.refresh_from_db()
    assert (session.capacity, session.location) == (2, "Salle B, Pessac")
    assert status_of(first) == Status.CONFIRMED
    assert status_of(second) == Status.WAITLISTED
    assert any("1 demande sort de la liste d'attente" in m for m in messages_of(response))
    assert any(m.to == [first.email] for m in mail.outbox)
    assert first.events.last().by == staff


def test_capacity_below_the_places_held_is_refused_other_fields_saved(client, staff):
    session = session_of(ActionKind.WEBINAR, capacity=3)
    register(UserFactory(), session)
    register(UserFactory(), session)
    client.force_login(staff)
    url = reverse("admin:catalog_session_change", args=[session.pk])
    data = change_form_data(client, url) | {"capacity": "1", "location": "Salle C"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == url
    session.refresh_from_db()
    assert (session.capacity, session.location) == (3, "Salle C")
    told, refused = messages_of(response)
    assert told.startswith("Modification enregistrée (lieu) : 2 personnes ayant une demande")
    assert refused.startswith("Le nombre de places n'a pas changé : le nombre de places ne peut")


def test_the_session_form_links_to_the_sheet_and_the_csv(client, staff, training):
    client.force_login(staff)
    page = text(client.get(reverse("admin:catalog_session_change", args=[training.pk])))
    assert reverse("operations:attendance_sheet", args=[training.pk]) in page
    assert reverse("operations:session_participants_csv", args=[training.pk]) in page
    assert reverse("operations:attendance_sheet", args=[training.pk]) in text(client.get(SESSIONS))


def test_the_status_is_not_edited_in_the_form(client, staff, training):
    """Cancelling goes through the action (and the service), never the form's status field."""
    client.force_login(staff)
    url = reverse("admin:catalog_session_change", args=[training.pk])
    data = change_form_data(client, url)
    assert "status" not in data
    client.post(url, data | {"status": "cancelled"})
    training.refresh_from_db()
    assert not training.is_cancelled


def test_cancelling_sessions_asks_for_a_reason_first(client, staff, training):
    confirmed(training)
    client.force_login(staff)
    response = run_action(client, SESSIONS, "cancel_sessions", [training])
    assert response.status_code == 200
    page = text(response)
    assert "Motif de l'annulation" in page and str(training) in page
    response = run_action(client, SESSIONS, "cancel_sessions", [training], post="yes", reason=" ")
    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    training.refresh_from_db()
    assert not training.is_cancelled


def test_session_cancelled_in_the_admin_notifies_everyone(
    client, staff, employee, member_structure, django_capture_on_commit_callbacks
):
    session = session_of(ActionKind.TRAINING, capacity=1)
    [held] = register(employee, session)
    [waiting] = register(MemberEmployeeFactory(), session)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            client, SESSIONS, "cancel_sessions", [session], post="yes", reason="Intervenant malade"
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled
    assert status_of(held) == status_of(waiting) == Status.CANCELLED
    cancelled = [m for m in mail.outbox if "Session annulée" in m.subject]
    assert {employee.email, waiting.email, member_structure.approver.email} <= {
        m.to[0] for m in cancelled
    }
    assert all("Intervenant malade" in m.body for m in cancelled)
    assert messages_of(response) == [
        "1 session annulée",
        "2 demandes closes, les personnes sont prévenues.",
    ]


def test_participants_export_has_french_columns(client, staff, training):
    participant = confirmed(training)
    awaiting_provider(training)
    client.force_login(staff)
    response = run_action(client, SESSIONS, "export_participants", [training])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header == [
        "Action",
        "Début de la session",
        "Fin de la session",
        "Lieu",
        "Nom",
        "Prénom",
        "Adresse électronique",
        "Téléphone",
        "Fonction",
        "Structure",
        "Statut",
    ]
    assert len(rows) == 1
    assert rows[0][4:7] == [participant.last_name, participant.first_name, participant.email]
    assert rows[0][9:] == [participant.structure.name, "Confirmée"]


# --- registrations -------------------------------------------------------------------------------


def test_staff_confirm_from_the_list(client, staff, training):
    registration = awaiting_provider(training)
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "confirm_for_provider", [registration])
    assert response.status_code == 302
    assert status_of(registration) == Status.CONFIRMED


def test_staff_decline_asks_for_a_reason_then_declines(client, staff, training):
    registration = awaiting_provider(training)
    other = confirmed(training)
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "decline_registrations", [registration, other])
    assert response.status_code == 200
    assert "Motif du refus" in text(response)
    assert status_of(registration) == Status.PENDING_PROVIDER
    response = run_action(
        client,
        REGISTRATIONS,
        "decline_registrations",
        [registration, other],
        post="yes",
        reason="Public visé : conseillers.",
    )
    assert status_of(registration) == Status.DECLINED
    assert status_of(other) == Status.CONFIRMED
    messages = messages_of(response)
    assert messages[0] == "1 demande déclinée."
    assert "n'attend pas votre décision" in messages[1]


def test_staff_promote_from_the_waiting_list(client, staff):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    [holder] = register(UserFactory(), session)
    [waiting] = register(UserFactory(), session)
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "promote_registrations", [waiting])
    assert status_of(waiting) == Status.WAITLISTED  # no free place: refused, said so
    assert "plus aucune place libre" in messages_of(response)[0]
    client.get(REGISTRATIONS)  # shows (and so consumes) the messages
    Session.objects.filter(pk=session.pk).update(capacity=2)
    response = run_action(client, REGISTRATIONS, "promote_registrations", [waiting, holder])
    assert status_of(waiting) == Status.CONFIRMED
    messages = messages_of(response)
    assert messages[0] == "1 demande sortie de la liste d'attente."
    assert "n'est pas en liste d'attente" in messages[1]


def test_staff_mark_present_and_absent(client, staff, training):
    present, absent = confirmed(training), confirmed(training)
    with time_machine.travel(training.starts_at + dt.timedelta(hours=1), tick=False):
        client.force_login(staff)
        response = run_action(client, REGISTRATIONS, "mark_present", [present])
        assert messages_of(response) == ["1 présence notée."]
        run_action(client, REGISTRATIONS, "mark_absent", [absent])
    assert status_of(present) == Status.ATTENDED
    assert status_of(absent) == Status.ABSENT


def test_attendance_before_the_start_is_refused_with_a_message(client, staff, training):
    registration = confirmed(training)
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "mark_present", [registration])
    assert "une fois la session commencée" in messages_of(response)[0]
    assert status_of(registration) == Status.CONFIRMED


REGISTRATION_HEADER = [
    "Numéro",
    "Nom",
    "Prénom",
    "Adresse électronique",
    "Téléphone",
    "Fonction",
    "Structure",
    "SIRET",
    "Action",
    "Type d'action",
    "Prestataire",
    "Début de la session",
    "Lieu",
    "Statut",
    "Demandée le",
    "Acceptée par l'employeur le",
    "Décision du prestataire le",
    "Motif du refus",
    "Désistement le",
    "Motif du désistement",
    "Décomptée",
]


def test_registrations_export_of_the_selection(client, staff, training):
    registration = confirmed(training)
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "export_registrations", [registration])
    header, row = csv_rows(response)
    assert header == REGISTRATION_HEADER
    assert row[0] == str(registration.pk)
    assert row[7] == registration.structure.siret
    assert row[9:11] == ["Action de formation", training.action.provider.name]
    assert row[13] == "Confirmée"
    assert row[-1] == "non"


def test_registrations_export_follows_the_changelist_filters(client, staff, training):
    kept = confirmed(training)
    awaiting_provider(training)
    client.force_login(staff)
    changelist = text(client.get(REGISTRATIONS + "?status__exact=confirmed"))
    export = reverse("admin:enrollment_registration_export_csv")
    assert f"{export}?status__exact=confirmed" in changelist
    header, *rows = csv_rows(client.get(export + "?status__exact=confirmed"))
    assert header == REGISTRATION_HEADER
    assert [row[0] for row in rows] == [str(kept.pk)]
    assert len(csv_rows(client.get(export))) == 3


def test_registrations_export_is_for_staff_only(client, training):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:enrollment_registration_export_csv"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url
