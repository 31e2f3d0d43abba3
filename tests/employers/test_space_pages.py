import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import employer_requests
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db


def test_pending_requests_are_shown_fifty_at_a_time_oldest_first(client, settings, monkeypatch):
    monkeypatch.setattr(employer_requests, "ROWS_PER_PAGE", 2)
    first = MemberEmployeeFactory()
    approver = UserFactory(structure=first.structure)
    first.structure.approvers.add(approver)
    requests = [
        register(MemberEmployeeFactory(structure=first.structure), session_of(ActionKind.TRAINING))[
            0
        ]
        for _ in range(5)
    ]
    client.force_login(approver)
    page1 = client.get(reverse("employers:space"))
    html = page1.content.decode()
    assert "Demandes à traiter (5)" in html
    assert reverse("employers:approve", args=[requests[0].pk]) in html
    assert reverse("employers:approve", args=[requests[2].pk]) not in html
    page3 = client.get(reverse("employers:space"), {"page": 3}).content.decode()
    assert reverse("employers:approve", args=[requests[4].pk]) in page3
    assert "page 3 sur 3" in page3
    for bad in ("abc", "-4", "999"):
        assert client.get(reverse("employers:space"), {"page": bad}).status_code == 200
