"""Small things of the public pages and the admin: the FAQ answers the CPF question once and
its addresses are links; every page describes itself (`<meta name="description">`); the admin
shows the site's favicon."""

import html
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from catalog.models import ActionKind, FaqEntry
from tests.factories import FaqEntryFactory, session_of

pytestmark = pytest.mark.django_db
FAQ = reverse("catalog:faq")
META = re.compile(r'<meta name="description" content="([^"]*)">')


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- the FAQ -----------------------------------------------------------------------------------


def test_the_faq_answers_the_cpf_question_once(client):
    FaqEntryFactory(
        category=FaqEntry.Category.FUNDING,
        question="Puis-je utiliser mon CPF ?",
        answer="Non : les actions de ParcoursPro ne sont pas éligibles au CPF.",
    )
    body = html.unescape(body_of(client.get(FAQ)))
    assert body.count("éligibles au CPF") == 1
    assert "Financement et CPF" not in body


def test_without_a_cpf_entry_the_faq_still_says_it(client):
    """R12: the FAQ page says the actions are not CPF-eligible, whatever staff wrote."""
    FaqEntryFactory(question="Comment adhérer ?", answer="Par la cotisation annuelle.")
    body = html.unescape(body_of(client.get(FAQ)))
    assert body.count("éligibles au CPF") == 1
    assert "Financement et CPF" in body


def test_addresses_in_the_faq_are_links_and_the_rest_stays_text(client):
    FaqEntryFactory(
        question="Comment adhérer ?",
        answer=(
            "Écrivez à adhesion@cap-metiers.pro.\n\nLa plateforme "
            "(https://e-parcourspro.cap-metiers.pro) vous attend. "
            '<a href="javascript:alert(1)">clic</a> <script>alert(2)</script>'
        ),
    )
    body = body_of(client.get(FAQ))
    assert '<a href="mailto:adhesion@cap-metiers.pro">adhesion@cap-metiers.pro</a>.' in body
    assert re.search(
        r'\(<a href="https://e-parcourspro.cap-metiers.pro"[^>]*>'
        r"https://e-parcourspro.cap-metiers.pro</a>\)",
        body,
    )
    assert "<p>Écrivez à" in body  # paragraphs kept
    assert 'href="javascript:' not in body
    assert "<script>alert(2)" not in body and "&lt;script&gt;alert(2)" in body


# --- <meta name="description"> -----------------------------------------------------------------


def test_every_page_describes_itself(client):
    session = session_of(ActionKind.WEBINAR)
    session.action.summary = "Un webinaire pour <em>découvrir</em> le conseil en évolution."
    session.action.save()
    pages = {
        "home": reverse("catalog:home"),
        "catalogue": reverse("catalog:catalogue"),
        "action": session.action.get_absolute_url(),
        "faq": FAQ,
        "login": reverse("account_login"),
    }
    descriptions = {}
    for name, url in pages.items():
        [description] = META.findall(body_of(client.get(url)))
        descriptions[name] = html.unescape(description)
        assert 50 <= len(descriptions[name]) <= 200, (name, descriptions[name])
    default = descriptions.pop("login")
    assert "Nouvelle-Aquitaine" in default
    assert default not in descriptions.values()  # each of the four pages has its own
    assert len(set(descriptions.values())) == 4
    assert descriptions["action"] == (
        "Webinaire — Un webinaire pour découvrir le conseil en évolution."
    )


# --- the favicon -------------------------------------------------------------------------------


def test_the_admin_shows_the_sites_favicon(admin_client, client):
    assert finders.find("img/favicon.svg")
    icon = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
    assert icon in body_of(admin_client.get(reverse("admin:index")))
    assert icon in body_of(admin_client.get(reverse("admin:catalog_session_changelist")))
    assert icon in body_of(client.get(reverse("catalog:home")))
