"""Decisions, cancellations, the waiting list and the periodic work, through the services."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.selectors import quota_use, waitlist_position
from enrollment.services.waitlist import lapse_overdue_requests, release_structure_caps
from tests.factories import (
    MemberEmployeeFactory,
    RegistrationFactory,
    UserFactory,
    next_year_start,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def fill(session, count):
    return [register(UserFactory(), session)[0] for _ in range(count)]


# --- employer decisions (R4) -------------------------------------------------------------------


def test_approve_moves_to_provider_and_records_who(employee, member_structure):
    [registration] = register(employee, session_of())
    services.approve(registration, by=member_structure.approver)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_PROVIDER
    assert registration.employer_approved_by == member_structure.approver
    event = registration.events.last()
    assert (event.from_status, event.to_status, event.by) == (
        Status.PENDING_EMPLOYER,
        Status.PENDING_PROVIDER,
        member_structure.approver,
    )


def test_approver_of_another_structure_cannot_decide(employee):
    [registration] = register(employee, session_of())
    stranger = MemberEmployeeFactory()
    stranger.structure.approvers.add(stranger)
    with pytest.raises(PermissionDenied):
        services.approve(registration, by=stranger)
    with pytest.raises(PermissionDenied):
        services.refuse(registration, by=stranger, reason="Non")
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


def test_professional_cannot_approve_own_request(employee, member_structure):
    member_structure.approvers.add(employee)
    [registration] = register(employee, session_of())
    with pytest.raises(PermissionDenied):
        services.approve(registration, by=employee)


def test_refusal_needs_a_reason_and_frees_the_place(member_structure):
    session = session_of(capacity=1)
    first = MemberEmployeeFactory(structure=member_structure)
    [held] = register(first, session)
    [waiting] = register(UserFactory(structure=MemberEmployeeFactory().structure), session)
    assert waiting.status == Status.WAITLISTED
    with pytest.raises(RuleViolation):
        services.refuse(held, by=member_structure.approver, reason="  ")
    services.refuse(held, by=member_structure.approver, reason="Période chargée")
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.status == Status.REFUSED
    assert held.decision_reason == "Période chargée"
    assert waiting.status == Status.PENDING_EMPLOYER


def test_pre_approved_waitlisted_request_skips_employer_on_promotion(member_structure):
    session = session_of(capacity=1)
    [holder] = fill_members(session, 1)
    [waiting] = register(MemberEmployeeFactory(structure=member_structure), session)
    services.approve(waiting, by=member_structure.approver)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED
    assert waiting.employer_approved_at is not None
    services.cancel(holder, by=holder.user, reason="Indisponible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_PROVIDER


# --- provider decisions (R10) ------------------------------------------------------------------


def test_provider_confirms_and_declines(employee, member_structure):
    session = session_of(capacity=1)
    [registration] = register(employee, session)
    services.approve(registration, by=member_structure.approver)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        services.confirm(registration, by=outsider)
    provider_user = UserFactory()
    session.action.provider.users.add(provider_user)
    services.confirm(registration, by=provider_user)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_decline_frees_the_place_for_the_waiting_list():
    session = session_of(ActionKind.DISCOVERY_MODULE, capacity=1)
    owner = MemberEmployeeFactory()
    owner.structure.approvers.add(UserFactory(structure=owner.structure))
    [registration] = register(owner, session)
    services.approve(registration, by=owner.structure.approvers.first())
    [waiting] = register(MemberEmployeeFactory(), session)
    staff = UserFactory(is_staff=True)
    services.decline(registration, by=staff, reason="Motivations hors objectifs")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER


# --- cancellation (R8) and the waiting list (R7) ---------------------------------------------


def test_q11_cancel_9_days_before_is_counted(employee, member_structure):
    """A late withdrawal from a request the employer had accepted counts in the quota."""
    [registration] = register(employee, session_of(days=9, capacity=5))
    services.approve(registration, by=member_structure.approver)
    services.cancel(registration, by=employee, reason="Surcharge de travail")
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert registration.counted_in_quota is True
    year = timezone.localtime(registration.session.starts_at).year
    assert quota_use(employee.pk, year).member_only == 1


def test_q11_late_withdrawal_of_a_request_awaiting_the_employer_is_not_counted(employee):
    """DESIGN R8: withdrawing a request still waiting for the employer is never counted."""
    [registration] = register(employee, session_of(days=9, capacity=5))
    assert registration.status == Status.PENDING_EMPLOYER
    services.cancel(registration, by=employee, reason="Surcharge de travail")
    registration.refresh_from_db()
    assert registration.counted_in_quota is False


def test_q11_cancel_exactly_10_days_before_is_not_counted(employee):
    session = session_of(days=30)
    [registration] = register(employee, session)
    services.cancel(
        registration, by=employee, reason="Imprévu", now=session.starts_at - dt.timedelta(days=10)
    )
    registration.refresh_from_db()
    assert registration.counted_in_quota is False


def test_cancelling_a_waitlisted_request_is_never_counted(employee):
    session = session_of(days=5, capacity=1)
    fill_members(session, 1)
    [waiting] = register(employee, session)
    services.cancel(waiting, by=employee, reason="Plus disponible")
    waiting.refresh_from_db()
    assert waiting.counted_in_quota is False


def test_only_the_owner_or_staff_cancels(employee):
    [registration] = register(employee, session_of())
    with pytest.raises(PermissionDenied):
        services.cancel(registration, by=UserFactory(), reason="x")
    services.cancel(registration, by=UserFactory(is_staff=True), reason="Session reportée")


def test_cancel_requires_reason_and_changes_nothing_without(employee):
    [registration] = register(employee, session_of())
    with pytest.raises(RuleViolation) as refusal:
        services.cancel(registration, by=employee, reason="")
    assert refusal.value.code == "reason_required"
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


def test_cancellation_promotes_the_first_waitlisted_in_order(django_capture_on_commit_callbacks):
    session = session_of(ActionKind.WEBINAR, capacity=2)
    holders = fill(session, 2)
    waiting = fill(session, 3)
    assert [waitlist_position(r) for r in waiting] == [1, 2, 3]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(holders[0], by=holders[0].user, reason="Empêchement")
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == [Status.CONFIRMED, Status.WAITLISTED, Status.WAITLISTED]
    assert waitlist_position(Registration.objects.get(pk=waiting[1].pk)) == 1
    promoted_mail = [m for m in mail.outbox if m.to == [waiting[0].email]]
    assert any("place s'est libérée" in m.subject for m in promoted_mail)
    notice = [m for m in mail.outbox if re.search(r"Désistement d(e |')", m.subject)]
    assert notice  # staff are told


def test_promotion_skips_a_request_that_would_break_the_quota(django_capture_on_commit_callbacks):
    session = session_of(ActionKind.TRAINING, capacity=1, starts_at=next_year_start(6))
    [holder] = fill_members(session, 1)
    over_quota = MemberEmployeeFactory()
    [skipped] = register(over_quota, session)
    for month in (1, 2, 3):
        RegistrationFactory(
            user=over_quota, session=session_of(starts_at=next_year_start(month, 2))
        )
    [next_in_line] = register(MemberEmployeeFactory(), session)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(holder, by=holder.user, reason="Empêchement")
    assert Registration.objects.get(pk=skipped.pk).status == Status.WAITLISTED
    assert Registration.objects.get(pk=next_in_line.pk).status == Status.PENDING_EMPLOYER
    assert any(
        m.to == [over_quota.email] and "ne peut pas aboutir" in m.subject for m in mail.outbox
    )


def fill_members(session, count):
    return [register(MemberEmployeeFactory(), session)[0] for _ in range(count)]


def test_q9_structure_cap_released_15_days_before_start(colleagues):
    session = session_of(ActionKind.TRAINING, days=20, capacity=10)
    registrations = [register(c, session)[0] for c in colleagues]
    assert registrations[2].status == Status.WAITLISTED
    assert release_structure_caps() == 0  # 20 days before: the cap holds
    with time_machine.travel(session.starts_at - dt.timedelta(days=15), tick=False):
        assert release_structure_caps() == 1
        assert release_structure_caps() == 0  # idempotent
    assert Registration.objects.get(pk=registrations[2].pk).status == Status.PENDING_EMPLOYER


def test_staff_promotion_of_a_named_request_ignores_the_structure_cap(colleagues):
    session = session_of(ActionKind.TRAINING, days=40, capacity=10)
    third = [register(c, session)[0] for c in colleagues][2]
    assert services.promote_waitlist(session) == []
    staff = UserFactory(is_staff=True)
    assert services.promote_waitlist(session, by=staff) == []
    promoted = services.promote(third, by=staff)
    assert promoted.status == Status.PENDING_EMPLOYER


def test_capacity_raised_promotes_waitlisted():
    session = session_of(ActionKind.CONFERENCE, capacity=1)
    fill(session, 1)
    [waiting] = fill(session, 1)
    session.capacity = 2
    session.save()
    [promoted] = services.promote_waitlist(session)
    assert promoted.pk == waiting.pk


def test_requests_pending_employer_lapse_at_the_deadline(employee):
    session = session_of(days=10)
    [pending] = register(employee, session)
    [waiting] = register(UserFactory(), session_of(ActionKind.WEBINAR, capacity=1, days=10))
    assert lapse_overdue_requests() == 0
    with time_machine.travel(session.registration_deadline + dt.timedelta(minutes=1), tick=False):
        assert lapse_overdue_requests() == 1
        assert lapse_overdue_requests() == 0
    pending.refresh_from_db()
    assert pending.status == Status.LAPSED
    assert (
        RegistrationEvent.objects.filter(registration=pending, to_status=Status.LAPSED).count() == 1
    )


def test_every_transition_is_in_the_audit_trail(employee, member_structure):
    [registration] = register(employee, session_of())
    services.approve(registration, by=member_structure.approver)
    services.cancel(registration, by=employee, reason="Changement de poste")
    moves = list(registration.events.values_list("from_status", "to_status"))
    assert moves == [
        ("", Status.PENDING_EMPLOYER),
        (Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER),
        (Status.PENDING_PROVIDER, Status.CANCELLED),
    ]


def test_closed_registration_cannot_be_cancelled_again(employee):
    [registration] = register(employee, session_of())
    services.cancel(registration, by=employee, reason="x")
    with pytest.raises(RuleViolation) as refusal:
        services.cancel(registration, by=employee, reason="x")
    assert refusal.value.code == "not_cancellable"


def test_staff_decide_for_a_structure(employee, admin_user):
    """Staff may accept or refuse for a structure (one left without an approver, say)."""
    first, second = (session_of(), session_of())
    [approved] = register(employee, first)
    [refused] = register(employee, second)
    services.approve(approved, by=admin_user)
    services.refuse(refused, by=admin_user, reason="Pas cette année")
    approved.refresh_from_db()
    refused.refresh_from_db()
    assert approved.status == Status.PENDING_PROVIDER
    assert approved.employer_approved_by == admin_user
    assert refused.status == Status.REFUSED
