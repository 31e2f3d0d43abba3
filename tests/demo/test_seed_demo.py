"""`manage.py seed_demo`: the demo of DESIGN.md, idempotent."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from catalog.models import Action, ActionKind, FaqEntry, Session
from employers.models import Structure
from employers.selectors import is_member
from employers.validators import validate_siret

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    "admin@parcourspro.test",
    "employeur@parcourspro.test",
    "salarie1@parcourspro.test",
    "salarie2@parcourspro.test",
    "salarie3@parcourspro.test",
    "independant@parcourspro.test",
    "demandeur@parcourspro.test",
    "horsadherent@parcourspro.test",
    "prestataire@parcourspro.test",
]
COUNTED = [
    "accounts.User",
    "account.EmailAddress",
    "employers.Structure",
    "employers.Membership",
    "catalog.Theme",
    "catalog.Provider",
    "catalog.Action",
    "catalog.Session",
    "catalog.FaqEntry",
    "enrollment.Registration",
    "enrollment.CartItem",
]


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def counts():
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def test_demo_accounts_exist_with_verified_emails(seeded):
    for email in ACCOUNTS:
        user = User.objects.get(email=email)
        assert user.check_password("parcourspro-demo"), email
        assert EmailAddress.objects.filter(
            user=user, email=email, verified=True, primary=True
        ).exists()
    assert User.objects.get(email="admin@parcourspro.test").is_superuser


def test_demo_roles(seeded):
    year = timezone.localdate().year
    employer = User.objects.get(email="employeur@parcourspro.test")
    member = employer.approved_structures.get()
    assert is_member(member.pk, year) and is_member(member.pk, year + 1)
    for n in (1, 2, 3):
        assert User.objects.get(email=f"salarie{n}@parcourspro.test").structure == member
    independent = User.objects.get(email="independant@parcourspro.test")
    assert independent.structure.kind == Structure.Kind.INDEPENDENT
    assert list(independent.structure.approvers.all()) == [independent]
    assert is_member(independent.structure_id, year)
    assert User.objects.get(email="demandeur@parcourspro.test").employment_status == "job_seeker"
    outsider = User.objects.get(email="horsadherent@parcourspro.test")
    assert outsider.structure and not is_member(outsider.structure_id, year)
    assert User.objects.get(email="prestataire@parcourspro.test").providers.exists()
    for structure in Structure.objects.all():
        validate_siret(structure.siret)


def test_demo_catalogue(seeded):
    assert Action.objects.count() >= 40
    assert set(Action.objects.values_list("kind", flat=True)) == set(ActionKind.values)
    assert 90 <= Session.objects.count() <= 120
    now = timezone.now()
    assert Session.objects.filter(starts_at__lt=now).exists()
    departments = set(Session.objects.exclude(department="").values_list("department", flat=True))
    assert len(departments) == 12
    assert Session.objects.filter(format="remote").exists()
    assert FaqEntry.objects.count() >= 14
    assert FaqEntry.objects.filter(answer__icontains="CPF").exists()


def test_some_sessions_are_nearly_full(seeded):
    from catalog.selectors import with_places

    sessions = with_places(Session.objects.filter(starts_at__gt=timezone.now()))
    assert sessions.filter(places_left__lte=1, places_held__gt=0).count() >= 3
    assert sessions.filter(places_waiting__gt=0).exists()


def test_running_twice_changes_nothing(seeded):
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before
