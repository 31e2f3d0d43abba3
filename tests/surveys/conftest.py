import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, structure=None)
