"""The rules held at their edges, through the services (issue « Exact rules »).

Each test is a case that broke on the platform before: a forged profile, the clock at a
rule's boundary, an order of operations nobody planned, hostile text.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from employers.models import Membership, Structure
from enrollment import rules, services
from enrollment.models import Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.selectors import quota_use
from enrollment.services import CartRefused
from enrollment.services.waitlist import lapse_overdue_requests
from mailing.models import Email
from tests.factories import (
    PARIS,
    MemberEmployeeFactory,
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def counted_trainings(user, count, *, days=40, starts_at=None):
    """`count` confirmed trainings this person already holds (they count in the quota)."""
    for _ in range(count):
        RegistrationFactory(
            user=user,
            session=session_of(ActionKind.TRAINING, days=days, starts_at=starts_at),
            status=Status.CONFIRMED,
        )


# --- R4: a declared status gives no self-approval (case 2) ------------------------------------


def test_q5_independent_attached_to_someone_elses_structure_needs_its_employer(member_structure):
    """« Indépendant·e » typed in the profile with the SIRET of a member structure: the
    requests wait for that structure's approvers, who are emailed."""
    forger = MemberEmployeeFactory(structure=member_structure, employment_status="independent")
    [registration] = register(forger, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_EMPLOYER
    assert Email.objects.filter(
        to=member_structure.approver.email, template="approval_requested"
    ).exists()


def test_q5_independent_in_their_own_structure_approves_themself():
    structure = StructureFactory(kind=Structure.Kind.INDEPENDENT)
    independent = MemberEmployeeFactory(structure=structure, employment_status="independent")
    structure.approvers.add(independent)
    [registration] = register(independent, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_PROVIDER


# --- R6: a promotion holds what the cart holds (case 1) ---------------------------------------


def test_q10_promotion_rechecks_the_quota_with_the_cart_just_validated(member_structure):
    """A person with 3 trainings waits in one session, then validates a 4th member-only
    request: the promotion that follows must see it and skip the training."""
    person = MemberEmployeeFactory(structure=member_structure)
    member_structure.approvers.add(UserFactory())
    counted_trainings(person, 2)
    full = session_of(ActionKind.TRAINING, capacity=1)
    holder = register(MemberEmployeeFactory(structure=StructureFactory()), full)[0]
    [waiting] = register(person, full)
    assert waiting.status == Status.WAITLISTED
    register(person, session_of(ActionKind.TRAINING))  # 3rd training, holding a place
    services.cancel(holder, by=holder.user, reason="Empêchement")
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED  # skipped: a 4th training is over the quota
    year = timezone.localtime(full.starts_at).year
    assert quota_use(person.pk, year).trainings == 3


# --- R7: the waiting list is served before anyone new (case 3) --------------------------------


def test_q9_after_the_cap_release_a_newcomer_does_not_pass_a_waiting_colleague(colleagues):
    """Between the release instant (start − 15 days) and the hourly task, the third
    colleague gets the free place before a newcomer of another structure."""
    session = session_of(ActionKind.TRAINING, days=20, capacity=4)
    third = [register(c, session)[0] for c in colleagues][2]
    assert third.status == Status.WAITLISTED
    newcomer = MemberEmployeeFactory(structure=StructureFactory())
    with time_machine.travel(rules.days_before(session.starts_at, 15), tick=False):
        # The release task has not run.
        [late] = register(newcomer, session)
    third.refresh_from_db()
    assert third.status == Status.PENDING_EMPLOYER
    assert late.status == Status.PENDING_EMPLOYER  # a place was left for the newcomer too
    assert third.submitted_at < late.submitted_at


def test_q9_last_place_goes_to_the_older_waiting_colleague_not_the_newcomer(colleagues):
    session = session_of(ActionKind.TRAINING, days=20, capacity=3)
    third = [register(c, session)[0] for c in colleagues][2]
    with time_machine.travel(rules.days_before(session.starts_at, 15), tick=False):
        [late] = register(MemberEmployeeFactory(structure=StructureFactory()), session)
    third.refresh_from_db()
    assert third.status == Status.PENDING_EMPLOYER
    assert late.status == Status.WAITLISTED


def test_q3_a_request_skipped_for_membership_is_served_when_the_structure_joins(
    django_capture_on_commit_callbacks,
):
    """A waitlisted request skipped at a promotion (no membership for the year) gets the
    free place as soon as its structure becomes a member, before any newcomer."""
    structure = StructureFactory()
    year = timezone.localdate().year + 1
    session = session_of(ActionKind.TRAINING, starts_at=dt.datetime(year, 3, 16, 9, tzinfo=PARIS))
    session.capacity = 1
    session.save()
    holder = register(MemberEmployeeFactory(structure=StructureFactory()), session)[0]
    person = MemberEmployeeFactory(structure=structure)
    [waiting] = register(person, session)
    assert waiting.status == Status.WAITLISTED
    Membership.objects.filter(structure=structure, year=year).delete()
    services.cancel(holder, by=holder.user, reason="Empêchement")
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED  # skipped: no membership for that year
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.create(structure=structure, year=year, formula="base")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER


def test_q10_a_request_skipped_for_the_quota_is_served_when_the_quota_frees(
    member_structure, django_capture_on_commit_callbacks
):
    person = MemberEmployeeFactory(structure=member_structure)
    member_structure.approvers.add(UserFactory())
    counted_trainings(person, 2)
    full = session_of(ActionKind.TRAINING, capacity=1)
    holder = register(MemberEmployeeFactory(structure=StructureFactory()), full)[0]
    [waiting] = register(person, full)
    [third] = register(person, session_of(ActionKind.TRAINING))
    services.cancel(holder, by=holder.user, reason="Empêchement")
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED  # skipped: 3 trainings already
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(third, by=person, reason="Je préfère l'autre session")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER


def test_q10_a_newcomer_does_not_take_the_place_of_a_request_now_eligible(member_structure):
    """Even when no follow-up ran, the next cart serves the older eligible request first."""
    person = MemberEmployeeFactory(structure=member_structure)
    member_structure.approvers.add(UserFactory())
    counted_trainings(person, 2)
    full = session_of(ActionKind.TRAINING, capacity=1)
    holder = register(MemberEmployeeFactory(structure=StructureFactory()), full)[0]
    [waiting] = register(person, full)
    [third] = register(person, session_of(ActionKind.TRAINING))
    services.cancel(holder, by=holder.user, reason="Empêchement")
    services.cancel(third, by=person, reason="Je préfère l'autre session")  # no on_commit run
    [late] = register(MemberEmployeeFactory(structure=StructureFactory()), full)
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER
    assert late.status == Status.WAITLISTED


# --- R5: raising the capacity keeps the cap (case 4) ------------------------------------------


def test_q9_capacity_raised_by_staff_keeps_the_structure_cap(colleagues):
    session = session_of(ActionKind.TRAINING, days=60, capacity=3)
    third = [register(c, session)[0] for c in colleagues][2]
    other = register(MemberEmployeeFactory(structure=StructureFactory()), session)[0]
    assert other.status == Status.PENDING_EMPLOYER
    [older_other] = register(MemberEmployeeFactory(structure=StructureFactory()), session)
    assert older_other.status == Status.WAITLISTED
    promoted = services.set_capacity(session, capacity=5, by=UserFactory(is_staff=True))
    assert [r.pk for r in promoted] == [older_other.pk]
    third.refresh_from_db()
    assert third.status == Status.WAITLISTED


# --- R9: no acceptance at or after the deadline (case 5) --------------------------------------


@pytest.mark.parametrize("offset", [dt.timedelta(0), dt.timedelta(minutes=5)])
def test_q12_acceptance_at_or_after_the_deadline_is_refused_and_the_request_lapses(
    employee, member_structure, offset
):
    session = session_of(ActionKind.TRAINING, days=30)
    [registration] = register(employee, session)
    with pytest.raises(RuleViolation) as refusal:
        services.approve(
            registration,
            by=member_structure.approver,
            now=session.registration_deadline + offset,
        )
    assert refusal.value.code == "deadline"
    assert refusal.value.message == rules.message("deadline_passed")
    registration.refresh_from_db()
    assert registration.status == Status.LAPSED
    assert registration.employer_approved_at is None


def test_q12_acceptance_a_second_before_the_deadline_is_taken(employee, member_structure):
    session = session_of(ActionKind.TRAINING, days=30)
    [registration] = register(employee, session)
    services.approve(
        registration,
        by=member_structure.approver,
        now=session.registration_deadline - dt.timedelta(seconds=1),
    )
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_PROVIDER


def test_q12_the_lapse_task_after_a_refused_acceptance_changes_nothing(employee, member_structure):
    session = session_of(ActionKind.TRAINING, days=30)
    [registration] = register(employee, session)
    with time_machine.travel(session.registration_deadline, tick=False):
        with pytest.raises(RuleViolation):
            services.approve(registration, by=member_structure.approver)
        assert lapse_overdue_requests() == 0
    registration.refresh_from_db()
    assert registration.status == Status.LAPSED


# --- R8: the 10 days on the Paris clock (case 6) ----------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(dt.datetime(2027, 4, 2, 9, tzinfo=PARIS), id="across_march_change"),
        pytest.param(dt.datetime(2027, 11, 5, 9, tzinfo=PARIS), id="across_october_change"),
    ],
)
def test_q11_ten_days_at_the_same_paris_time_is_not_late(employee, member_structure, start):
    session = session_of(ActionKind.TRAINING, starts_at=start)
    at_boundary = start - dt.timedelta(days=10)  # same wall clock: datetime arithmetic
    with time_machine.travel(at_boundary - dt.timedelta(days=30), tick=False):
        [registration] = register(employee, session)
        services.approve(registration, by=member_structure.approver)
    registration.refresh_from_db()
    assert services.cancellation_outcome(registration, now=at_boundary).counted is False
    services.cancel(registration, by=employee, reason="Imprévu", now=at_boundary)
    registration.refresh_from_db()
    assert registration.counted_in_quota is False


