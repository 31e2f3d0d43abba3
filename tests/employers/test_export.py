"""The Employer Space's CSV export: a structure's requests for a year's sessions, for its
approvers and staff; UTF-8 with a BOM and `;` for Excel, cells neutralised against formulas."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
EXPORT = reverse("employers:export")
HEADER = [
    "Nom",
    "Prénom",
    "Adresse électronique",
    "Action",
    "Type d'action",
    "Début de la session",
    "Fin de la session",
    "Statut",
    "Demandée le",
    "Décision de l'employeur",
    "Décidée par",
    "Décidée le",
    "Décomptée dans le quota annuel",
]


def year_of(session) -> int:
    return timezone.localtime(session.starts_at).year


def rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.fixture
def year_of_requests(structure, approver, settings):
    """Requests of every kind of outcome in the sessions of one year, and one of another year."""
    settings.LATE_CANCELLATION_DAYS = 10
    people = {
        name: MemberEmployeeFactory(structure=structure, first_name=first, last_name=last)
        for name, first, last in (
            ("accepted", "Anne", "Martin"),
            ("refused", "Bruno", "Petit"),
            ("pending", "Chloé", "=SOMME(A1:A9)"),
            ("webinar", "@Denis", "Durand"),
            ("late", "Emma", "Roux"),
        )
    }
    training = session_of(ActionKind.TRAINING, days=40)
    year = year_of(training)
    same_year = {
        "refused": session_of(ActionKind.PRACTICE_WORKSHOP, days=41),
        "pending": session_of(ActionKind.DISCOVERY_MODULE, days=42),
        "webinar": session_of(ActionKind.WEBINAR, days=43),
    }
    assert {year_of(s) for s in same_year.values()} == {year}
    (accepted,) = register(people["accepted"], training)
    services.approve(accepted, by=approver)
    (refused,) = register(people["refused"], same_year["refused"])
    services.refuse(refused, by=approver, reason="Non.")
    register(people["pending"], same_year["pending"])
    register(people["webinar"], same_year["webinar"])
    # A late withdrawal, counted in the quota (R8), in a session of its own year.
    soon = session_of(ActionKind.TRAINING, days=5)
    (late,) = register(people["late"], soon)
    services.approve(late, by=approver)
    services.cancel(late, by=people["late"], reason="Malade")
    late.refresh_from_db()
    assert late.counted_in_quota
    return year, year_of(soon), approver


def test_export_is_a_french_excel_csv_of_the_year(approver_client, structure, year_of_requests):
    year, _, approver = year_of_requests
    response = approver_client.get(EXPORT, {"structure": structure.pk, "year": year})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="parcourspro-structure-{structure.name.split()[-1]}-{year}.csv"'
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffNom;Prénom;Adresse électronique;Action;")
    assert "\r\n" in body
    header, *lines = rows(response)
    assert header == HEADER
    by_name = {line[0]: dict(zip(HEADER, line, strict=True)) for line in lines}
    approver_name = approver.get_full_name()

    accepted = by_name["Martin"]
    assert accepted["Statut"] == "En attente du prestataire"
    assert accepted["Type d'action"] == "Action de formation"
    assert accepted["Décision de l'employeur"] == "Acceptée"
    assert accepted["Décidée par"] == approver_name
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", accepted["Décidée le"])
    assert accepted["Décomptée dans le quota annuel"] == "oui"  # it holds a place (R6)

    refused = by_name["Petit"]
    assert (refused["Statut"], refused["Décision de l'employeur"]) == (
        "Refusée par l'employeur",
        "Refusée",
    )
    assert refused["Décidée par"] == approver_name and refused["Décidée le"]
    assert refused["Décomptée dans le quota annuel"] == "non"

    # Cells a spreadsheet would run as formulas are neutralised (OWASP « CSV injection »).
    pending = by_name["'=SOMME(A1:A9)"]
    assert pending["Décision de l'employeur"] == "À décider"
    assert (pending["Décidée par"], pending["Décidée le"]) == ("", "")
    webinar = by_name["Durand"]
    assert webinar["Prénom"] == "'@Denis"
    assert webinar["Décision de l'employeur"] == "Sans objet (format court)"
    assert webinar["Décomptée dans le quota annuel"] == "non"
    assert "Roux" not in by_name or year_of_requests[1] == year


def test_export_counts_a_late_withdrawal_in_its_year(approver_client, structure, year_of_requests):
    _, late_year, _ = year_of_requests
    response = approver_client.get(EXPORT, {"structure": structure.pk, "year": late_year})
    lines = {line[0]: dict(zip(HEADER, line, strict=True)) for line in rows(response)[1:]}
    late = lines["Roux"]
    assert late["Statut"] == "Désistement"
    assert late["Décision de l'employeur"] == "Acceptée"
    assert late["Décomptée dans le quota annuel"] == "oui"


def test_export_without_year_is_this_years(approver_client, structure):
    response = approver_client.get(EXPORT, {"structure": structure.pk})
    assert response.status_code == 200
    assert f"-{timezone.localdate().year}.csv" in response["Content-Disposition"]
    assert rows(response) == [HEADER]


def test_export_is_for_the_structures_approvers_and_staff_only(
    client, structure, other_structure, employee, year_of_requests
):
    year = year_of_requests[0]
    params = {"structure": structure.pk, "year": year}
    client.force_login(other_structure.approver)
    assert client.get(EXPORT, params).status_code == 404
    client.force_login(employee)
    assert client.get(EXPORT, params).status_code == 404
    client.force_login(UserFactory(is_staff=True, structure=None))
    assert client.get(EXPORT, params).status_code == 200
    client.logout()
    assert client.get(EXPORT, params).status_code == 302


@pytest.mark.parametrize(
    "params",
    [
        {"year": "2026"},
        {"structure": "abc"},
        {"structure": "9" * 25},
        {"structure": "0"},
        {"structure": "PK", "year": "20x5"},
        {"structure": "PK", "year": "1999"},
    ],
)
def test_export_with_a_forged_parameter_answers_404(approver_client, structure, params):
    params = {k: structure.pk if v == "PK" else v for k, v in params.items()}
    assert approver_client.get(EXPORT, params).status_code == 404


def test_history_page_offers_the_export(approver_client, structure):
    html = approver_client.get(reverse("employers:history")).content.decode()
    assert f'<form method="get" action="{EXPORT}"' in html
    assert f'<input type="hidden" name="structure" value="{structure.pk}"' in html
    assert '<label for="export_year">Année des sessions</label>' in html
