"""Every figure of /pilotage/'s financer's view, against a hand-made programme year
(tests/surveys/data.py) whose figures were counted by hand."""

import html
import re

import pytest
from django.urls import reverse

from tests.surveys.data import programme_2027

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("operations:dashboard")


@pytest.fixture
def year(client, staff):
    data = programme_2027()
    client.force_login(staff)
    return data


def figures(client, **params):
    response = client.get(DASHBOARD, {"year": "2027", **params})
    assert response.status_code == 200
    return response


def text(response, element_id):
    page = response.content.decode()
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:div|figure|tr)>', page, re.S)
    assert match, element_id
    words = html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    return re.sub(r"[ \t\r\n]+", " ", words).strip()  # not the non-breaking spaces


def test_the_totals_of_2027(client, year):
    board = figures(client).context["pilotage"]
    total = board.total
    assert (total.sessions, board.cancelled) == (2, 1)
    assert (total.offered, total.taken, total.fill_rate) == (110, 12, 11)
    assert (total.requests, total.people) == (18, 18)
    assert (total.waitlisted, total.pressure) == (3, 0.03)
    assert (total.late_withdrawals, total.no_shows, total.present) == (1, 1, 3)
    # The late release's offers (tests/surveys/data.py): three made, one place saved.
    assert (total.offers_made, total.places_saved) == (3, 1)
    assert (total.offers_declined, total.offers_expired) == (1, 1)
    assert (total.participants, total.mixed_sessions, total.poor_mix) == (11, 2, 1)
    assert (total.structures, total.departments, total.poor_mix_rate) == (3.0, 3.0, 50)
    hot, cold, employer = total.satisfaction.kinds
    assert (hot.sent, hot.answers, hot.response_rate) == (9, 6, 67)
    assert hot.rounded == {"objectives": 4.0, "content": 4.2, "trainer": 4.2, "organisation": 3.8}
    assert hot.overall == 4.0
    # Fewer than 3 answers: counted, never averaged.
    assert (cold.sent, cold.answers, cold.mean("impact"), cold.overall) == (2, 2, None, None)
    assert (employer.sent, employer.answers, employer.mean("impact")) == (1, 1, None)


def test_the_key_figures_as_the_page_says_them(client, year):
    response = figures(client)
    assert text(response, "figure-sessions") == "Sessions 2 (et 1 annulée)"
    assert text(response, "figure-requests") == "Demandes d'inscription 18 (18 personnes)"
    assert text(response, "figure-places") == "Places prises / offertes 12 / 110"
    assert text(response, "figure-fill") == "Remplissage 11\u00a0%"
    assert text(response, "figure-pressure") == "Liste d'attente 3 demandes, 0,03 par place"
    assert text(response, "figure-late") == "Désistements tardifs 1"
    assert text(response, "figure-absent") == "Absences 1"
    assert text(response, "figure-late-release") == (
        "Places libérées à moins de 7 jours, proposées 3, dont 1 place sauvée"
    )
    assert text(response, "figure-hot") == "Satisfaction à chaud 4,0 sur 5 (6 réponses, 67\u00a0%)"
    assert text(response, "figure-cold") == "Effet sur la pratique, à froid — (2 réponses)"
    assert text(response, "figure-employer") == "Effet observé par les employeurs — (1 réponse)"
    assert text(response, "figure-mix") == (
        "Mixité 3,0 structures par session (1 session sur 2 à la mixité faible)"
    )
    assert "Sessions commençant en 2027" in response.content.decode()


