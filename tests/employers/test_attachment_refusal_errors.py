"""A refusal of a request to join without its reason (issue 13, item 11): the browser does not
check the field; the server's French message is shown next to it, the form open."""

import re

import pytest
from django.urls import reverse

from employers import attachments
from employers.models import Attachment
from tests.factories import MemberEmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    boss = MemberEmployeeFactory()
    boss.structure.approvers.add(boss)
    person = UserFactory(structure=None, first_name="Inès", email="ines@example.test")
    attachments.request_attachment(person, boss.structure)
    return boss, Attachment.objects.get(user=person)


def test_an_empty_reason_is_told_next_to_the_field(client, pending):
    boss, attachment = pending
    client.force_login(boss)
    page = client.get(reverse("employers:space")).content.decode()
    field = re.search(r'<textarea id="attachment-reason-\d+"[^>]*>', page).group(0)
    assert "required" not in field
    response = client.post(
        reverse("employers:attachment_refuse", args=[attachment.pk]), {"reason": " "}
    )
    assert response.url.endswith(f"#rattachement-{attachment.pk}")
    html = client.get(response.url).content.decode()
    start = html.index(f'id="rattachement-{attachment.pk}"')
    item = re.search(r".*?</details>", html[start:], re.S)
    assert "Indiquez le motif du refus" in item.group(0)
    assert '<details class="details" open>' in item.group(0)
    assert 'aria-invalid="true"' in item.group(0)
    assert 'class="messages"' not in html  # not also at the top
    assert Attachment.objects.get(pk=attachment.pk).status == Attachment.Status.PENDING


def test_other_messages_stay_at_the_top(client, pending):
    boss, attachment = pending
    client.force_login(boss)
    response = client.post(
        reverse("employers:attachment_refuse", args=[attachment.pk]),
        {"reason": "Inconnue chez nous."},
        follow=True,
    )
    html = response.content.decode()
    assert 'class="messages"' in html and "est refusé" in html
