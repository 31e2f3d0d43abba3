import pytest

from catalog.models import ActionKind
from enrollment import services
from tests.enrollment.conftest import (  # noqa: F401 (fixtures shared with enrollment's tests)
    PARIS,
    employee,
    member_structure,
    register,
    session_of,
)
from tests.factories import MemberEmployeeFactory, UserFactory


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, structure=None)


def provider_user_of(session, **kwargs):
    """A user of the session's provider."""
    user = UserFactory(structure=None, **kwargs)
    session.action.provider.users.add(user)
    return user


def awaiting_provider(session, user=None, *, motivations="Je veux mieux accompagner les jeunes."):
    """A member-only request accepted by the employer: it waits for the provider (R10)."""
    user = user or MemberEmployeeFactory()
    [registration] = register(user, session, motivations=motivations)
    approver = UserFactory(structure=user.structure)
    user.structure.approvers.add(approver)
    return services.approve(registration, by=approver)


def confirmed(session, user=None):
    registration = awaiting_provider(session, user)
    return services.confirm(registration, by=UserFactory(is_staff=True))


@pytest.fixture
def training():
    session = session_of(ActionKind.TRAINING, capacity=3)
    session.action.objectives = "Conduire un entretien d'orientation."
    session.action.save()
    return session


@pytest.fixture
def provider_user(training):
    return provider_user_of(training, email="prestataire@example.test")
