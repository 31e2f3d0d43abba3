"""From a phone (390 px wide) in a real browser, each page checked with axe: the provider
opens a half-day's signing (QR code and short link), the participant signs from the link,
drawing a signature with a finger, then the provider validates; and a place offered to a
waiting person, accepted from « Mon espace »."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import HalfDayAttendance, Offer, Registration, RegistrationStatus
from tests.browser.pages import assert_accessible, login, verified
from tests.factories import (
    DEMO_PASSWORD,
    MemberEmployeeFactory,
    UserFactory,
    confirmed,
    provider_user_of,
    register,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PHONE = {"width": 390, "height": 844}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_signing_a_half_day_from_a_phone(page, live_server):
    start = dt.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
    session = session_of(ActionKind.TRAINING, starts_at=start)
    session.ends_at = start.replace(hour=17)
    session.action.title = "Accueillir un public en reconversion"
    session.action.save()
    session.save()
    provider = verified(provider_user_of(session, email="intervenante@example.test"))
    anne = confirmed(session, verified(MemberEmployeeFactory(first_name="Anne")))
    page.set_viewport_size(PHONE)
    with time_machine.travel(dt.datetime(2027, 3, 15, 8, 50, tzinfo=PARIS), tick=True):
        login(page, live_server, provider.email, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/espace-prestataire/sessions/{session.pk}/")
        page.get_by_role("link", name="Émargement électronique (QR code)").click()
        page.get_by_role("link", name="Lundi 15 mars 2027, matin").click()
        assert_accessible(page)
        page.get_by_role("button", name="Ouvrir la signature").click()
        page.wait_for_load_state()
        assert page.locator(".signing-qr svg").is_visible()
        link = page.locator(".signing-link a").inner_text()
        assert re.search(r"/emargement/[A-Z2-9]{8}/$", link)
        assert fits_the_width(page)
        assert_accessible(page)
        page.get_by_role("button", name="Se déconnecter").click()

        login(page, live_server, anne.user.email, DEMO_PASSWORD)
        page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
        assert page.get_by_role("heading", level=1).inner_text() == "Émargement"
        canvas = page.locator(".signature-canvas")
        assert canvas.is_visible()  # the script showed the drawing area
        assert_accessible(page)
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 40)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + 60, steps=8)
        page.mouse.move(box["x"] + 200, box["y"] + 30, steps=8)
        page.mouse.up()
        page.get_by_role("button", name="Je signe").click()
        page.wait_for_load_state()
        assert page.get_by_text(re.compile(r"C.est signé, à 8\sh\s5\d")).is_visible()
        assert fits_the_width(page)
        assert_accessible(page)
        row = HalfDayAttendance.objects.get(registration=anne)
        assert bytes(row.signature).startswith(b"\x89PNG")
        page.get_by_role("button", name="Se déconnecter").click()

    with time_machine.travel(dt.datetime(2027, 3, 15, 12, 55, tzinfo=PARIS), tick=True):
        login(page, live_server, provider.email, DEMO_PASSWORD)
        page.goto(
            f"{live_server.url}/espace-prestataire/sessions/{session.pk}"
            "/emargement-electronique/2027-03-15-am/"
        )
        card = page.locator(f"#participant-{anne.pk}")
        assert card.get_by_text(re.compile(r"Signé à 8\sh\s5\d")).is_visible()
        assert card.get_by_role("img", name=re.compile("Signature dessinée")).is_visible()
        page.get_by_role("button", name="Valider la feuille de cette demi-journée").click()
        page.wait_for_load_state()
        assert page.get_by_text(re.compile("Validée le lundi 15 mars 2027")).is_visible()
        assert_accessible(page)
    assert Registration.objects.get(pk=anne.pk).status == RegistrationStatus.ATTENDED


def test_accepting_an_offered_place_from_a_phone(page, live_server):
    start = dt.datetime(2027, 4, 2, 9, 0, tzinfo=PARIS)
    session = session_of(
        ActionKind.WEBINAR,
        starts_at=start,
        capacity=1,
        registration_deadline=dt.datetime(2027, 4, 1, 23, 59, tzinfo=PARIS),
    )
    session.action.title = "Webinaire : la VAE en 2027"
    session.action.save()
    [holder] = register(UserFactory(), session)
    anne = verified(UserFactory(first_name="Anne"))
    [waiting] = register(anne, session)
    page.set_viewport_size(PHONE)
    with time_machine.travel(dt.datetime(2027, 3, 30, 10, 0, tzinfo=PARIS), tick=True):
        services.cancel(holder, by=holder.user, reason="Empêchement")
        offer = Offer.objects.get(registration=waiting)
        login(page, live_server, anne.email, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/mon-espace/")
        card = page.locator(f"#demande-{waiting.pk}")
        assert card.get_by_text(re.compile("Une place s.est libérée pour vous")).is_visible()
        assert fits_the_width(page)
        assert_accessible(page)
        card.get_by_role("link", name=re.compile("^Accepter la place")).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Accepter la place proposée"
        assert_accessible(page)
        page.get_by_role("button", name="Accepter la place").click()
        page.wait_for_load_state()
        assert page.get_by_text(re.compile("votre inscription est confirmée")).is_visible()
        assert_accessible(page)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.CONFIRMED
