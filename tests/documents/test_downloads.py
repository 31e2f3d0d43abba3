"""Who may download which document: the same people who may see the registration; anyone
else gets 404 (the document's existence is not revealed)."""

import io
import zipfile

import pytest
from django.urls import reverse

from tests.factories import (
    DocumentFactory,
    MemberEmployeeFactory,
    ProviderFactory,
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    accepted,
    provider_user_of,
    session_of,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "participant",
    "colleague",
    "approver",
    "other_approver",
    "provider",
    "other_provider",
    "staff",
]
# kind → the roles that may download it (200); the others get 404.
ALLOWED = {
    "convention": {"approver", "provider", "staff"},
    "convocation": {"participant", "provider", "staff"},
    "certificate": {"participant", "approver", "provider", "staff"},
}


@pytest.fixture
def world(member_structure):
    session = session_of()
    participant = MemberEmployeeFactory(structure=member_structure)
    registration = RegistrationFactory(session=session, user=participant)
    other = StructureFactory()
    other_approver = UserFactory(structure=other)
    other.approvers.add(other_approver)
    other_provider = UserFactory(structure=None)
    ProviderFactory().users.add(other_provider)
    people = {
        "participant": participant,
        "colleague": MemberEmployeeFactory(structure=member_structure),
        "approver": member_structure.approver,
        "other_approver": other_approver,
        "provider": provider_user_of(session),
        "other_provider": other_provider,
        "staff": UserFactory(is_staff=True, structure=None),
    }
    documents = {
        "convention": DocumentFactory(session=session, structure=member_structure),
        "convocation": DocumentFactory(
            kind="convocation", session=session, registration=registration
        ),
        "certificate": DocumentFactory(
            kind="certificate", session=session, registration=registration
        ),
    }
    return people, documents, session


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_downloads_follow_the_registrations_permissions(client, world, kind):
    people, documents, _ = world
    url = reverse("documents:download", args=[documents[kind].pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    seen = {}
    for role in ROLES:
        client.force_login(people[role])
        response = client.get(url)
        seen[role] = response.status_code
        if response.status_code == 200:
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert seen == {role: 200 if role in ALLOWED[kind] else 404 for role in ROLES}


def test_the_accepted_copy_follows_the_conventions_permissions(client, world):
    people, documents, _ = world
    convention = documents["convention"]
    url = reverse("documents:download_accepted", args=[convention.pk])
    client.force_login(people["approver"])
    assert client.get(url).status_code == 404  # not accepted yet
    accepted(convention, people["approver"])
    for role in ROLES:
        client.force_login(people[role])
        assert client.get(url).status_code == (200 if role in ALLOWED["convention"] else 404)


def test_staff_download_every_document_of_a_session_at_once(client, world):
    people, documents, session = world
    accepted(documents["convention"], people["approver"])
    url = reverse("documents:session_zip", args=[session.pk])
    for role in ROLES[:-1]:
        client.force_login(people[role])
        assert client.get(url).status_code == 404
    client.force_login(people["staff"])
    response = client.get(url)
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert response["Content-Type"] == "application/zip"
    assert sorted(name.split("/")[0] for name in names) == [
        "certificate",
        "convention",
        "convention",
        "convocation",
    ]
