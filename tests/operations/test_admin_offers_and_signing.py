"""Staff see, on a session's admin page, its late release (offers made, places saved,
declined, expired) and its signed attendance (on time, late, corrected), and each offer with
its outcome on the session's and the registration's pages."""

import datetime as dt
import html
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Offer
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    confirmed,
    provider_user_of,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_the_session_s_offers_and_signatures_in_the_admin(client, member_structure):
    start = dt.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
    session = session_of(ActionKind.TRAINING, starts_at=start, capacity=2)
    session.ends_at = start.replace(hour=17)
    session.registration_deadline = start - dt.timedelta(hours=12)
    session.save()
    provider = provider_user_of(session)
    anne = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    bruno = confirmed(session, MemberEmployeeFactory())
    [waiting] = register(MemberEmployeeFactory(), session)
    with time_machine.travel(start - dt.timedelta(days=2), tick=False):
        services.cancel(bruno, by=bruno.user, reason="Empêchement")
        services.decline_offer(Offer.objects.get(registration=waiting), by=waiting.user)
    with time_machine.travel(start.replace(hour=8, minute=50), tick=False):
        sheet = services.open_signing(session, day=start.date(), half="am", by=provider)
    with time_machine.travel(start.replace(hour=9, minute=30), tick=False):
        services.sign(sheet, user=anne.user)
    with time_machine.travel(start.replace(hour=12), tick=False):
        services.correct_attendance(sheet, anne, present=False, reason="Partie", by=provider)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = html.unescape(
        client.get(reverse("admin:catalog_session_change", args=[session.pk])).content.decode()
    )
    assert "1 place proposée\u00a0: 0 sauvée (acceptée), 1 déclinée, 0 expirée" in page
    assert (
        "Signatures\u00a0: 1 (à l'heure\u00a0: 0, en retard\u00a0: 1)\u00a0; "
        "présences corrigées\u00a0: 1" in page
    )
    assert "déclinée\u00a0: plus disponible" in page  # the offer's row
    registration_page = html.unescape(
        client.get(
            reverse("admin:enrollment_registration_change", args=[waiting.pk])
        ).content.decode()
    )
    assert "places proposées (libération tardive)" in registration_page.lower()
