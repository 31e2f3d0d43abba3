"""A structure left without an approver (R4): staff are told of the requests nobody can decide,
new requests go to staff, and staff decide for the structure from the admin."""

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import ActionKind
from common.text import lowercase_first
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from enrollment.privacy import delete_account
from enrollment.services.messages import text
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

STAFF = "structure_without_approver"
TO_STAFF = "approval_requested_staff"


def emails(template):
    return rendered(Email.objects.filter(template=template).order_by("pk"))


def admin_link(structure):
    return (
        settings.SITE_URL
        + reverse("admin:enrollment_registration_changelist")
        + f"?structure__id__exact={structure.pk}"
    )


@pytest.fixture
def pending(employee):
    """A request waiting for the employer, and one waitlisted, not pre-approved."""
    [waiting_for_employer] = register(employee, session_of(ActionKind.TRAINING))
    colleague = MemberEmployeeFactory(structure=employee.structure, last_name="Waitlistée")
    full = session_of(ActionKind.TRAINING, capacity=1)
    register(UserFactory(), session_of(ActionKind.WEBINAR))  # another structure's: not listed
    register(MemberEmployeeFactory(), full)
    [waitlisted] = register(colleague, full)
    assert waitlisted.status == Status.WAITLISTED
    return waiting_for_employer, waitlisted


# --- (a) the last approver goes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "remove",
    [
        lambda structure, approver: structure.approvers.remove(approver),
        lambda structure, approver: structure.approvers.set([]),
        lambda structure, approver: structure.approvers.clear(),
        lambda structure, approver: approver.approved_structures.remove(structure),
        lambda structure, approver: approver.approved_structures.clear(),
    ],
    ids=["remove", "set", "clear", "reverse-remove", "reverse-clear"],
)
def test_losing_its_last_approver_tells_staff_of_the_requests_left_undecided(
    member_structure, pending, remove
):
    waiting_for_employer, waitlisted = pending
    remove(member_structure, member_structure.approver)
    (email,) = emails(STAFF)
    assert email.to == settings.PROGRAMME_CONTACT_EMAIL
    assert member_structure.name in email.subject
    assert "2 demandes" in email.subject
    for registration in (waiting_for_employer, waitlisted):
        assert registration.last_name in email.body_text
        assert registration.session.action.title in email.body_text
    assert admin_link(member_structure) in email.body_text
    assert "Accepter pour la structure" in email.body_text
    assert set(email.concerns.all()) == {waiting_for_employer.user, waitlisted.user}


def test_the_admin_removing_the_last_approver_tells_staff(admin_client, member_structure, pending):
    response = admin_client.post(
        reverse("admin:employers_structure_change", args=[member_structure.pk]),
        {
            "name": member_structure.name,
            "siret": member_structure.siret,
            "kind": member_structure.kind,
            "is_validated": "on",
            "address": member_structure.address,
            "postal_code": member_structure.postal_code,
            "city": member_structure.city,
            "department": member_structure.department,
            # no "approvers": the only one is removed
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not member_structure.approvers.exists()
    assert len(emails(STAFF)) == 1


def test_deleting_the_last_approvers_account_tells_staff(member_structure, pending):
    delete_account(member_structure.approver)
    (email,) = emails(STAFF)
    assert pending[0].last_name in email.body_text


def test_no_email_while_another_approver_remains(member_structure, pending):
    member_structure.approvers.add(UserFactory(structure=member_structure))
    member_structure.approvers.remove(member_structure.approver)
    assert emails(STAFF) == []


def test_no_email_when_nothing_awaits_the_employer(member_structure, employee):
    [approved] = register(employee, session_of(ActionKind.TRAINING))
    services.approve(approved, by=member_structure.approver)
    webinar = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), webinar)
    [short] = register(employee, webinar)
    assert short.status == Status.WAITLISTED  # a short format: no employer's decision
    member_structure.approvers.remove(member_structure.approver)
    assert emails(STAFF) == []


