"""The login tutorial the FAQ's Q13 promises (issue 24, item 5): a French page at a stable
address, linked from the convocation of every tutored self-training, from « Mon espace »,
from the FAQ's Q13, and sent by email when the enrolment is done (tests/elearning/
test_access.py)."""

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import FaqEntry
from common.typography import spaced
from enrollment import services as enrollment
from mailing.models import Email
from tests.factories import (
    FaqEntryFactory,
    MemberEmployeeFactory,
    UserFactory,
    awaiting_provider,
    session_of,
    tutored_session,
)

pytestmark = pytest.mark.django_db
TUTORIAL = "/e-parcourspro/premiere-connexion/"


def page(client):
    answer = client.get(TUTORIAL)
    assert answer.status_code == 200
    return html.unescape(answer.content.decode())


def test_the_tutorial_is_at_a_stable_address_open_to_everyone(client):
    assert reverse("elearning:first_login") == TUTORIAL
    body = page(client)
    assert "<title>Première connexion à e-ParcoursPro" in body


def test_the_tutorial_says_what_same_credentials_means_step_by_step(client, settings):
    settings.E_PARCOURSPRO_ACCESS_DAYS = 30
    body = page(client)
    for said in (
        "«\u00a0Mêmes identifiants\u00a0»\u00a0: ce que cela veut dire",
        "l'adresse électronique de votre compte ParcoursPro",
        "jamais dans le formulaire «\u00a0Nom d'utilisateur\u00a0» / "
        "«\u00a0Mot de passe\u00a0» d'e-ParcoursPro",
        "«\u00a0ParcoursPro (mêmes identifiants)\u00a0»",
        "jusqu'à 30 jours après le dernier",
        "Après un changement de mot de passe",
        "Après un changement d'adresse électronique",
        "Un problème\u00a0? Qui appeler",
        settings.PROGRAMME_CONTACT_EMAIL,
        spaced(settings.PROGRAMME_CONTACT_PHONE),
        settings.PROGRAMME_CONTACT_HOURS,
    ):
        assert said in body, said
    assert f'href="{settings.E_PARCOURSPRO_URL}"' in body
    assert f'href="{reverse("account_reset_password")}"' in body
    assert f'href="{reverse("accounts:profile")}"' in body
    assert re.search(r"<ol[^>]*>\s*<li>", body)


def test_the_tutorial_is_accessible_headings_in_order_and_landmarks(client):
    body = page(client)
    assert body.count("<h1") == 1
    levels = [int(level) for level in re.findall(r"<h([1-6])", body)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    for landmark in ('<header class="site-header" role="banner">', '<main id="contenu"', "<footer"):
        assert landmark in body
    # Every section is named by its heading.
    for section in re.findall(r'<section aria-labelledby="([^"]+)"', body):
        assert f'id="{section}"' in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body


def test_my_space_links_the_tutorial_beside_the_course(client, settings):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    registration = awaiting_provider(tutored_session())
    enrollment.confirm(registration, by=UserFactory(is_staff=True))
    client.force_login(registration.user)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert f'href="{TUTORIAL}"' in body


def test_my_space_does_not_link_it_for_other_actions(client):
    user = MemberEmployeeFactory()
    awaiting_provider(session_of("training"), user)
    client.force_login(user)
    assert TUTORIAL not in client.get(reverse("enrollment:my_space")).content.decode()


def test_the_convocation_of_a_tutored_self_training_links_the_tutorial(
    settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    settings.SITE_URL = "https://parcourspro.example"
    registration = awaiting_provider(tutored_session())
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.confirm(registration, by=UserFactory(is_staff=True))
    [email] = Email.objects.filter(to=registration.user.email, template="provider_decision")
    url = f"https://parcourspro.example{TUTORIAL}"
    assert url in email.body_text
    assert f'href="{url}"' in email.body_html
    assert "«\u00a0ParcoursPro (mêmes identifiants)\u00a0»" in email.body_text


def test_the_faq_q13_links_the_tutorial(client):
    FaqEntryFactory(
        category=FaqEntry.Category.E_PARCOURSPRO,
        question="Comment accéder à e-ParcoursPro pour une autoformation\u00a0?",
        answer="Avec les mêmes identifiants\u00a0; un tuto de connexion vous sera adressé.",
    )
    body = client.get(reverse("catalog:faq")).content.decode()
    assert f'href="{TUTORIAL}"' in body


def test_the_seeded_q13_answers_with_the_tutorial(client, settings):
    call_command("seed_demo", stdout=StringIO())
    q13 = FaqEntry.objects.get(category=FaqEntry.Category.E_PARCOURSPRO)
    assert f"{settings.SITE_URL}{TUTORIAL}" in q13.answer
    assert "« ParcoursPro (mêmes identifiants) »" in q13.answer
