"""CSV injection: what users typed (names, job titles, phones, reasons, structure and action
names…) never reaches a spreadsheet as a formula, in any CSV export."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from catalog.models import Action, Provider, Session
from employers.models import Structure
from enrollment.models import Registration
from tests.factories import confirmed, provider_user_of

pytestmark = pytest.mark.django_db
SESSIONS = reverse("admin:catalog_session_changelist")
REGISTRATIONS = reverse("admin:enrollment_registration_changelist")

# Column (French header) → what a user typed there, each starting like a formula.
HOSTILE = {
    "Prénom": '=HYPERLINK("http://x","y")',
    "Nom": "\t=1",
    "Adresse électronique": "=1@example.test",
    "Téléphone": "-1",
    "Fonction": "+33 6 00",
    "Motif du refus": "@SUM(A1)",
    "Motif du désistement": "\r=1",
    "Structure": "@Structure",
    "Action": "=cmd|' /C calc'!A0",
    "Prestataire": "+Prestataire",
    "Lieu": "-Salle B",
}
PARTICIPANT_COLUMNS = [
    "Action",
    "Lieu",
    "Nom",
    "Prénom",
    "Adresse électronique",
    "Téléphone",
    "Fonction",
    "Structure",
]
REGISTRATION_COLUMNS = [
    *PARTICIPANT_COLUMNS,
    "Prestataire",
    "Motif du refus",
    "Motif du désistement",
]


@pytest.fixture
def hostile(training):
    """A confirmed participant whose every free-text value starts like a formula."""
    registration = confirmed(training)
    Registration.objects.filter(pk=registration.pk).update(
        first_name=HOSTILE["Prénom"],
        last_name=HOSTILE["Nom"],
        email=HOSTILE["Adresse électronique"],
        phone=HOSTILE["Téléphone"],
        job_title=HOSTILE["Fonction"],
        decision_reason=HOSTILE["Motif du refus"],
        cancellation_reason=HOSTILE["Motif du désistement"],
    )
    Structure.objects.filter(pk=registration.structure_id).update(name=HOSTILE["Structure"])
    Action.objects.filter(pk=training.action_id).update(title=HOSTILE["Action"])
    Provider.objects.filter(pk=training.action.provider_id).update(name=HOSTILE["Prestataire"])
    Session.objects.filter(pk=training.pk).update(location=HOSTILE["Lieu"])
    return registration


def run_action(client, url, action, objects):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]})


def rows_by_header(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8").removeprefix("\ufeff")
    header, *rows = csv.reader(io.StringIO(content), delimiter=";")
    return [dict(zip(header, row, strict=True)) for row in rows]


def assert_neutralised(row: dict[str, str], columns: list[str]):
    for column in columns:
        assert row[column] == "'" + HOSTILE[column], column


def test_the_providers_participants_csv(client, training, hostile):
    client.force_login(provider_user_of(training))
    response = client.get(reverse("operations:session_participants_csv", args=[training.pk]))
    [row] = rows_by_header(response)
    assert_neutralised(row, PARTICIPANT_COLUMNS)
    assert row["Statut"] == "Confirmée"


def test_the_admins_participants_export(client, staff, training, hostile):
    client.force_login(staff)
    [row] = rows_by_header(run_action(client, SESSIONS, "export_participants", [training]))
    assert_neutralised(row, PARTICIPANT_COLUMNS)


def test_the_admins_export_of_selected_registrations(client, staff, training, hostile):
    client.force_login(staff)
    response = run_action(client, REGISTRATIONS, "export_registrations", [hostile])
    [row] = rows_by_header(response)
    assert_neutralised(row, REGISTRATION_COLUMNS)
    assert row["Numéro"] == str(hostile.pk)  # numbers written by the code stay numbers
    assert row["SIRET"] == hostile.structure.siret


def test_the_admins_export_of_the_filtered_registrations(client, staff, training, hostile):
    client.force_login(staff)
    response = client.get(reverse("admin:enrollment_registration_export_csv"))
    [row] = rows_by_header(response)
    assert_neutralised(row, REGISTRATION_COLUMNS)