def test_removing_someone_who_was_not_an_approver_sends_nothing(member_structure, pending):
    member_structure.approvers.remove(member_structure.approver)
    member_structure.approvers.remove(member_structure.approver)
    member_structure.approvers.clear()
    assert len(emails(STAFF)) == 1


# --- (b) a request for a structure without approver -----------------------------------------


def test_a_request_for_a_structure_without_approver_goes_to_staff(member_structure, employee):
    member_structure.approvers.clear()
    [registration] = register(employee, session_of(ActionKind.TRAINING), motivations="Grandir")
    assert registration.status == Status.PENDING_EMPLOYER
    assert emails("approval_requested") == []
    (email,) = emails(TO_STAFF)
    assert email.to == settings.PROGRAMME_CONTACT_EMAIL
    assert member_structure.name in email.subject
    assert "aucun valideur" in email.body_text
    assert "Grandir" in email.body_text
    assert admin_link(member_structure) in email.body_text
    assert list(email.concerns.all()) == [employee]


def test_a_short_format_for_a_structure_without_approver_emails_no_staff(
    member_structure, employee
):
    member_structure.approvers.clear()
    register(employee, session_of(ActionKind.WEBINAR))
    assert emails(TO_STAFF) == []


def test_a_promotion_for_a_structure_without_approver_goes_to_staff(member_structure, employee):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first = MemberEmployeeFactory(structure=member_structure)
    [held] = register(first, session)
    [waiting] = register(employee, session)
    member_structure.approvers.clear()
    before = len(emails(TO_STAFF))
    services.cancel(held, by=first, reason="Indisponible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER
    [email] = emails(TO_STAFF)[before:]
    assert "place s'est libérée" in email.body_text
    assert employee.last_name in email.body_text


# --- staff decide for the structure from the admin -------------------------------------------


def changelist_action(client, action, registrations, **extra):
    return client.post(
        reverse("admin:enrollment_registration_changelist"),
        {"action": action, "_selected_action": [r.pk for r in registrations], **extra},
    )


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


def test_staff_accept_for_the_structure(admin_client, admin_user, member_structure, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    member_structure.approvers.clear()
    response = changelist_action(admin_client, "approve_for_structure", [registration])
    assert response.status_code == 302
    assert messages_of(response) == ["1 demande acceptée pour la structure."]
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_PROVIDER
    assert registration.employer_approved_by == admin_user
    assert Email.objects.filter(template="employer_decision", to=employee.email).exists()


def test_accepting_a_request_no_longer_pending_reports_why(admin_client, employee):
    [webinar] = register(employee, session_of(ActionKind.WEBINAR))
    response = changelist_action(admin_client, "approve_for_structure", [webinar])
    [message] = messages_of(response)
    assert lowercase_first(text("not_pending_employer")) in message
    webinar.refresh_from_db()
    assert webinar.status == Status.CONFIRMED


def test_staff_refusal_asks_for_a_reason_first(admin_client, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    response = changelist_action(admin_client, "refuse_for_structure", [registration])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Motif du refus" in body
    assert registration.session.action.title in body
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refusal_without_a_reason_changes_nothing(admin_client, employee, reason):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    events = registration.events.count()
    response = changelist_action(
        admin_client, "refuse_for_structure", [registration], post="yes", reason=reason
    )
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER
    assert registration.events.count() == events


def test_staff_refuse_for_the_structure_with_a_reason(admin_client, admin_user, employee):
    registrations = register(
        employee, session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR)
    )
    response = changelist_action(
        admin_client,
        "refuse_for_structure",
        registrations,
        post="yes",
        reason="Pas de valideur : refusée par l'équipe",
    )
    assert response.status_code == 302
    messages = messages_of(response)
    assert "1 demande refusée pour la structure." in messages
    assert any(lowercase_first(text("not_pending_employer")) in m for m in messages)
    training, webinar = (Registration.objects.get(pk=r.pk) for r in registrations)
    assert training.status == Status.REFUSED
    assert training.decision_reason == "Pas de valideur : refusée par l'équipe"
    assert training.events.last().by == admin_user
    assert webinar.status == Status.CONFIRMED