def test_by_department_each_chart_s_table(client, year):
    response = figures(client, group="department")
    charts = {chart.id: chart for chart in response.context["charts"]}
    assert charts["places"].rows == [
        ["33 — Gironde", "10", "5", "50\u00a0%"],
        ["À distance ou non précisé", "100", "7", "7\u00a0%"],
        ["Total", "110", "12", "11\u00a0%"],
    ]
    assert charts["pressure"].rows == [
        ["33 — Gironde", "2", "0,20", "1", "1"],
        ["À distance ou non précisé", "1", "0,01", "0", "0"],
        ["Total", "3", "0,03", "1", "1"],
    ]
    assert charts["late-release"].rows == [
        ["33 — Gironde", "1", "0", "0", "1"],
        ["À distance ou non précisé", "2", "1", "1", "0"],
        ["Total", "3", "1", "1", "1"],
    ]
    assert charts["satisfaction"].rows == [
        ["À chaud\u00a0: objectifs atteints", "6 sur 9", "67\u00a0%", "4,0"],
        ["À chaud\u00a0: contenu", "6 sur 9", "67\u00a0%", "4,2"],
        ["À chaud\u00a0: intervenant·e", "6 sur 9", "67\u00a0%", "4,2"],
        ["À chaud\u00a0: organisation", "6 sur 9", "67\u00a0%", "3,8"],
        [
            "À froid\u00a0: effet sur la pratique",
            "2 sur 2",
            "100\u00a0%",
            "non communiqué (moins de 3 réponses)",
        ],
        [
            "Employeurs\u00a0: effet sur la pratique",
            "1 sur 1",
            "100\u00a0%",
            "non communiqué (moins de 3 réponses)",
        ],
    ]
    departments = dict(charts["departments"].rows)
    assert departments == {
        "16 — Charente": "1",
        "17 — Charente-Maritime": "0",
        "19 — Corrèze": "0",
        "23 — Creuse": "1",
        "24 — Dordogne": "0",
        "33 — Gironde": "6",
        "40 — Landes": "0",
        "47 — Lot-et-Garonne": "0",
        "64 — Pyrénées-Atlantiques": "2",
        "79 — Deux-Sèvres": "0",
        "86 — Vienne": "0",
        "87 — Haute-Vienne": "1",
    }
    assert charts["mix"].rows == [
        ["33 — Gironde", "1", "2,0", "1,0", "1 (100\u00a0%)"],
        ["À distance ou non précisé", "1", "4,0", "5,0", "0 (0\u00a0%)"],
        ["Total", "2", "3,0", "3,0", "1 (50\u00a0%)"],
    ]


def test_by_theme_provider_kind_and_month(client, year):
    by = {}
    for group in ("theme", "provider", "kind", "month"):
        rows = figures(client, group=group).context["pilotage"].rows
        by[group] = [(row.label, row.offered, row.taken, row.requests) for row in rows]
    assert by["theme"] == [("Insertion", 10, 5, 8), ("Orientation", 100, 7, 10)]
    assert by["provider"] == [("Alpha Formation", 10, 5, 8), ("Bêta Conseil", 100, 7, 10)]
    assert by["kind"] == [("Action de formation", 10, 5, 8), ("Webinaire", 100, 7, 10)]
    assert by["month"] == [("Mars 2027", 10, 5, 8), ("Mai 2027", 100, 7, 10)]


def test_the_filters_narrow_every_figure(client, year):
    insertion, _guidance = year["themes"]
    total = figures(client, theme=insertion.pk).context["pilotage"].total
    assert (total.sessions, total.offered, total.taken, total.requests) == (1, 10, 5, 8)
    assert (total.waitlisted, total.offers_made, total.poor_mix) == (2, 1, 1)
    assert total.satisfaction.hot.answers == 2
    assert total.satisfaction.hot.overall is None  # 2 answers: withheld
    remote = figures(client, kind="webinar").context["pilotage"].total
    assert (remote.sessions, remote.offered, remote.participants) == (1, 100, 7)
    gironde = figures(client, department="33").context["pilotage"].total
    assert (gironde.sessions, gironde.offered) == (1, 10)
    # A range of dates instead of a year: 2026's session is in it, 2027's are not.
    old = figures(client, year="", start="2026-01-01", end="2026-12-31")
    assert old.context["pilotage"].total.sessions == 1
    assert old.context["pilotage"].total.satisfaction.hot.answers == 1
    assert "Sessions commençant à partir du 1er janvier 2026, jusqu'au 31 décembre 2026" in (
        html.unescape(old.content.decode())
    )


def test_an_invalid_criterion_is_ignored_and_said(client, year):
    response = figures(client, department="99", group="nonsense")
    assert response.context["pilotage"].total.sessions == 2
    assert response.context["pilotage"].group == "department"
    assert "Un critère n'est pas valide" in html.unescape(response.content.decode())
