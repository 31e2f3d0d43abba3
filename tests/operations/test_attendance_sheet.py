"""The « feuille d'émargement »: one line per participant, one column per half-day."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from tests.factories import (
    PARIS,
    SessionFactory,
    UserFactory,
    awaiting_provider,
    confirmed,
    provider_user_of,
    session_of,
)
from web.operations.selectors import half_days

pytestmark = pytest.mark.django_db


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def slots(starts, ends):
    session = SessionFactory.build(starts_at=starts, ends_at=ends)
    return [(h.day.isoformat(), h.label) for h in half_days(session)]


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        # A full day: morning and afternoon.
        (
            paris(2027, 3, 4, 9),
            paris(2027, 3, 4, 17),
            [("2027-03-04", "matin"), ("2027-03-04", "après-midi")],
        ),
        # A morning webinar ending at 12:30.
        (paris(2027, 3, 4, 10), paris(2027, 3, 4, 12, 30), [("2027-03-04", "matin")]),
        # An afternoon workshop.
        (paris(2027, 3, 4, 14), paris(2027, 3, 4, 17), [("2027-03-04", "après-midi")]),
        # Two days, as the demo stores them (day 1 09:00 → day 2 17:00).
        (
            paris(2027, 3, 4, 9),
            paris(2027, 3, 5, 17),
            [
                ("2027-03-04", "matin"),
                ("2027-03-04", "après-midi"),
                ("2027-03-05", "matin"),
                ("2027-03-05", "après-midi"),
            ],
        ),
        # Friday to Monday: the weekend inside is left out.
        (
            paris(2027, 3, 5, 9),
            paris(2027, 3, 8, 12),
            [("2027-03-05", "matin"), ("2027-03-05", "après-midi"), ("2027-03-08", "matin")],
        ),
    ],
)
def test_half_days_follow_the_session_dates_in_paris_time(starts, ends, expected):
    assert slots(starts, ends) == expected


def test_the_sheet_has_a_line_per_participant_and_a_column_per_half_day(client, staff):
    session = session_of(ActionKind.TRAINING, starts_at=paris(2027, 3, 4, 9))
    session.ends_at = paris(2027, 3, 5, 17)
    session.save()
    first, second = confirmed(session), confirmed(session)
    pending = awaiting_provider(session)
    client.force_login(staff)
    response = client.get(reverse("operations:attendance_sheet", args=[session.pk]))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "<h1>Feuille d'émargement</h1>" in page
    assert session.action.title in page
    assert session.location in page
    assert session.action.provider.name in page
    header = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    columns = [
        re.sub(r"<[^>]+>", " ", th).split()
        for th in re.findall(r"<th[^>]*>(.*?)</th>", header, re.S)
    ]
    assert [" ".join(c) for c in columns] == [
        "Nom et prénom",
        "Structure",
        "jeudi 4 mars matin",
        "jeudi 4 mars après-midi",
        "vendredi 5 mars matin",
        "vendredi 5 mars après-midi",
    ]
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert body.count("<tr>") == 2
    assert body.count('class="signature-cell"') == 2 * 4
    assert first.last_name.upper() in body and second.last_name.upper() in body
    assert first.structure.name in body
    assert pending.last_name.upper() not in body
    assert "css/print.css" in page


def test_the_sessions_provider_sees_the_sheet_others_get_404(client, training, provider_user):
    url = reverse("operations:attendance_sheet", args=[training.pk])
    client.force_login(provider_user)
    assert client.get(url).status_code == 200
    for user in (provider_user_of(session_of()), UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_the_participants_csv_for_the_provider(client, training, provider_user):
    participant = confirmed(training)
    client.force_login(provider_user)
    response = client.get(reverse("operations:session_participants_csv", args=[training.pk]))
    assert response.status_code == 200
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffAction;Début de la session;")
    assert participant.email in content
    client.force_login(provider_user_of(session_of()))
    url = reverse("operations:session_participants_csv", args=[training.pk])
    assert client.get(url).status_code == 404
