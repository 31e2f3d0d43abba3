"""Emails to approvers and employees around the employer's decision (Q8, R4, R7, R8)."""

import pytest
from django.core import mail

from catalog.models import ActionKind
from common.text import de_name
from enrollment import services
from enrollment.models import Registration
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status


def emails(template, to=None):
    queryset = Email.objects.filter(template=template).order_by("pk")
    return rendered(queryset.filter(to=to) if to else queryset)


def test_q8_one_email_per_approver_per_cart_listing_the_requests(structure, approver, employee):
    second_approver = MemberEmployeeFactory(structure=structure, email="codir@example.test")
    structure.approvers.add(second_approver)
    training = session_of(ActionKind.TRAINING)
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP)
    webinar = session_of(ActionKind.WEBINAR)
    register(employee, training, workshop, webinar, motivations="Outiller mon équipe.")
    for to in (approver.email, second_approver.email):
        (email,) = emails("approval_requested", to)
        assert "demande à suivre 2 actions" in email.subject
        assert training.action.title in email.body_text
        assert workshop.action.title in email.body_text
        assert webinar.action.title not in email.body_text  # short formats need no approval
        assert "Outiller mon équipe." in email.body_text
        assert "/espace-employeur/" in email.body_text
    assert len(emails("approval_requested")) == 2


def test_q8_the_approver_email_is_sent_after_commit(
    approver, employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(employee, session_of(ActionKind.TRAINING))
    sent = [m for m in mail.outbox if m.to == [approver.email]]
    assert len(sent) == 1
    assert Email.objects.get(to=approver.email).sent_at is not None


def test_an_approvers_own_request_is_not_sent_to_them(structure, approver):
    register(approver, session_of(ActionKind.TRAINING))
    assert emails("approval_requested") == []


def test_waitlisted_member_request_is_sent_for_pre_approval(structure, approver):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    register(first, session)
    register(second, session)
    last = emails("approval_requested", approver.email)[-1]
    assert "en liste d'attente (vous pouvez la pré-accepter)" in last.body_text


def test_independents_get_no_approval_email(independent):
    (registration,) = register(independent, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_PROVIDER
    assert emails("approval_requested") == []


def test_the_employee_is_told_of_an_acceptance(approver, employee):
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.approve(registration, by=approver)
    (email,) = emails("employer_decision", employee.email)
    assert email.subject.startswith("[ParcoursPro] Votre employeur a accepté votre demande")
    assert "attend maintenant la confirmation du prestataire" in email.body_text


def test_the_employee_is_told_of_a_refusal_and_its_reason(approver, employee):
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.refuse(registration, by=approver, reason="Formation prévue en interne.")
    (email,) = emails("employer_decision", employee.email)
    assert email.subject.startswith("[ParcoursPro] Votre employeur a refusé votre demande")
    assert "Motif\u00a0: Formation prévue en interne." in email.body_text


def test_the_employee_is_told_of_a_pre_approval(structure, approver):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    register(first, session)
    (waiting,) = register(second, session)
    services.approve(waiting, by=approver)
    (email,) = emails("employer_decision", second.email)
    assert "pré-accepté votre demande" in email.body_text


def test_r8_cancelling_an_approved_request_tells_the_approvers(approver, employee, settings):
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.approve(registration, by=approver)
    services.cancel(registration, by=employee, reason="Déménagement")
    (notice,) = emails("cancellation_notice", approver.email)
    assert notice.subject.startswith(f"[ParcoursPro] Désistement {de_name(employee.first_name)}")
    assert emails("cancellation_notice", settings.PROGRAMME_CONTACT_EMAIL)


def test_r8_cancelling_a_request_not_yet_approved_does_not_tell_the_approvers(approver, employee):
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.cancel(registration, by=employee, reason="Déménagement")
    assert emails("cancellation_notice", approver.email) == []


def test_r7_promotion_to_the_employer_step_asks_the_approvers_again(structure, approver):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    (held,) = register(first, session)
    (waiting,) = register(second, session)
    before = len(emails("approval_requested", approver.email))
    services.cancel(held, by=first, reason="Indisponible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER
    promoted = emails("approval_requested", approver.email)[before:]
    assert len(promoted) == 1
    assert promoted[0].subject.startswith("[ParcoursPro] Une place s'est libérée")
    assert emails("registration_promoted", second.email)


def test_r7_promotion_of_a_pre_approved_request_skips_the_approvers(structure, approver):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    (held,) = register(first, session)
    (waiting,) = register(second, session)
    services.approve(waiting, by=approver)
    before = len(emails("approval_requested", approver.email))
    services.cancel(held, by=first, reason="Indisponible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_PROVIDER
    assert len(emails("approval_requested", approver.email)) == before


def test_every_email_about_a_request_records_whom_it_is_about(approver, employee):
    """The outbox knows whom each email is about, so that an account deletion finds them."""
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.approve(registration, by=approver)
    services.cancel(registration, by=employee, reason="Déménagement")
    templates = set()
    for email in Email.objects.prefetch_related("concerns"):
        assert list(email.concerns.all()) == [employee], email.template
        templates.add(email.template)
    assert {"approval_requested", "employer_decision", "cancellation_notice"} <= templates
