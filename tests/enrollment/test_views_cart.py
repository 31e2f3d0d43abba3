"""The cart pages: « Ajouter au panier », the cart, « Valider mon panier », its confirmation."""

import datetime as dt
import uuid
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import selectors, services
from enrollment.models import CartItem, Registration, RegistrationStatus
from tests.factories import (
    JobSeekerFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    contact_of,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def add_url(session):
    return reverse("enrollment:cart_add", args=[session.pk])


def submit_data(user, sessions, **overrides):
    data = {**contact_of(user)}
    for session in sessions:
        data[f"motivations_{session.pk}"] = "Je souhaite approfondir ma pratique."
    data.update(overrides)
    return data


# --- « Ajouter au panier » --------------------------------------------------------------------


def test_anonymous_add_goes_to_login_and_back_to_the_action_page(client):
    session = session_of(ActionKind.TRAINING)
    response = client.post(add_url(session))
    action_url = session.action.get_absolute_url()
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert f"next={action_url}" in response.url.replace("%2F", "/")
    assert not CartItem.objects.exists()
    login_page = client.get(response.url).content.decode()
    assert "la session choisie sera ajoutée à votre panier" in login_page


def test_add_get_is_not_allowed(client, employee):
    client.force_login(employee)
    assert client.get(add_url(session_of())).status_code == 405


def test_add_puts_the_session_in_the_cart_and_goes_back_to_the_action_page(client, employee):
    session = session_of(ActionKind.TRAINING)
    client.force_login(employee)
    response = client.post(add_url(session))
    assert response.status_code == 302
    assert response.url == f"{session.action.get_absolute_url()}#session-{session.pk}"
    assert messages_of(response) == ["Session ajoutée à votre panier."]
    assert CartItem.objects.filter(cart__user=employee, session=session).count() == 1


def test_add_follows_a_safe_next_only(client, employee):
    client.force_login(employee)
    response = client.post(add_url(session_of()), {"next": "/catalogue/?q=emploi"})
    assert response.url == "/catalogue/?q=emploi"
    session = session_of()
    response = client.post(add_url(session), {"next": "https://evil.example/"})
    assert response.url.startswith(session.action.get_absolute_url())


def test_q4_refused_add_shows_the_rule_and_adds_nothing(client):
    job_seeker = JobSeekerFactory()
    session = session_of(ActionKind.TRAINING)
    client.force_login(job_seeker)
    response = client.post(add_url(session), {"next": "/panier/"})
    assert response.url == f"{session.action.get_absolute_url()}#session-{session.pk}"
    [message] = messages_of(response)
    assert "demandeurs d'emploi" in message
    assert not CartItem.objects.exists()


def test_add_to_a_closed_session_is_refused(client, employee):
    session = session_of(ActionKind.WEBINAR, days=1)
    session.registration_deadline = timezone.now() - dt.timedelta(hours=1)
    session.save()
    client.force_login(employee)
    response = client.post(add_url(session))
    assert "closes" in messages_of(response)[0]
    assert not CartItem.objects.exists()


def test_add_unknown_session_is_404(client, employee):
    client.force_login(employee)
    assert client.post(reverse("enrollment:cart_add", args=[999999])).status_code == 404


def test_remove_takes_the_session_out_of_the_cart(client, employee):
    session, other = session_of(), session_of()
    services.add_to_cart(employee, session)
    services.add_to_cart(employee, other)
    client.force_login(employee)
    response = client.post(reverse("enrollment:cart_remove", args=[session.pk]))
    assert response.url == reverse("enrollment:cart")
    assert "retirée de votre panier" in messages_of(response)[0]
    assert list(CartItem.objects.values_list("session_id", flat=True)) == [other.pk]


def test_anonymous_remove_goes_to_login(client):
    response = client.post(reverse("enrollment:cart_remove", args=[session_of().pk]))
    assert response.url.startswith(reverse("account_login"))


# --- the cart page ----------------------------------------------------------------------------


def test_cart_needs_login(client):
    response = client.get(reverse("enrollment:cart"))
    assert response.url.startswith(reverse("account_login"))


def test_empty_cart_links_to_the_catalogue(client, employee):
    client.force_login(employee)
    response = client.get(reverse("enrollment:cart"))
    body = response.content.decode()
    assert "Votre panier est vide" in body
    assert reverse("catalog:catalogue") in body
    assert "Valider mon panier" not in body


def test_cart_lists_items_with_places_warning_and_prefilled_form(client, employee):
    soon = session_of(ActionKind.TRAINING, days=10, capacity=5)
    later = session_of(ActionKind.WEBINAR, days=10)
    RegistrationFactory(session=soon, status=Status.CONFIRMED)
    services.add_to_cart(employee, soon)
    services.add_to_cart(employee, later)
    client.force_login(employee)
    response = client.get(reverse("enrollment:cart"))
    body = response.content.decode()
    assert response.status_code == 200
    assert soon.action.title in body and later.action.title in body
    assert "Action de formation" in body and "Webinaire" in body
    assert "4 places restantes" in body
    assert "Cap Métiers, Pessac" in body
    # Only the member-only session under 3 weeks carries the lead-time warning.
    assert body.count("moins de 3 semaines") == 1
    assert f'value="{employee.email}"' in body
    assert f'value="{employee.first_name}"' in body
    assert f'name="motivations_{soon.pk}"' in body
    assert f"Vos motivations et attentes pour «\u00a0{soon.action.title}\u00a0»" in body
    assert body.count("<fieldset") == 3
    assert reverse("enrollment:cart_remove", args=[soon.pk]) in body
    assert "Valider mon panier" in body


# --- « Valider mon panier » -------------------------------------------------------------------


def test_submit_creates_registrations_and_shows_what_happens_next(
    client, employee, django_capture_on_commit_callbacks
):
    training = session_of(ActionKind.TRAINING)
    webinar = session_of(ActionKind.WEBINAR)
    full = session_of(ActionKind.CONFERENCE, capacity=1)
    RegistrationFactory(session=full, status=Status.CONFIRMED)
    for session in (training, webinar, full):
        services.add_to_cart(employee, session)
    client.force_login(employee)
    data = submit_data(employee, [training, webinar, full], phone="06 11 22 33 44")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrollment:cart"), data)
    registrations = Registration.objects.filter(user=employee)
    assert registrations.count() == 3
    submission = registrations[0].submission
    assert response.url == reverse("enrollment:cart_done", args=[submission])
    assert {r.phone for r in registrations} == {"06 11 22 33 44"}
    assert not CartItem.objects.exists()

    body = client.get(response.url).content.decode()
    assert "En attente de la validation de votre employeur" in body
    assert "Confirmée" in body
    assert "En liste d'attente — position 1" in body


def test_confirmation_says_pending_provider_for_an_independent(client):
    from employers.models import Membership, Structure
    from tests.factories import StructureFactory

    structure = StructureFactory(kind=Structure.Kind.INDEPENDENT)
    year = timezone.localdate().year
    for y in (year, year + 1):
        Membership.objects.create(structure=structure, year=y, formula="base")
    independent = UserFactory(employment_status="independent", structure=structure)
    structure.approvers.add(independent)
    [registration] = register(independent, session_of(ActionKind.PRACTICE_WORKSHOP))
    client.force_login(independent)
    body = client.get(reverse("enrollment:cart_done", args=[registration.submission])).content
    assert "En attente du prestataire" in body.decode()


def test_confirmation_of_someone_else_is_404(client, employee):
    [registration] = register(employee, session_of(ActionKind.WEBINAR))
    client.force_login(UserFactory())
    url = reverse("enrollment:cart_done", args=[registration.submission])
    assert client.get(url).status_code == 404
    assert client.get(reverse("enrollment:cart_done", args=[uuid.uuid4()])).status_code == 404


def test_submit_without_motivations_keeps_data_and_creates_nothing(client, employee):
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = submit_data(employee, [session], **{f"motivations_{session.pk}": "  "}, phone="")
    response = client.post(reverse("enrollment:cart"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body
    assert "Décrivez vos motivations et vos attentes" in body
    assert "Indiquez un numéro de téléphone" in body
    assert f'value="{employee.email}"' in body
    assert f'aria-describedby="id_motivations_{session.pk}_error id_motivations_' in body
    assert not Registration.objects.exists()
    assert CartItem.objects.count() == 1


def test_q3_refused_cart_shows_each_items_rule_and_creates_nothing(client):
    outsider = UserFactory()  # structure without membership
    training = session_of(ActionKind.TRAINING)
    webinar = session_of(ActionKind.WEBINAR)
    services.add_to_cart(outsider, training)
    services.add_to_cart(outsider, webinar)
    client.force_login(outsider)
    data = submit_data(
        outsider, [training, webinar], **{f"motivations_{webinar.pk}": "Mes attentes précises"}
    )
    response = client.post(reverse("enrollment:cart"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body
    assert "Votre panier n&#x27;a pas été validé" in body
    assert "n&#x27;est pas adhérente" in body
    assert f'href="#item-{training.pk}"' in body
    assert f'id="refusal-{training.pk}"' in body
    assert f'id="refusal-{webinar.pk}"' not in body
    assert "Mes attentes précises" in body  # the form keeps what was typed
    assert not Registration.objects.exists()
    assert CartItem.objects.count() == 2


def test_double_submission_creates_nothing_twice(client, employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = submit_data(employee, [session])
    first = client.post(reverse("enrollment:cart"), data)
    second = client.post(reverse("enrollment:cart"), data)
    assert first.url.startswith("/panier/confirmation/")
    assert second.status_code == 302
    assert second.url == reverse("enrollment:my_space")
    assert "déjà été validé" in messages_of(second)[0]
    assert Registration.objects.count() == 1


def test_empty_cart_found_by_the_service_redirects_to_my_space(client, employee, monkeypatch):
    """Two tabs: the cart was validated in the other one between the page read and the
    service's lock."""
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    real_submit = services.submit_cart

    def submitted_elsewhere(user, **kwargs):
        real_submit(user, **kwargs)
        return real_submit(user, **kwargs)

    monkeypatch.setattr(services, "submit_cart", submitted_elsewhere)
    response = client.post(reverse("enrollment:cart"), submit_data(employee, [session]))
    assert response.url == reverse("enrollment:my_space")
    assert Registration.objects.count() == 1


def test_cart_page_query_count_is_bounded(client, employee, django_assert_max_num_queries):
    for _ in range(8):
        services.add_to_cart(employee, session_of(ActionKind.TRAINING))
    client.force_login(employee)
    # The warnings before validation read the colleagues' places and the quota once each.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("enrollment:cart")).status_code == 200


def test_two_sessions_of_one_action_get_distinct_labels(client, employee):
    first = session_of(ActionKind.WEBINAR, days=30)
    second = session_of(ActionKind.WEBINAR, days=60)
    second.action = first.action
    second.save()
    services.add_to_cart(employee, first)
    services.add_to_cart(employee, second)
    client.force_login(employee)
    body = client.get(reverse("enrollment:cart")).content.decode()
    label = f"Vos motivations et attentes pour «\u00a0{first.action.title}, session du"
    assert body.count(label) == 2


def test_the_cart_page_needs_nothing_its_statement_left_unread(client):
    """The cart's statement reads what the page, its form and its warnings use of each item
    (`selectors.CART_FACTS`): a remote session, one with a department, two sessions of one
    action (told apart by their dates), one whose registrations closed since it was added —
    the page runs the queries of a one-item cart."""
    user = UserFactory()
    client.force_login(user)
    url = reverse("enrollment:cart")
    remote = session_of(ActionKind.WEBINAR, format="remote", location="", department="")
    services.add_to_cart(user, remote)
    client.get(url)
    with CaptureQueriesContext(connection) as one_item:
        client.get(url)
    on_site = session_of(ActionKind.WEBINAR, days=50, location="Cap Métiers")
    again = SessionFactory(action=on_site.action, starts_at=timezone.now() + dt.timedelta(days=60))
    closing = session_of(ActionKind.CONFERENCE, days=70)
    for session in (on_site, again, closing):
        services.add_to_cart(user, session)
    closing.registration_deadline = timezone.now() - dt.timedelta(hours=1)
    closing.save()
    with CaptureQueriesContext(connection) as four_items:
        html = client.get(url).content.decode()
    assert len(four_items) == len(one_item)
    assert html.count('class="card cart-item') == 4
    assert "<li>À distance</li>" in unescape(html)
    assert "<li>Cap Métiers — 33 — Gironde</li>" in unescape(html)
    assert "session du" in html  # two sessions of one action, told apart
    assert "Inscriptions closes" in html
    in_cart = [remote, on_site, again, closing]
    assert [s.pk for s in selectors.cart_sessions(user)] == [s.pk for s in in_cart]
