"""Staff screens: every changelist and form opens, sessions show their places."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from catalog.models import Action, FaqEntry, Provider, Session, Theme
from employers.models import Membership, Structure
from tests.factories import (
    FaqEntryFactory,
    MemberEmployeeFactory,
    SessionFactory,
    StructureFactory,
    UserFactory,
    registration_in,
)

pytestmark = pytest.mark.django_db

MODELS = [Theme, Provider, Action, Session, FaqEntry, Structure, Membership]


@pytest.fixture
def data():
    session = SessionFactory(capacity=5)
    registration_in(session, "confirmed")
    registration_in(session, "pending_employer")
    registration_in(session, "waitlisted")
    session.action.provider.users.add(UserFactory())
    MemberEmployeeFactory()
    StructureFactory(is_validated=False, name="Proposée")
    FaqEntryFactory()
    return session


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_registered(model):
    assert site.is_registered(model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_open(admin_client, data, model):
    meta = model._meta
    base = f"admin:{meta.app_label}_{meta.model_name}"
    assert admin_client.get(reverse(f"{base}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{base}_add")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200
    search = admin_client.get(reverse(f"{base}_changelist"), {"q": "a"})
    assert search.status_code == 200


def test_session_list_shows_places_without_n_plus_1(
    admin_client, data, django_assert_max_num_queries
):
    SessionFactory.create_batch(20)
    url = reverse("admin:catalog_session_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    html = response.content.decode()
    assert "Places occupées" in html and "En attente" in html and "Places libres" in html
    row = next(r for r in response.context["cl"].result_list if r.pk == data.pk)
    assert (row.places_held, row.places_waiting, row.places_left) == (2, 1, 3)


def test_session_list_filters_and_date_hierarchy(admin_client, data):
    url = reverse("admin:catalog_session_changelist")
    year = timezone.localtime(data.starts_at).year
    for params in [
        {"places": "libres"},
        {"places": "complet"},
        {"starts_at__year": year},
        {"o": "6"},
    ]:
        assert admin_client.get(url, params).status_code == 200


def test_structure_list_shows_current_membership(admin_client, data):
    response = admin_client.get(reverse("admin:employers_structure_changelist"))
    html = response.content.decode()
    assert "Cotisation de base (100\u00a0€)" in html
    assert "Non adhérente" in html


def test_validate_proposed_structures_action(admin_client, data):
    proposed = Structure.objects.get(name="Proposée")
    response = admin_client.post(
        reverse("admin:employers_structure_changelist"),
        {"action": "validate_structures", "_selected_action": [proposed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert proposed.is_validated
    assert "1 structure validée." in response.content.decode()


def test_structure_filter_on_validation(admin_client, data):
    response = admin_client.get(
        reverse("admin:employers_structure_changelist"), {"is_validated__exact": "0"}
    )
    assert [s.name for s in response.context["cl"].result_list] == ["Proposée"]


def test_membership_amount_defaults_when_added_in_the_admin(admin_client):
    structure = StructureFactory()
    response = admin_client.post(
        reverse("admin:employers_membership_add"),
        {"structure": structure.pk, "year": 2027, "formula": "extended", "amount": ""},
    )
    assert response.status_code == 302
    assert str(Membership.objects.get(structure=structure).amount) == "150.00"


def test_admin_is_in_french(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Thématiques" in html and "Adhésions" in html and "Structures" in html
