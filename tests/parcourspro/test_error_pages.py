"""Error pages in French, in the site's layout, each saying what to do next: a wrong address
(404), a refused permission (403), an expired form (CSRF), a server error (500); and a
database that cannot be reached answers 503 « service momentanément indisponible »."""

import html
import sys

import pytest
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.db.utils import ConnectionHandler
from django.template import loader
from django.test import Client
from django.urls import reverse

from parcourspro import urls, views
from tests.factories import UserFactory
from web.errors import DATABASE_RETRY_AFTER, is_database_unreachable
from web.middleware import LockConflictMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    """Django shows its technical pages when DEBUG is on: the site's ones are for DEBUG off."""
    settings.DEBUG = False


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def in_the_sites_layout(page: str) -> bool:
    return '<html lang="fr">' in page and 'class="site-header"' in page and "site-footer" in page


@pytest.fixture
def refused():
    """A real error of a database that is not there: PostgreSQL asked on a closed port."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "parcourspro",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    with pytest.raises(OperationalError) as caught:
        handler["default"].ensure_connection()
    handler.close_all()
    return caught.value


# --- 404, 403, CSRF --------------------------------------------------------------------------


def test_a_wrong_address_answers_a_french_404_with_what_to_do(client):
    response = client.get("/catalogue/une-action-qui-n-existe-pas/")
    page = text_of(response)
    assert response.status_code == 404
    assert in_the_sites_layout(page)
    assert "<h1>Page introuvable</h1>" in page
    assert "Not Found" not in page
    assert f'action="{reverse("catalog:catalogue")}"' in page  # search the catalogue
    assert f'href="{reverse("catalog:faq")}"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_refused_permission_answers_a_french_403_with_what_to_do(client):
    """A staff member without the permission to read requests exports them: refused."""
    user = UserFactory(is_staff=True, email="stagiaire@example.test")
    client.force_login(user)
    response = client.get(reverse("admin:enrollment_registration_export_csv"))
    page = text_of(response)
    assert response.status_code == 403
    assert in_the_sites_layout(page)
    assert "<h1>Accès refusé</h1>" in page
    assert "stagiaire@example.test" in page
    assert "connectez-vous avec celui qui a accès" in page
    assert "Forbidden" not in page


def test_an_expired_form_is_explained_in_french(client, settings):
    assert settings.CSRF_FAILURE_VIEW == "parcourspro.views.csrf_failure"
    browser = Client(enforce_csrf_checks=True)
    login = reverse("account_login")
    response = browser.post(
        login,
        {"login": "a@example.test", "password": "x"},
        HTTP_REFERER=f"http://testserver{login}",
    )
    page = text_of(response)
    assert response.status_code == 403
    assert in_the_sites_layout(page)
    assert "<h1>Formulaire expiré</h1>" in page
    assert "Rien n'a été enregistré." in page
    assert f'<a href="http://testserver{login}">Revenez à la page du formulaire</a>' in page
    assert "CSRF" not in page and "Forbidden" not in page


def test_the_csrf_page_links_back_only_to_this_site(client):
    response = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), HTTP_REFERER="https://ailleurs.example/piege"
    )
    assert response.status_code == 403
    assert "ailleurs.example" not in text_of(response)


# --- 400: refused before any view -------------------------------------------------------------


def test_a_bad_host_answers_a_french_400(client, settings):
    settings.SITE_URL = "https://parcourspro.example"
    response = client.get(reverse("catalog:home"), HTTP_HOST="evil.example")
    page = text_of(response)
    assert response.status_code == 400
    assert in_the_sites_layout(page)
    assert "<h1>Demande incorrecte</h1>" in page
    assert "n'est pas celle de ParcoursPro" in page
    assert 'href="https://parcourspro.example/"' in page
    assert "Bad Request" not in page and "evil.example" not in page


def test_ten_thousand_and_one_form_fields_answer_a_french_400(client):
    fields = {f"champ{i}": "x" for i in range(10_001)}
    response = client.post(reverse("account_login"), fields)
    page = text_of(response)
    assert response.status_code == 400
    assert in_the_sites_layout(page)
    assert "<h1>Demande incorrecte</h1>" in page
    assert "Le formulaire envoyé est trop volumineux" in page
    assert "Bad Request" not in page


def test_a_body_too_big_answers_a_french_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("account_login"), {"login": "x" * 5000, "password": "y"})
    assert response.status_code == 400
    assert "Le formulaire envoyé est trop volumineux" in text_of(response)


@pytest.mark.parametrize("error", [SuspiciousOperation("falsifié"), BadRequest("mal formé")])
def test_any_other_refused_request_answers_a_french_400(rf, error):
    """Whatever SuspiciousOperation or BadRequest: the handler, with nothing of the request."""
    assert urls.handler400 == "parcourspro.views.bad_request"
    response = views.bad_request(rf.get("/", HTTP_HOST="evil.example"), error)
    page = text_of(response)
    assert response.status_code == 400
    assert "<h1>Demande incorrecte</h1>" in page
    assert "ne respecte pas le format attendu" in page


# --- 500 -------------------------------------------------------------------------------------


def test_a_server_error_answers_a_french_500_with_what_to_do(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("web.catalog.views.selectors.faq_by_category", broken)
    client.raise_request_exception = False
    response = client.get(reverse("catalog:faq"))
    page = text_of(response)
    assert response.status_code == 500
    assert in_the_sites_layout(page)
    assert "<h1>Une erreur est survenue de notre côté</h1>" in page
    assert "Réessayez dans quelques minutes" in page
    assert 'href="/static/css/site.css"' in page
    assert "Server Error" not in page


def test_the_500_page_needs_no_request_nor_context():
    """Rendered with nothing at all (Django's own server_error does so), it still says what
    to do next; no {% url %} nor {% static %} that could fail in a broken state."""
    page = html.unescape(loader.get_template("500.html").render({}))
    assert "<h1>Une erreur est survenue de notre côté</h1>" in page
    assert "Que faire ?" in page
    assert 'href="/static/css/site.css"' in page


# --- a database outage: 503 ------------------------------------------------------------------


def test_a_refused_connection_is_an_outage(refused):
    assert "refused" in str(refused).lower() or "failed" in str(refused).lower()
    assert is_database_unreachable(refused)
    assert is_database_unreachable(InterfaceError("connection already closed"))


def test_a_failing_statement_is_not_an_outage():
    """A missing table is a bug (500), not an outage: a real SQLite error says so."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )
    with pytest.raises(OperationalError) as caught, handler["default"].cursor() as cursor:
        cursor.execute("SELECT * FROM nowhere")
    handler.close_all()
    assert not is_database_unreachable(caught.value)
    assert not is_database_unreachable(RuntimeError("connection refused"))
    assert not is_database_unreachable(None)


def test_the_middleware_answers_503_when_the_database_cannot_be_reached(rf, refused):
    request = rf.get("/mon-espace/")
    response = LockConflictMiddleware(lambda request: None).process_exception(request, refused)
    page = html.unescape(response.content.decode())
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER)
    assert "<h1>Service momentanément indisponible</h1>" in page
    assert "Patientez quelques instants, puis rechargez la page." in page
    assert in_the_sites_layout(page)


def test_a_page_meeting_an_outage_answers_503_not_500(client, monkeypatch, refused):
    def unreachable(*args, **kwargs):
        raise refused

    monkeypatch.setattr("web.catalog.views.selectors.faq_by_category", unreachable)
    client.raise_request_exception = False
    response = client.get(reverse("catalog:faq"))
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER)
    assert "Service momentanément indisponible" in text_of(response)


def test_an_outage_outside_the_views_also_answers_503(rf, refused):
    """A session saved after the view, a middleware's read: Django calls handler500 while
    handling the exception, which answers 503 for an outage and 500 for anything else."""
    request = rf.get("/")
    try:
        raise refused
    except OperationalError:
        assert sys.exc_info()[1] is refused
        response = views.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        assert views.server_error(request).status_code == 500
