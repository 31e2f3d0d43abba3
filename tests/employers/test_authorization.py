"""An approver sees and decides only for their structures; anything else answers 404 (R4)."""

from html import unescape

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from employers.models import ApproverInvitation
from enrollment import employer_requests
from enrollment.models import Registration
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
SPACE = reverse("employers:space")


@pytest.fixture
def foreign_request(other_structure):
    """A pending request of another structure's employee."""
    (registration,) = register(other_structure.employee, session_of(ActionKind.TRAINING))
    return registration


def test_space_shows_only_the_approvers_structures(approver_client, employee, foreign_request):
    register(employee, session_of(ActionKind.TRAINING))
    html = unescape(approver_client.get(SPACE).content.decode())
    assert foreign_request.session.action.title not in html
    assert foreign_request.structure.name not in html
    assert "autre-salarie@example.test" not in html


@pytest.mark.parametrize(
    ("name", "data"),
    [("employers:approve", {}), ("employers:refuse", {"reason": "Non."})],
)
def test_deciding_for_another_structure_answers_404(approver_client, foreign_request, name, data):
    data = {f"refuse-{foreign_request.pk}-{k}": v for k, v in data.items()}
    response = approver_client.post(reverse(name, args=[foreign_request.pk]), data)
    assert response.status_code == 404
    foreign_request.refresh_from_db()
    assert foreign_request.status == Status.PENDING_EMPLOYER
    assert foreign_request.events.count() == 1


def test_unknown_request_answers_404(approver_client):
    assert approver_client.post(reverse("employers:approve", args=[999999])).status_code == 404


def test_bulk_accept_with_a_foreign_request_decides_nothing(
    approver_client, employee, foreign_request
):
    (own,) = register(employee, session_of(ActionKind.TRAINING))
    response = approver_client.post(
        reverse("employers:bulk_approve"), {"registrations": [own.pk, foreign_request.pk]}
    )
    assert response.status_code == 404
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PENDING_EMPLOYER}


def test_inviting_for_another_structure_answers_404(approver_client, other_structure):
    response = approver_client.post(
        reverse("employers:invite", args=[other_structure.pk]),
        {f"invite-{other_structure.pk}-email": "intrus@example.test"},
    )
    assert response.status_code == 404
    assert not ApproverInvitation.objects.exists()


def test_an_employee_cannot_decide_for_colleagues(client, structure, employee):
    colleague = MemberEmployeeFactory(structure=structure)
    (registration,) = register(colleague, session_of(ActionKind.TRAINING))
    client.force_login(employee)
    assert client.post(reverse("employers:approve", args=[registration.pk])).status_code == 404
    assert client.get(SPACE).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


def test_an_approver_cannot_decide_on_their_own_request(client, structure):
    approver = structure.approver
    second_approver = MemberEmployeeFactory(structure=structure)
    structure.approvers.add(second_approver)
    (own,) = register(approver, session_of(ActionKind.TRAINING))
    client.force_login(approver)

    html = unescape(client.get(SPACE).content.decode())
    assert "C'est votre propre demande" in html
    assert reverse("employers:approve", args=[own.pk]) not in html

    assert client.post(reverse("employers:approve", args=[own.pk])).status_code == 403
    response = client.post(
        reverse("employers:refuse", args=[own.pk]), {f"refuse-{own.pk}-reason": "Non."}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("employers:bulk_approve"), {"registrations": [own.pk]}, follow=True
    )
    assert "votre propre demande" in unescape(response.content.decode())
    own.refresh_from_db()
    assert own.status == Status.PENDING_EMPLOYER

    # Another approver of the structure decides it.
    client.force_login(second_approver)
    client.post(reverse("employers:approve", args=[own.pk]))
    own.refresh_from_db()
    assert own.status == Status.PENDING_PROVIDER


def test_every_decision_records_who_and_when(approver_client, approver, employee):
    first, second = register(employee, session_of(), session_of())
    approver_client.post(reverse("employers:approve", args=[first.pk]))
    approver_client.post(
        reverse("employers:refuse", args=[second.pk]), {f"refuse-{second.pk}-reason": "Budget."}
    )
    for registration, to in ((first, Status.PENDING_PROVIDER), (second, Status.REFUSED)):
        event = registration.events.get(to_status=to)
        assert event.by == approver
        assert event.at is not None
    [structure] = approver.approved_structures.all()
    assert employer_requests.decisions([structure])[0].reason == "Budget."


def test_an_approver_of_two_structures_sees_both(client, structure, other_structure):
    both = structure.approver
    other_structure.approvers.add(both)
    register(other_structure.employee, session_of(ActionKind.TRAINING))
    client.force_login(both)
    html = unescape(client.get(SPACE).content.decode())
    assert structure.name in html and other_structure.name in html
    assert "autre-salarie@example.test" in html


def test_anonymous_decisions_are_sent_to_login(client, foreign_request):
    response = client.post(reverse("employers:approve", args=[foreign_request.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