def test_q11_one_minute_after_is_late_and_the_page_agrees(client, employee, member_structure):
    start = dt.datetime(2027, 11, 5, 9, tzinfo=PARIS)
    session = session_of(ActionKind.TRAINING, starts_at=start)
    late = start - dt.timedelta(days=10) + dt.timedelta(minutes=1)
    with time_machine.travel(late - dt.timedelta(days=30), tick=False):
        [registration] = register(employee, session)
        services.approve(registration, by=member_structure.approver)
    with time_machine.travel(late, tick=False):
        client.force_login(employee)
        page = client.get(reverse("enrollment:cancel", args=[registration.pk]))
        assert "décomptée" in page.content.decode()
        services.cancel(registration, by=employee, reason="Imprévu")
    registration.refresh_from_db()
    assert registration.counted_in_quota is True


# --- R6: one session counts once (case 14) ----------------------------------------------------


def test_q10_a_late_cancellation_and_a_new_request_count_the_session_once(
    employee, member_structure
):
    session = session_of(ActionKind.TRAINING, days=5)
    [first] = register(employee, session)
    services.approve(first, by=member_structure.approver)
    services.cancel(first, by=employee, reason="Finalement non")
    first.refresh_from_db()
    assert first.counted_in_quota
    [again] = register(employee, session)
    year = timezone.localtime(session.starts_at).year
    assert again.holds_place
    assert quota_use(employee.pk, year).member_only == 1


