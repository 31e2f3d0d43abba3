"""Who belongs to a structure (Decisions « Attachment »): a request its approvers confirm,
through the services and the pages, with the emails."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog.models import ActionKind
from employers import attachments
from employers.models import Attachment
from employers.selectors import attachment_requests
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from mailing.models import Email
from tests.emails import rendered
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus
SPACE = reverse("employers:space")


@pytest.fixture
def structure():
    """A member structure with its approver."""
    boss = MemberEmployeeFactory()
    boss.structure.approvers.add(boss)
    boss.structure.approver = boss
    return boss.structure


@pytest.fixture
def newcomer(structure):
    """Someone who says they work for `structure`: a pending request to join it."""
    person = UserFactory(structure=None, email="nouvelle@example.test")
    attachments.request_attachment(person, structure)
    return person


def pending_of(person) -> Attachment:
    return Attachment.objects.get(user=person, status=Attachment.Status.PENDING)


# --- the request ------------------------------------------------------------------------------


def test_a_request_to_join_leaves_the_person_without_structure_and_emails_the_approvers(
    structure, newcomer
):
    newcomer.refresh_from_db()
    assert newcomer.structure is None
    assert pending_of(newcomer).structure == structure
    [email] = rendered(Email.objects.filter(template="attachment_requested"))
    assert email.to == structure.approver.email
    assert "nouvelle@example.test" in email.body_text


def test_a_structure_without_approver_sends_the_request_to_staff():
    lonely = StructureFactory()
    attachments.request_attachment(UserFactory(structure=None), lonely)
    [email] = Email.objects.filter(template="attachment_requested_staff")
    assert email.to == settings.PROGRAMME_CONTACT_EMAIL


def test_an_approver_of_the_structure_joins_it_at_once(structure):
    other_boss = UserFactory(structure=None)
    structure.approvers.add(other_boss)
    assert attachments.request_attachment(other_boss, structure) is None
    other_boss.refresh_from_db()
    assert other_boss.structure == structure


def test_picking_a_structure_in_the_profile_is_a_request(client, structure):
    person = UserFactory(structure=StructureFactory(name="Ancienne structure"))
    client.force_login(person)
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "job_title": person.job_title,
        "employment_status": "employee",
        "field_of_activity": person.field_of_activity,
        "department": person.department,
        "structure_query": structure.siret,
    }
    page = client.post(reverse("accounts:profile"), data, follow=True).content.decode()
    assert "est transmise à ses valideurs" in page
    person.refresh_from_db()
    assert person.structure is None
    assert pending_of(person).structure == structure


# --- until confirmed: short formats only ------------------------------------------------------


def test_pending_person_is_refused_member_only_actions_with_who_must_confirm(structure, newcomer):
    session = session_of(ActionKind.TRAINING)
    with pytest.raises(RuleViolation) as refusal:
        services.add_to_cart(newcomer, session)
    assert refusal.value.code == "audience"
    assert structure.name in refusal.value.message
    assert "valideur" in refusal.value.message


def test_pending_person_may_register_for_a_short_format(newcomer):
    [registration] = register(newcomer, session_of(ActionKind.WEBINAR))
    assert registration.status == Status.CONFIRMED


def test_the_action_page_tells_the_pending_person_who_must_confirm(client, structure, newcomer):
    session = session_of(ActionKind.TRAINING)
    client.force_login(newcomer)
    page = client.get(session.action.get_absolute_url()).content.decode()
    assert "attend la confirmation d&#x27;un valideur" in page or "attend la confirmation" in page
    assert structure.name in page


def test_a_stranger_cannot_use_the_structures_membership_by_typing_its_siret(structure):
    """The case of the issue: a new account names a member structure; its member-only cart
    is refused until an approver confirms."""
    stranger = UserFactory(structure=None)
    attachments.request_attachment(stranger, structure)
    session = session_of(ActionKind.TRAINING)
    with pytest.raises(RuleViolation):
        services.add_to_cart(stranger, session)
    assert not Registration.objects.filter(user=stranger).exists()


# --- decisions through the pages --------------------------------------------------------------


def test_the_approver_sees_pending_attachments_first_and_confirms(client, structure, newcomer):
    client.force_login(structure.approver)
    page = client.get(SPACE).content.decode()
    assert page.index("Rattachement à confirmer") < page.index("Demande")
    assert newcomer.email in page
    response = client.post(reverse("employers:attachment_accept", args=[pending_of(newcomer).pk]))
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.structure == structure
    assert Email.objects.filter(template="attachment_decided", to=newcomer.email).exists()
    # Now a member-only request goes to the employer.
    [registration] = register(newcomer, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_EMPLOYER


def test_the_approver_refuses_with_a_reason(client, structure, newcomer):
    client.force_login(structure.approver)
    url = reverse("employers:attachment_refuse", args=[pending_of(newcomer).pk])
    page = client.post(url, {"reason": "\u200b"}, follow=True).content.decode()
    assert "motif" in page.lower()
    assert Attachment.objects.get(user=newcomer).status == Attachment.Status.PENDING
    client.post(url, {"reason": "Inconnue dans notre structure."})
    attachment = Attachment.objects.get(user=newcomer)
    assert attachment.status == Attachment.Status.REFUSED
    assert attachment.reason == "Inconnue dans notre structure."
    newcomer.refresh_from_db()
    assert newcomer.structure is None
    email = rendered(Email.objects.get(template="attachment_decided", to=newcomer.email))
    assert "Inconnue dans notre structure." in email.body_text


def test_an_approver_of_another_structure_cannot_decide(client, newcomer):
    outsider = MemberEmployeeFactory()
    outsider.structure.approvers.add(outsider)
    client.force_login(outsider)
    url = reverse("employers:attachment_accept", args=[pending_of(newcomer).pk])
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        attachments.accept_attachment(pending_of(newcomer), by=outsider)
    assert pending_of(newcomer).status == Attachment.Status.PENDING


def test_a_decided_request_cannot_be_decided_again(structure, newcomer):
    attachment = pending_of(newcomer)
    attachments.accept_attachment(attachment, by=structure.approver)
    with pytest.raises(ValidationError):
        attachments.refuse_attachment(attachment, by=structure.approver, reason="Non")


def test_staff_confirm_from_the_admin(admin_client, structure, newcomer):
    response = admin_client.post(
        reverse("admin:employers_attachment_changelist"),
        {"action": "accept_attachments", "_selected_action": [pending_of(newcomer).pk]},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.structure == structure


# --- detaching someone who left ---------------------------------------------------------------


def test_detaching_withdraws_the_upcoming_requests_and_frees_their_places(client, structure):
    leaver = MemberEmployeeFactory(structure=structure)
    full = session_of(ActionKind.TRAINING, capacity=1, days=5)
    [held] = register(leaver, full)
    services.approve(held, by=structure.approver)
    waiting_person = MemberEmployeeFactory(structure=StructureFactory())
    [waiting] = register(waiting_person, full)
    assert waiting.status == Status.WAITLISTED

    client.force_login(structure.approver)
    url = reverse("employers:detach", args=[structure.pk, leaver.pk])
    response = client.post(url, {"reason": "A quitté la structure en octobre."})
    assert response.status_code == 302

    leaver.refresh_from_db()
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert leaver.structure is None
    assert held.status == Status.CANCELLED
    assert held.counted_in_quota is False  # 5 days before, but not the person's choice
    assert held.structure == structure  # requests stay with the structure they were made for
    assert waiting.holds_place
    assert Attachment.objects.get(user=leaver).status == Attachment.Status.ENDED
    assert Email.objects.filter(template="attachment_ended", to=leaver.email).exists()


def test_only_the_structures_approvers_detach(client, structure):
    employee = MemberEmployeeFactory(structure=structure)
    stranger = MemberEmployeeFactory()
    stranger.structure.approvers.add(stranger)
    client.force_login(stranger)
    assert (
        client.post(reverse("employers:detach", args=[structure.pk, employee.pk])).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.detach(employee, structure, by=stranger)
    employee.refresh_from_db()
    assert employee.structure == structure


def test_changing_structure_keeps_requests_with_the_structure_they_were_made_for(structure):
    employee = MemberEmployeeFactory(structure=structure)
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    attachments.request_attachment(employee, StructureFactory(name="Nouvelle structure"))
    registration.refresh_from_db()
    assert registration.structure == structure
    assert registration.status == Status.PENDING_EMPLOYER
    employee.refresh_from_db()
    assert employee.structure is None
    with pytest.raises(RuleViolation) as refusal:
        services.add_to_cart(employee, session_of(ActionKind.TRAINING))
    assert "Nouvelle structure" in refusal.value.message


def test_staff_detach_from_the_user_admin(admin_client, structure):
    employee = MemberEmployeeFactory(structure=structure)
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "detach_from_structure", "_selected_action": [employee.pk]},
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    registration.refresh_from_db()
    assert employee.structure is None
    assert registration.status == Status.CANCELLED


def test_the_requests_to_join_are_read_with_what_the_space_says_and_no_more(
    structure, newcomer, django_assert_num_queries
):
    """Who asks (name, email, job title) and when, in one statement for every structure; the
    rest of the person (their password's hash among it) left unread."""
    with django_assert_num_queries(1):
        [attachment] = attachment_requests([structure.pk])[structure.pk]
        said = (attachment.user.get_full_name(), attachment.user.email, attachment.user.job_title)
        assert attachment.requested_at is not None
    assert said[1] == "nouvelle@example.test"
    assert {"password", "phone"} <= attachment.user.get_deferred_fields()
