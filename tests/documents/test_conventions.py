"""A convention per structure and session: generated when the provider confirms the first
participant, a new version (old ones kept) when participants change, accepted online by the
structure's approver and bound to the SHA-256 of the version accepted."""

import hashlib

import pytest
from django.urls import reverse

from documents import services
from documents.models import ConventionAcceptance, Document
from enrollment import services as enrollment
from tests.documents.pdf import reader, text
from tests.factories import MemberEmployeeFactory, StructureFactory, UserFactory, provider_user_of

pytestmark = pytest.mark.django_db


def conventions(session):
    return list(Document.objects.filter(kind="convention", session=session).order_by("version"))


def test_first_confirmation_generates_the_convention(training, participant_of):
    registration = participant_of(training)
    [convention] = conventions(training)
    assert (convention.version, convention.structure) == (1, registration.structure)
    assert convention.sha256 == hashlib.sha256(convention.file.read()).hexdigest()


def test_a_participant_added_makes_version_2_and_keeps_version_1(training, participant_of):
    first = participant_of(training, last_name="Premier")
    second = participant_of(training, last_name="Second")
    v1, v2 = conventions(training)
    assert (v1.version, v2.version) == (1, 2)
    assert first.last_name in text(v1.file) and second.last_name not in text(v1.file)
    assert {first.last_name, second.last_name} <= set(text(v2.file).split())
    assert v1.file.storage.exists(v1.file.name)  # the old version is kept
    assert v1.sha256 != v2.sha256


def test_a_withdrawal_makes_a_new_version_without_the_person(
    training, participant_of, django_capture_on_commit_callbacks
):
    leaving = participant_of(training, last_name="Partant")
    participant_of(training, last_name="Restant")
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.cancel(leaving, by=leaving.user, reason="Empêchement")
    latest = conventions(training)[-1]
    assert latest.version == 3
    assert "Partant" not in text(latest.file) and "Restant" in text(latest.file)


def test_regeneration_is_idempotent(training, participant_of):
    registration = participant_of(training)
    again = services.refresh_convention(training.pk, registration.structure_id)
    assert again.version == 1 and len(conventions(training)) == 1


def test_no_convention_for_a_short_format_or_another_structure(participant_of, training):
    participant_of(training)
    assert not Document.objects.filter(structure=StructureFactory()).exists()


def test_acceptance_binds_to_the_hash_of_the_version_accepted(
    training, participant_of, member_structure
):
    participant_of(training)
    [convention] = conventions(training)
    acceptance = services.accept_convention(
        convention,
        by=member_structure.approver,
        sha256=convention.sha256,
        checked=True,
        ip="203.0.113.7",
    )
    assert acceptance.accepted_sha256 == convention.sha256
    assert acceptance.ip == "203.0.113.7"
    signed_sha256 = hashlib.sha256(acceptance.signed_file.open("rb").read()).hexdigest()
    signed = text(acceptance.signed_file)
    assert "Acceptation électronique" in signed
    assert convention.sha256 in signed.replace(" ", "")
    assert acceptance.accepted_by_name in signed
    assert acceptance.signed_sha256 == signed_sha256


def test_accepting_a_stale_version_is_refused(training, participant_of, member_structure):
    participant_of(training)
    [v1] = conventions(training)
    participant_of(training)  # version 2 while the approver read version 1
    with pytest.raises(services.DocumentError) as refusal:
        services.accept_convention(
            v1, by=member_structure.approver, sha256=v1.sha256, checked=True, ip=None
        )
    assert "nouvelle version" in str(refusal.value)
    v2 = conventions(training)[-1]
    with pytest.raises(services.DocumentError):  # a hash that is not the version's
        services.accept_convention(
            v2, by=member_structure.approver, sha256=v1.sha256, checked=True, ip=None
        )
    assert not ConventionAcceptance.objects.exists()


@pytest.mark.parametrize(
    ("checked", "approver", "code"),
    [(False, True, "not_checked"), (True, False, "not_approver")],
)
def test_acceptance_needs_the_box_and_an_approver(
    training, participant_of, member_structure, checked, approver, code
):
    participant_of(training)
    [convention] = conventions(training)
    by = member_structure.approver if approver else UserFactory(structure=member_structure)
    with pytest.raises(services.DocumentError) as refusal:
        services.accept_convention(
            convention, by=by, sha256=convention.sha256, checked=checked, ip=None
        )
    assert refusal.value.code == code


def test_the_approver_accepts_on_the_page_and_the_provider_sees_it(
    client, training, participant_of, member_structure
):
    participant_of(training)
    [convention] = conventions(training)
    client.force_login(member_structure.approver)
    page = client.get(reverse("documents:employer_conventions")).content.decode()
    assert "En attente d’acceptation" in page.replace("'", "’") and convention.sha256 in page
    response = client.post(
        reverse("documents:accept", args=[convention.pk]),
        {"sha256": convention.sha256, "accepted": "on"},
        REMOTE_ADDR="198.51.100.4",
        follow=True,
    )
    assert "est acceptée" in response.content.decode()
    assert ConventionAcceptance.objects.get().ip == "198.51.100.4"
    client.force_login(provider_user_of(training))
    page = client.get(reverse("operations:provider_session", args=[training.pk])).content.decode()
    assert "Acceptée le" in page and member_structure.approver.get_full_name() in page


def test_without_the_box_the_page_says_so_and_nothing_is_recorded(
    client, training, participant_of, member_structure
):
    participant_of(training)
    [convention] = conventions(training)
    client.force_login(member_structure.approver)
    response = client.post(
        reverse("documents:accept", args=[convention.pk]),
        {"sha256": convention.sha256},
        follow=True,
    )
    assert "Cochez «\u00a0J&#x27;ai lu et j&#x27;accepte" in response.content.decode().replace(
        "'", "&#x27;"
    )
    assert not ConventionAcceptance.objects.exists()


def test_another_approver_gets_404(client, training, participant_of):
    participant_of(training)
    [convention] = conventions(training)
    other = StructureFactory()
    stranger = MemberEmployeeFactory(structure=other)
    other.approvers.add(stranger)
    client.force_login(stranger)
    url = reverse("documents:accept", args=[convention.pk])
    assert client.post(url, {"sha256": convention.sha256, "accepted": "on"}).status_code == 404
    assert client.get(reverse("documents:download", args=[convention.pk])).status_code == 404


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [(0, "198.51.100.4"), (1, "203.0.113.9")],
)
def test_the_acceptance_records_the_address_behind_the_declared_proxies(
    client, settings, training, participant_of, member_structure, proxies, expected
):
    """Behind one declared proxy the person's address is X-Forwarded-For's last hop; with
    none declared, a forged header is ignored."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    participant_of(training)
    [convention] = conventions(training)
    client.force_login(member_structure.approver)
    client.post(
        reverse("documents:accept", args=[convention.pk]),
        {"sha256": convention.sha256, "accepted": "on"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert ConventionAcceptance.objects.get().ip == expected


def test_the_acceptance_is_never_alone_on_the_last_page(training, participant_of, member_structure):
    """Issue 25: the accepted convention's acceptance block keeps the signatures with it."""
    participant_of(training)
    [convention] = conventions(training)
    acceptance = services.accept_convention(
        convention,
        by=member_structure.approver,
        sha256=convention.sha256,
        checked=True,
        ip="203.0.113.7",
    )
    acceptance.signed_file.open("rb")
    pages = [page.extract_text() for page in reader(acceptance.signed_file).pages]
    acceptance.signed_file.close()
    [page] = [page for page in pages if "Acceptation électronique" in page]
    assert "Pour la structure" in page
