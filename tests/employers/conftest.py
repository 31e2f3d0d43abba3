import pytest

from catalog.models import ActionKind
from common.choices import EmploymentStatus
from employers.models import Structure
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    member_structure_with_approver,
    session_of,
)


@pytest.fixture
def structure():
    """A member structure with one approver (`structure.approver`)."""
    return member_structure_with_approver("employeur@example.test")


@pytest.fixture
def approver(structure):
    return structure.approver


@pytest.fixture
def employee(structure):
    return MemberEmployeeFactory(
        structure=structure, email="salarie@example.test", first_name="Léa", last_name="Durand"
    )


@pytest.fixture
def other_structure():
    """Another member structure, with its own approver and employee."""
    other = member_structure_with_approver("autre-employeur@example.test")
    other.employee = MemberEmployeeFactory(structure=other, email="autre-salarie@example.test")
    return other


@pytest.fixture
def independent():
    """A member independent: a one-person structure approved by the independent."""
    structure = StructureFactory(kind=Structure.Kind.INDEPENDENT)
    user = MemberEmployeeFactory(
        structure=structure, employment_status=EmploymentStatus.INDEPENDENT
    )
    structure.approvers.add(user)
    return user


@pytest.fixture
def training():
    return session_of(ActionKind.TRAINING)


@pytest.fixture
def approver_client(client, approver):
    client.force_login(approver)
    return client
