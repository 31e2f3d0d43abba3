import pytest
from django.urls import reverse

from employers.models import ApproverInvitation
from mailing.models import Email
from tests.factories import StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_invite_an_approver_from_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    structure = StructureFactory()
    client.force_login(staff)
    response = client.post(
        reverse("admin:employers_approverinvitation_add"),
        {"structure": structure.pk, "email": "nouvelle.valideuse@example.test"},
    )
    assert response.status_code == 302
    invitation = ApproverInvitation.objects.get()
    assert (invitation.structure, invitation.invited_by) == (structure, staff)
    assert Email.objects.filter(to="nouvelle.valideuse@example.test").count() == 1
    assert client.get(reverse("admin:employers_approverinvitation_changelist")).status_code == 200
    assert client.get(reverse("admin:employers_approvalreminder_changelist")).status_code == 200
