"""The electronic attendance's pages: the provider's half-day with its QR code (SVG drawn by
the server) and short link, the participant's page behind the link (a form that works
without JavaScript; the drawing's script is a static file), corrections with a reason."""

import datetime as dt
import html
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from catalog.models import ActionKind
from enrollment.models import AttendanceCorrection, HalfDayAttendance
from tests.factories import MemberEmployeeFactory, confirmed, provider_user_of, session_of

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
START = dt.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
KEY = "2027-03-15-am"


def at(hour, minute=0):
    return time_machine.travel(dt.datetime(2027, 3, 15, hour, minute, tzinfo=PARIS), tick=False)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def course(member_structure):
    session = session_of(ActionKind.TRAINING, starts_at=START)
    session.ends_at = START.replace(hour=17)
    session.save()
    anne = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    return session, provider_user_of(session), anne


def url(name, session, *args):
    return reverse(f"operations:{name}", args=[session.pk, KEY, *args])


def test_the_provider_opens_the_signing_and_shows_a_qr_code_and_a_short_link(client, course):
    session, provider, _anne = course
    with at(8, 50):
        client.force_login(provider)
        overview = text(client.get(reverse("operations:signing", args=[session.pk])))
        assert "Lundi 15 mars 2027, matin" in overview
        response = client.post(url("signing_open", session), follow=True)
    page = text(response)
    assert "Signature ouverte jusqu'au lundi 15 mars 2027 à 13" in page
    assert "<svg" in page and 'class="segno"' in page
    code = session.attendance_sheets.get().code
    short = reverse("enrollment:sign", args=[code])
    assert f"http://127.0.0.1:8000{short}" in page or short in page
    with at(9, 0):
        client.post(url("signing_close", session))
        page = text(client.get(url("signing_half_day", session)))
    assert "La signature est fermée" in page and "<svg" not in page


def test_a_participant_signs_from_the_short_link_without_javascript(client, course):
    session, provider, anne = course
    with at(8, 50):
        client.force_login(provider)
        client.post(url("signing_open", session))
    code = session.attendance_sheets.get().code
    with at(9, 3):
        client.force_login(anne.user)
        page = text(client.get(reverse("enrollment:sign", args=[code.lower()])))
        assert "Vous signez en tant que" in page
        assert 'src="/static/js/signature-pad.js"' in page and "<script>" not in page
        assert '<div class="signature-pad" hidden>' in page  # shown by the script only
        response = client.post(reverse("enrollment:sign", args=[code]), follow=True)
    assert "C'est signé, à 9\u00a0h\u00a003" in text(response)
    assert "Vous avez signé cette demi-journée à 9\u00a0h\u00a003" in text(response)
    assert HalfDayAttendance.objects.get(registration=anne).signed_at is not None


def test_someone_else_cannot_sign_from_the_link(client, course):
    session, provider, anne = course
    with at(8, 50):
        client.force_login(provider)
        client.post(url("signing_open", session))
    code = session.attendance_sheets.get().code
    with at(9, 3):
        client.force_login(MemberEmployeeFactory())
        page = text(client.get(reverse("enrollment:sign", args=[code])))
        assert "Vous n'êtes pas inscrit·e à cette session" in page
        response = client.post(reverse("enrollment:sign", args=[code]), follow=True)
    assert "vous ne pouvez signer que pour vous-même" in text(response)
    assert not HalfDayAttendance.objects.exists()
    assert client.get(reverse("enrollment:sign", args=["NOPE2345"])).status_code == 404


def test_a_correction_without_a_reason_shows_the_form_again(client, course):
    session, provider, anne = course
    with at(12, 0):
        client.force_login(provider)
        bad = client.post(
            url("signing_correct", session, anne.pk), {f"c{anne.pk}-presence": "present"}
        )
        assert bad.status_code == 400
        assert "Indiquez le motif de la correction" in text(bad)
        client.post(
            url("signing_correct", session, anne.pk),
            {f"c{anne.pk}-presence": "present", f"c{anne.pk}-reason": "Présente, sans téléphone"},
        )
        page = text(client.get(url("signing_half_day", session)))
    assert AttendanceCorrection.objects.get(registration=anne).reason == "Présente, sans téléphone"
    assert "rien de noté → présent·e — Présente, sans téléphone" in page


def test_validation_from_the_page(client, course):
    session, provider, anne = course
    with at(12, 55):
        client.force_login(provider)
        response = client.post(url("signing_validate", session), follow=True)
    assert "Feuille de la demi-journée validée" in text(response)
    assert "Validée le lundi 15 mars 2027 à 12" in text(response)
    assert HalfDayAttendance.objects.get(registration=anne).present is False