def test_q10_a_session_already_counted_is_not_refused_for_the_quota(employee, member_structure):
    """Three trainings counted, one of them cancelled late: asking again for that same
    session adds nothing to the quota, so it is accepted."""
    session = session_of(ActionKind.TRAINING, days=5)
    counted_trainings(employee, 2, starts_at=session.starts_at)  # the same calendar year
    [first] = register(employee, session)
    services.approve(first, by=member_structure.approver)
    services.cancel(first, by=employee, reason="Finalement non")
    [again] = register(employee, session)
    assert again.holds_place


# --- texts (cases 11 and 12) ------------------------------------------------------------------


INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u3164"


def test_invisible_motivations_are_refused(employee):
    session = session_of(ActionKind.TRAINING)
    with pytest.raises(CartRefused) as refusal:
        register(employee, session, motivations=INVISIBLE)
    assert refusal.value.item_errors[session.pk].code == "motivations"
    assert not Registration.objects.exists()


@pytest.mark.parametrize("reason", [INVISIBLE, " \u200b ", "\u202e\u2066"])
def test_invisible_reasons_are_refused_everywhere(employee, member_structure, reason):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    with pytest.raises(RuleViolation):
        services.refuse(registration, by=member_structure.approver, reason=reason)
    with pytest.raises(RuleViolation):
        services.cancel(registration, by=employee, reason=reason)
    with pytest.raises(RuleViolation):
        services.cancel_session(registration.session, by=UserFactory(is_staff=True), reason=reason)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


