"""« Ajouter au panier » before logging in keeps the choice (issue 13, item 10): after the
login, or the signup and the confirmation of the address, the session is in the cart — or
the rules' refusal is shown."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from catalog.models import ActionKind
from common.choices import EmploymentStatus
from enrollment.models import CartItem
from tests.factories import DEMO_PASSWORD, JobSeekerFactory, MemberEmployeeFactory, session_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
PASSWORD = "Un-mot-de-passe-solide-2024"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def add_url_on_page(client, session) -> str:
    """Where the action page's « Ajouter au panier » of `session` posts."""
    html = client.get(session.action.get_absolute_url()).content.decode()
    block = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S).group(0)
    return re.search(r'<form method="post" action="([^"]+)"', block).group(1)


def add_then_login(client, session, user):
    """Click « Ajouter au panier » logged out, then log in from the page it leads to."""
    response = client.post(add_url_on_page(client, session))
    login_url = response.url
    assert login_url.startswith(LOGIN)
    next_url = re.search(r"next=([^&]+)", login_url).group(1).replace("%2F", "/")
    next_url = next_url.replace("%23", "#")
    return client.post(
        login_url, {"login": user.email, "password": DEMO_PASSWORD, "next": next_url}
    )


def in_cart(user):
    return list(CartItem.objects.filter(cart__user=user).values_list("session_id", flat=True))


def test_after_login_the_session_is_in_the_cart_and_said_next_to_it(client):
    employee = verified(MemberEmployeeFactory())
    session = session_of(ActionKind.TRAINING)
    response = add_then_login(client, session, employee)
    assert response.status_code == 302
    assert response.url == f"{session.action.get_absolute_url()}#session-{session.pk}"
    assert in_cart(employee) == [session.pk]
    html = client.get(response.url).content.decode()
    block = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S).group(0)
    assert "Session ajoutée à votre panier" in block and session.action.title in block
    assert "Dans votre panier" in block


def test_the_visitor_s_page_is_cacheable_and_its_button_needs_no_token():
    """A visitor's action page holds no CSRF token (it is the same for every visitor, kept
    whole in the cache); its button only remembers the choice, so it is accepted without a
    token, and a logged-in person's post to it changes nothing."""
    session = session_of(ActionKind.TRAINING)
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(session.action.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" not in html
    response = visitor.post(add_url_on_page(visitor, session))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    employee = verified(MemberEmployeeFactory())
    person = Client(enforce_csrf_checks=True)
    person.force_login(employee)
    response = person.post(reverse("enrollment:cart_choose", args=[session.pk]))
    assert response.url == f"{session.action.get_absolute_url()}#session-{session.pk}"
    assert in_cart(employee) == []
    forged = person.post(reverse("enrollment:cart_add", args=[session.pk]))
    assert forged.status_code == 403 and in_cart(employee) == []


def test_a_refusal_of_the_rules_is_shown_and_nothing_is_added(client):
    job_seeker = verified(JobSeekerFactory())
    session = session_of(ActionKind.TRAINING)
    response = add_then_login(client, session, job_seeker)
    assert in_cart(job_seeker) == []
    html = client.get(response.url).content.decode()
    block = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S).group(0)
    error = re.search(r'<p class="message message-error">(.*?)</p>', block, re.S).group(1)
    assert "n'est pas ouverte aux demandeurs d'emploi" in unescape(error)


def test_the_choice_is_used_once(client):
    employee = verified(MemberEmployeeFactory())
    session = session_of(ActionKind.WEBINAR)
    add_then_login(client, session, employee)
    client.post(reverse("enrollment:cart_remove", args=[session.pk]))
    client.logout()
    client.post(LOGIN, {"login": employee.email, "password": DEMO_PASSWORD})
    assert in_cart(employee) == []


def test_a_session_gone_meanwhile_is_ignored(client):
    employee = verified(MemberEmployeeFactory())
    session = session_of(ActionKind.WEBINAR)
    client.post(reverse("enrollment:cart_add", args=[session.pk]))
    session.delete()
    response = client.post(LOGIN, {"login": employee.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert in_cart(employee) == []


def test_after_signup_and_confirmation_the_session_is_in_the_cart(
    client, django_capture_on_commit_callbacks
):
    session = session_of(ActionKind.WEBINAR)  # open to a job seeker, with no structure
    response = client.post(reverse("enrollment:cart_add", args=[session.pk]))
    login_page = client.get(response.url).content.decode()
    # « Créez votre compte » carries the way back.
    signup_url = re.search(r'href="(/accounts/signup/\?next=[^"]*)"', login_page).group(1)
    data = {
        "email": "nouvelle@example.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "Nina",
        "last_name": "Durand",
        "phone": "05 56 12 34 56",
        "job_title": "Conseillère",
        "employment_status": EmploymentStatus.JOB_SEEKER,
        "field_of_activity": "integration",
        "department": "33",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(signup_url.replace("&amp;", "&"), data)
    [message] = [m for m in mail.outbox if m.to == ["nouvelle@example.test"]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == f"{session.action.get_absolute_url()}#session-{session.pk}"
    user = EmailAddress.objects.get(email="nouvelle@example.test").user
    assert in_cart(user) == [session.pk]
