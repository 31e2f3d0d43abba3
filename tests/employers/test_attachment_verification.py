"""Nothing is sent on behalf of an address nobody proved to own (issue 25): a request to join
a structure reaches its approvers once the person has confirmed their address, and once."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from employers import attachments
from employers.models import Attachment
from mailing.models import Email
from tests.factories import MemberEmployeeFactory, UserFactory, signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    boss = MemberEmployeeFactory(email="claire.boss@example.test")
    boss.structure.approvers.add(boss)
    boss.structure.approver = boss
    return boss.structure


def requested_to(email):
    return Email.objects.filter(template="attachment_requested", to=email)


def confirmation_link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body).group(1)


def test_an_unverified_person_asks_nobody_until_they_confirm_their_address(structure):
    person = UserFactory(structure=None, email_address=False)
    EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=False)
    attachment = attachments.request_attachment(person, structure)
    assert not requested_to(structure.approver.email).exists()
    assert attachment.deciders_told_at is None

    address = EmailAddress.objects.get(user=person)
    address.verified = True
    address.save()
    assert attachments.address_confirmed(person)
    assert requested_to(structure.approver.email).count() == 1
    # A second confirmation (a new address later) asks nobody again.
    assert not attachments.address_confirmed(person)
    assert requested_to(structure.approver.email).count() == 1


def test_a_verified_person_asks_at_once_and_once(structure):
    person = UserFactory(structure=None)
    attachment = attachments.request_attachment(person, structure)
    assert requested_to(structure.approver.email).count() == 1
    assert Attachment.objects.get(pk=attachment.pk).deciders_told_at is not None
    assert not attachments.address_confirmed(person)
    assert requested_to(structure.approver.email).count() == 1


def test_signup_asks_the_approver_only_after_the_confirmation_link(
    client, structure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(structure_query=structure.name))
    assert not [m for m in mail.outbox if m.to == [structure.approver.email]]
    [message] = [m for m in mail.outbox if m.to == ["camille.martin@example.test"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirmation_link(message.body))
    assert response.status_code == 302
    [to_boss] = [m for m in mail.outbox if m.to == [structure.approver.email]]
    assert "Camille Martin demande à être rattaché·e" in to_boss.subject