def test_a_megabyte_of_motivations_is_refused_with_a_french_message(employee):
    session = session_of(ActionKind.TRAINING)
    with pytest.raises(CartRefused) as refusal:
        register(employee, session, motivations="a" * 1_000_000)
    violation = refusal.value.item_errors[session.pk]
    assert "5000 caractères au maximum" in violation.message
    assert not Email.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "job_title", "phone", "email"])
def test_contact_longer_than_the_database_allows_is_refused_cleanly(employee, field):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    contact = contact_of(employee)
    contact[field] = "x" * 300 + ("@example.test" if field == "email" else "")
    with pytest.raises(RuleViolation) as refusal:
        services.submit_cart(employee, contact=contact, motivations={session.pk: "Motivée"})
    assert refusal.value.code == "contact"
    assert not Registration.objects.exists()


def test_decline_reason_too_long_is_refused(employee, member_structure):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    services.approve(registration, by=member_structure.approver)
    with pytest.raises(RuleViolation) as refusal:
        services.decline(registration, by=UserFactory(is_staff=True), reason="x" * 1_000_000)
    assert "2000 caractères" in refusal.value.message
    assert len(mail.outbox) == 0 or all(len(m.body) < 100_000 for m in mail.outbox)


def test_q10_a_lapse_that_frees_the_quota_serves_the_persons_wait_elsewhere(
    member_structure, django_capture_on_commit_callbacks
):
    """A request still waiting for the employer lapses at its deadline: it no longer counts,
    so the same person's request skipped for the quota elsewhere gets its free place."""
    person = MemberEmployeeFactory(structure=member_structure)
    member_structure.approvers.add(UserFactory())
    counted_trainings(person, 2)
    full = session_of(ActionKind.TRAINING, capacity=1)
    holder = register(MemberEmployeeFactory(structure=StructureFactory()), full)[0]
    [waiting] = register(person, full)
    soon = session_of(ActionKind.TRAINING)  # same year; its deadline is passed below
    [third] = register(person, soon)
    assert third.status == Status.PENDING_EMPLOYER
    services.cancel(holder, by=holder.user, reason="Empêchement")
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED  # skipped: 3 trainings already
    with django_capture_on_commit_callbacks(execute=True):
        services.lapse_overdue(soon, now=soon.registration_deadline)
    third.refresh_from_db()
    waiting.refresh_from_db()
    assert third.status == Status.LAPSED
    assert waiting.status == Status.PENDING_EMPLOYER


def test_q12_a_refusal_at_the_deadline_leaves_the_lapse_and_a_consistent_history(
    employee, member_structure
):
    """Found by the model-based test: a refusal after the deadline used to write « refused »
    over the lapse it had just recorded (history lapsed, then pending → refused)."""
    session = session_of(ActionKind.TRAINING, days=30)
    [registration] = register(employee, session)
    with pytest.raises(RuleViolation):
        services.refuse(
            registration,
            by=member_structure.approver,
            reason="Non",
            now=session.registration_deadline,
        )
    registration.refresh_from_db()
    assert registration.status == Status.LAPSED
    moves = list(registration.events.values_list("from_status", "to_status"))
    assert moves == [("", Status.PENDING_EMPLOYER), (Status.PENDING_EMPLOYER, Status.LAPSED)]


def test_q12_a_withdrawal_after_the_deadline_leaves_the_lapse(employee):
    session = session_of(ActionKind.TRAINING, days=30)
    [registration] = register(employee, session)
    with pytest.raises(RuleViolation):
        services.cancel(
            registration, by=employee, reason="Imprévu", now=session.registration_deadline
        )
    registration.refresh_from_db()
    assert registration.status == Status.LAPSED


def test_q12_an_account_deletion_after_the_deadline_lapses_the_session_first(member_structure):
    """Found by the model-based test: a deletion touching a session past its deadline left
    another person's waitlisted request waiting."""
    from enrollment import privacy

    session = session_of(ActionKind.TRAINING, days=30, capacity=1)
    [leaver] = register(MemberEmployeeFactory(structure=StructureFactory()), session)
    [waiting] = register(MemberEmployeeFactory(structure=StructureFactory()), session)
    assert waiting.status == Status.WAITLISTED
    with time_machine.travel(session.registration_deadline, tick=False):
        privacy.delete_account(leaver.user)
    waiting.refresh_from_db()
    assert waiting.status == Status.LAPSED
