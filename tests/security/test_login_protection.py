"""Login, signup and password-reset protection; CSRF; security headers."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_five_failed_logins_lock_the_account_for_a_while(client):
    user = UserFactory(email="cible@example.test")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "mauvais"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD}
    )
    assert not response.wsgi_request.user.is_authenticated
    assert "Trop de tentatives" in response.content.decode()


def test_password_reset_requests_are_rate_limited(client):
    UserFactory(email="oubli@example.test")
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "oubli@example.test"}).status_code
        for _ in range(7)
    ]
    assert statuses == [302] * 5 + [429] * 2  # 5 a minute for one address


def test_signup_is_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [
        client.post(reverse("account_signup"), {"email": f"x{i}@example.test"}).status_code
        for i in range(5)
    ]
    assert 429 in statuses


@pytest.mark.parametrize(
    "url",
    [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("enrollment:cart"),
        reverse("enrollment:my_data"),
    ],
)
def test_posts_without_csrf_token_are_refused(url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.post(url, {}).status_code == 403


def test_pages_send_a_content_security_policy(client):
    response = client.get(reverse("catalog:catalogue"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
