"""Cart drafts (R3, issue 13 item 5): what a person types in the cart is kept, per cart item,
through removals of other items, failed validations and later visits."""

import html

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import rules, services
from enrollment.models import CartItem, Registration
from tests.factories import UserFactory, contact_of, session_of

pytestmark = pytest.mark.django_db

CART = reverse("enrollment:cart")


def remove_url(session):
    return reverse("enrollment:cart_remove", args=[session.pk])


def draft_of(user, session) -> str:
    return CartItem.objects.get(cart__user=user, session=session).motivations_draft


def test_removing_an_item_keeps_what_was_typed_for_the_others(client, employee):
    """« Retirer du panier » posts the whole cart form: the other items' motivations are kept
    and shown again."""
    first, second = session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, first)
    services.add_to_cart(employee, second)
    client.force_login(employee)
    data = {
        **contact_of(employee),
        f"motivations_{first.pk}": "Pour la première.",
        f"motivations_{second.pk}": "Ce que j'attends du webinaire.",
    }
    response = client.post(remove_url(first), data)
    assert response.url == CART
    assert list(CartItem.objects.values_list("session_id", flat=True)) == [second.pk]
    body = client.get(CART).content.decode()
    # The textarea keeps it (escaped by the field's template: &#39;, as Jinja2 writes it).
    assert "Ce que j'attends du webinaire." in html.unescape(body)
    assert draft_of(employee, second) == "Ce que j'attends du webinaire."


def test_a_failed_validation_keeps_the_drafts_for_a_later_visit(client, employee):
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = {
        **contact_of(employee),
        "phone": "",
        "job_title": "Chargée de projet",
        f"motivations_{session.pk}": "Mes attentes, à compléter",
    }
    assert client.post(CART, data).status_code == 200  # the phone is missing
    assert not Registration.objects.exists()
    assert draft_of(employee, session) == "Mes attentes, à compléter"
    body = client.get(CART).content.decode()
    assert "Mes attentes, à compléter" in body
    assert 'value="Chargée de projet"' in body  # the contact details typed, too


def test_a_refused_cart_keeps_the_drafts(client):
    outsider = UserFactory()  # its structure is not a member: the training is refused
    training, webinar = session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR)
    services.add_to_cart(outsider, training)
    services.add_to_cart(outsider, webinar)
    client.force_login(outsider)
    data = {
        **contact_of(outsider),
        f"motivations_{training.pk}": "Pour la formation.",
        f"motivations_{webinar.pk}": "Pour le webinaire.",
    }
    client.post(CART, data)
    client.post(remove_url(training), data)  # as the refusal message suggests
    body = client.get(CART).content.decode()
    assert "Pour le webinaire." in body
    form = client.get(CART).context["form"]
    assert form.initial[f"motivations_{webinar.pk}"] == "Pour le webinaire."
    response = client.post(CART, {**contact_of(outsider), **form.initial})
    assert response.status_code == 302
    assert Registration.objects.get().session == webinar


def test_a_validated_cart_leaves_no_draft(client, employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = {**contact_of(employee), "phone": "06 00 00 00 01"}
    client.post(CART, {**data, f"motivations_{session.pk}": ""})
    response = client.post(CART, {**data, f"motivations_{session.pk}": "Mes attentes."})
    assert response.status_code == 302
    assert not CartItem.objects.exists()
    services.add_to_cart(employee, session_of(ActionKind.WEBINAR))
    body = client.get(CART).content.decode()
    assert "06 00 00 00 01" not in body  # the profile's number again
    assert f'value="{employee.phone}"' in body


def test_a_remove_without_the_form_keeps_the_drafts_as_they_were(client, employee):
    first, second = session_of(ActionKind.WEBINAR), session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, first)
    services.add_to_cart(employee, second)
    services.save_cart_drafts(employee, {second.pk: "Déjà saisi."})
    client.force_login(employee)
    client.post(remove_url(first))
    assert draft_of(employee, second) == "Déjà saisi."


# --- the service ----------------------------------------------------------------------------


def test_save_cart_drafts_touches_only_the_users_own_items(employee):
    mine, theirs = session_of(ActionKind.WEBINAR), session_of(ActionKind.WEBINAR)
    other = UserFactory()
    services.add_to_cart(employee, mine)
    services.add_to_cart(other, theirs)
    changed = services.save_cart_drafts(
        employee, {mine.pk: "Le mien", str(theirs.pk): "Pas le sien", "x": "ignoré"}
    )
    assert changed == 1
    assert draft_of(employee, mine) == "Le mien"
    assert draft_of(other, theirs) == ""
    assert services.save_cart_drafts(employee, {mine.pk: "Le mien"}) == 0


def test_save_cart_drafts_keeps_the_validation_limit(employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    services.save_cart_drafts(employee, {session.pk: "a\x00" * rules.MOTIVATIONS_MAX_LENGTH})
    assert draft_of(employee, session) == "a" * rules.MOTIVATIONS_MAX_LENGTH


def test_hostile_draft_keys_are_ignored(client, employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = {
        "motivations_99999999999999999999999": "trop grand",
        "motivations_-1": "négatif",
        "motivations_": "vide",
        f"motivations_{session.pk}": "Gardé.",
    }
    assert client.post(CART, data).status_code == 200
    assert draft_of(employee, session) == "Gardé."


def test_drafts_are_in_the_personal_data_download(client, employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    services.save_cart_drafts(employee, {session.pk: "Mon brouillon."})
    client.force_login(employee)
    data = client.get(reverse("enrollment:my_data_export")).json()
    assert [item["motivations_draft"] for item in data["cart"]] == ["Mon brouillon."]
