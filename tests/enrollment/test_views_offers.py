"""« Accepter la place » / « Je ne suis plus disponible » from the email's links and from
« Mon espace »: a GET shows the choice and acts on nothing (mail clients open links ahead),
the POST of the person logged in acts; anyone else's offer answers 404."""

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from enrollment.models import Offer, Registration, RegistrationStatus
from tests.factories import UserFactory

from .test_offers import MINUTE, SEVEN_DAYS_BEFORE, free_the_place, offer_of, webinar  # noqa: F401

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


@pytest.fixture
def offered(webinar, django_capture_on_commit_callbacks):  # noqa: F811
    session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    return offer_of(anne), anne, bruno


def status(registration):
    return Registration.objects.get(pk=registration.pk).status


def text(response) -> str:
    return html.unescape(response.content.decode())


def at(moment):
    return time_machine.travel(moment, tick=False)


DURING = SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)


def test_the_email_s_link_shows_the_choice_and_acts_on_nothing(client, offered):
    offer, anne, _bruno = offered
    url = reverse("enrollment:offer_accept", args=[offer.pk])
    with at(DURING):
        assert client.get(url).status_code == 302  # login first
        client.force_login(anne.user)
        page = text(client.get(url))
    assert "Cette place vous est réservée jusqu'au dimanche 28 mars 2027 à 10" in page
    assert "csrfmiddlewaretoken" in page
    assert status(anne) == Status.OFFERED


def test_accepting_from_the_page(client, offered):
    offer, anne, bruno = offered
    with at(DURING):
        client.force_login(anne.user)
        response = client.post(reverse("enrollment:offer_accept", args=[offer.pk]), follow=True)
    assert "votre inscription est confirmée" in text(response)
    assert status(anne) == Status.CONFIRMED
    assert status(bruno) == Status.WAITLISTED


def test_declining_from_the_page(client, offered):
    offer, anne, bruno = offered
    with at(DURING):
        client.force_login(anne.user)
        response = client.post(reverse("enrollment:offer_decline", args=[offer.pk]), follow=True)
    assert "vous n'êtes plus disponible" in text(response)
    assert (status(anne), status(bruno)) == (Status.CANCELLED, Status.OFFERED)


def test_an_ended_offer_says_so(client, offered):
    offer, anne, _bruno = offered
    with at(offer.expires_at):
        client.force_login(anne.user)
        page = text(client.get(reverse("enrollment:offer_accept", args=[offer.pk])))
        assert "Cette proposition de place est close" in page
        response = client.post(reverse("enrollment:offer_accept", args=[offer.pk]), follow=True)
    assert "Le délai pour accepter cette place est dépassé" in text(response)
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.EXPIRED


def test_someone_else_s_offer_answers_404(client, offered):
    offer, anne, bruno = offered
    for someone in (bruno.user, UserFactory(is_staff=True)):
        client.force_login(someone)  # the real clock: the offer is still in the future
        for name in ("enrollment:offer_accept", "enrollment:offer_decline"):
            url = reverse(name, args=[offer.pk])
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404
    assert status(anne) == Status.OFFERED


def test_mon_espace_shows_the_offer_with_its_end_and_both_answers(client, offered):
    offer, anne, _bruno = offered
    with at(DURING):
        client.force_login(anne.user)
        page = text(client.get(reverse("enrollment:my_space")))
    assert "Une place s'est libérée pour vous" in page
    assert "jusqu'au dimanche 28 mars 2027 à 10" in page
    assert reverse("enrollment:offer_accept", args=[offer.pk]) in page
    assert reverse("enrollment:offer_decline", args=[offer.pk]) in page
    assert "Place proposée" in page
    assert reverse("enrollment:cancel", args=[offer.registration_id]) not in page
    with at(offer.expires_at):
        client.force_login(anne.user)
        page = text(client.get(reverse("enrollment:my_space")))
    assert "Une place s'est libérée pour vous" not in page
