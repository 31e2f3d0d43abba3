"""The site's header and navigation (templates/jinja2/site_header.html, written into
base.html by `{% site_header %}`): what each person finds in it, and the one CSRF token of
the page."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from tests.factories import MemberEmployeeFactory, UserFactory, provider_user_of, session_of

pytestmark = pytest.mark.django_db


def header_of(client) -> str:
    html = unescape(client.get(reverse("catalog:faq")).content.decode())
    return re.search(r'<header class="site-header".*?</header>', html, re.S).group(0)


def links(header: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<li>(.*?)</li>", header, re.S)
    ]


def person(kind: str):
    if kind == "visitor":
        return None
    if kind == "approver":
        approver = MemberEmployeeFactory()
        approver.structure.approvers.add(approver)
        return approver
    if kind == "provider":
        return provider_user_of(session_of(ActionKind.WEBINAR))
    return UserFactory(is_staff=kind == "staff")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "visitor",
            [
                "Catalogue",
                "Panier 0(0 session dans le panier)",
                "Se connecter",
                "Créer un compte",
                "FAQ",
            ],
        ),
        (
            "professional",
            [
                "Catalogue",
                "Panier 0(0 session dans le panier)",
                "Mon espace",
                "Mon profil",
                "Se déconnecter",
                "FAQ",
            ],
        ),
        (
            "approver",
            [
                "Catalogue",
                "Panier 0(0 session dans le panier)",
                "Mon espace",
                "Espace employeur",
                "Mon profil",
                "Se déconnecter",
                "FAQ",
            ],
        ),
        (
            "provider",
            [
                "Catalogue",
                "Panier 0(0 session dans le panier)",
                "Mon espace",
                "Espace prestataire",
                "Mon profil",
                "Se déconnecter",
                "FAQ",
            ],
        ),
        (
            "staff",
            [
                "Catalogue",
                "Panier 0(0 session dans le panier)",
                "Mon espace",
                "Pilotage",
                "Administration",
                "Mon profil",
                "Se déconnecter",
                "FAQ",
            ],
        ),
    ],
)
def test_each_person_finds_their_spaces_in_the_header(kind, expected):
    client = Client()
    if (user := person(kind)) is not None:
        client.force_login(user)
    assert links(header_of(client)) == expected


def test_the_cart_count_is_said_in_words_singular_and_plural():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    services.add_to_cart(user, session_of(ActionKind.WEBINAR))
    assert "(1 session dans le panier)" in header_of(client)
    services.add_to_cart(user, session_of(ActionKind.WEBINAR, days=60))
    assert "(2 sessions dans le panier)" in header_of(client)


def test_the_header_logs_out_with_the_pages_own_csrf_token():
    """One masked token for the page's forms and the header's: Jinja2's `csrf_input` would
    mask another at each use."""
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2 and len(set(tokens)) == 1
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
