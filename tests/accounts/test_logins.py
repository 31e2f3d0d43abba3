"""Logins stay secure and are spent sparingly (issue 26, item 3): passwords hashed with
Argon2id at least as strong as OWASP's recommendation, PBKDF2 hashes upgraded at the next
login, « Rester connecté·e » with its lifetime said next to the box, and no second login
between the catalogue and the cart."""

import re
from html import unescape

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from catalog.models import ActionKind
from enrollment.models import CartItem, Registration
from parcourspro import settings as project_settings
from tests.factories import DEMO_PASSWORD, MemberEmployeeFactory, UserFactory, session_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
DAY = 24 * 3600


@pytest.fixture
def project_hashers(settings):
    """The project's hashers, not the suite's fast one (tests/conftest.py)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_passwords_are_hashed_with_argon2id_at_least_as_strong_as_owasp(project_hashers):
    """OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane."""
    hasher = get_hasher()
    assert hasher.algorithm == "argon2"
    encoded = make_password("Un-mot-de-passe-solide-2024")
    assert encoded.startswith("argon2$argon2id$")
    params = hasher.params()
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.memory_cost * params.time_cost >= 19 * 1024 * 2 * 1_000_000 / 600_000


def test_an_existing_pbkdf2_hash_still_logs_in_and_is_upgraded(client, project_hashers):
    """Django's PBKDF2 (its default until now) stays after Argon2id: the account logs in with
    its old hash, which is replaced by an Argon2id one."""
    user = UserFactory()
    user.password = make_password(DEMO_PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(LOGIN, {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


def test_the_login_form_offers_to_stay_logged_in_for_the_stated_lifetime(client, settings):
    settings.SESSION_COOKIE_AGE = 30 * DAY
    html = unescape(client.get(LOGIN).content.decode())
    box = re.search(r'<input type="checkbox" name="remember"[^>]*>', html).group(0)
    assert 'aria-describedby="id_remember_helptext"' in box
    assert re.search(r'<label for="id_remember">\s*Rester connecté·e\s*</label>', html)
    helptext = re.search(r'id="id_remember_helptext">(.*?)</div>', html, re.S).group(1)
    assert "gardée 30 jours sur cet appareil" in helptext
    assert "fin à la fermeture du navigateur" in helptext
    # Next to the box: the box, its label, then the lifetime.
    assert html.index(box) < html.index('<label for="id_remember">') < html.index(helptext)
    settings.SESSION_COOKIE_AGE = 7 * DAY
    assert "gardée 7 jours" in client.get(LOGIN).content.decode()


def test_ticked_the_session_lasts_the_stated_lifetime(client, settings):
    settings.SESSION_COOKIE_AGE = 30 * DAY
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": DEMO_PASSWORD, "remember": "on"})
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 30 * DAY
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * DAY


def test_not_ticked_the_session_ends_with_the_browser(client, settings):
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": DEMO_PASSWORD})
    assert client.session.get_expire_at_browser_close()
    assert not client.cookies[settings.SESSION_COOKIE_NAME]["max-age"]


def test_one_login_from_the_catalogue_to_the_validated_cart(client, member_structure):
    """« Ajouter au panier » logged out asks for the login once; it leads back to the action
    page with the session in the cart, and neither the cart, its validation nor « Mon
    espace » asks again."""
    employee = MemberEmployeeFactory(structure=member_structure)
    session = session_of(ActionKind.TRAINING)
    action_page = f"{session.action.get_absolute_url()}#session-{session.pk}"

    response = client.post(reverse("enrollment:cart_add", args=[session.pk]))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    login_page = client.get(response.url)
    assert 'name="remember"' in login_page.content.decode()
    response = client.post(
        response.url,
        {"login": employee.email, "password": DEMO_PASSWORD, "remember": "on", "next": action_page},
    )
    assert response.status_code == 302 and response.url == action_page
    assert list(CartItem.objects.filter(cart__user=employee).values_list("session", flat=True)) == [
        session.pk
    ]
    assert client.get(session.action.get_absolute_url()).status_code == 200

    cart = client.get(reverse("enrollment:cart"))
    assert cart.status_code == 200
    response = client.post(
        reverse("enrollment:cart"),
        {
            "first_name": employee.first_name,
            "last_name": employee.last_name,
            "email": employee.email,
            "phone": "0556000000",
            "job_title": "Conseillère",
            f"motivations_{session.pk}": "Approfondir ma pratique.",
        },
    )
    assert response.status_code == 302
    assert response.url.startswith("/panier/confirmation/")
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("enrollment:my_space")).status_code == 200
    assert Registration.objects.filter(user=employee, session=session).count() == 1


def test_argon2_is_in_what_production_installs():
    """Django's Argon2 hasher needs argon2-cffi, which the image installs from the lock."""
    lock = (project_settings.BASE_DIR / "requirements.lock").read_text().splitlines()
    assert any(line.startswith("argon2-cffi==") for line in lock)


def test_a_login_finds_its_account_by_the_case_insensitive_unique_index(client):
    """The account of a login is found whatever the case of the address, by the index that
    makes addresses unique whatever their case (one row read, not every account)."""
    user = UserFactory(email="camille.durand@example.test")
    UserFactory.create_batch(3)
    assert User.objects.get_by_natural_key("Camille.DURAND@Example.test") == user
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("camille.durand@example.tes")
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as queries:
            User.objects.get_by_natural_key("Camille.DURAND@Example.test")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {queries[-1]['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "user_email_unique_ci" in plan
    login = {"login": "CAMILLE.Durand@example.test", "password": DEMO_PASSWORD}
    response = client.post(LOGIN, login)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
