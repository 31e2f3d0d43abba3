import pytest

from catalog.models import ActionKind
from tests.factories import UserFactory, provider_user_of, session_of


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, structure=None)


@pytest.fixture
def training():
    session = session_of(ActionKind.TRAINING, capacity=3)
    session.action.objectives = "Conduire un entretien d'orientation."
    session.action.save()
    return session


@pytest.fixture
def provider_user(training):
    return provider_user_of(training, email="prestataire@example.test")
