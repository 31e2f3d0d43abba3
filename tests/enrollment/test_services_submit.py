"""Cart validation through `submit_cart`: every rule applied to real rows."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import CartItem, Registration, RegistrationEvent, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.services import CartRefused
from mailing.models import Email
from tests.factories import (
    JobSeekerFactory,
    MemberEmployeeFactory,
    MembershipFactory,
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    next_year_start,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def test_member_only_request_waits_for_employer_and_holds_a_place(employee, member_structure):
    session = session_of(ActionKind.TRAINING)
    [registration] = register(employee, session)
    assert registration.status == Status.PENDING_EMPLOYER
    assert registration.structure == member_structure
    assert registration.motivations == "Je souhaite approfondir ma pratique."
    assert registration.email == employee.email
    assert not CartItem.objects.filter(cart__user=employee).exists()
    event = RegistrationEvent.objects.get(registration=registration)
    assert (event.from_status, event.to_status, event.by) == ("", Status.PENDING_EMPLOYER, employee)


def test_q4_job_seeker_confirmed_directly_on_a_webinar():
    job_seeker = JobSeekerFactory()
    [registration] = register(job_seeker, session_of(ActionKind.WEBINAR))
    assert registration.status == Status.CONFIRMED
    assert registration.structure is None


def test_q4_job_seeker_cannot_add_member_only_action_to_cart():
    with pytest.raises(RuleViolation) as refusal:
        services.add_to_cart(JobSeekerFactory(), session_of(ActionKind.TRAINING))
    assert refusal.value.code == "audience"
    assert "demandeurs d'emploi" in refusal.value.message


def test_independent_member_skips_employer_step():
    structure = StructureFactory(kind="independent")
    MembershipFactory(structure=structure)
    MembershipFactory(structure=structure, year=timezone.localdate().year + 1)
    independent = UserFactory(employment_status="independent", structure=structure)
    structure.approvers.add(independent)
    [registration] = register(independent, session_of(ActionKind.PRACTICE_WORKSHOP))
    assert registration.status == Status.PENDING_PROVIDER


def test_q3_non_member_structure_is_refused_with_how_to_join():
    outsider = UserFactory()  # structure without membership
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(outsider, session)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(outsider, contact=contact_of(outsider), motivations={session.pk: "x"})
    violation = refusal.value.item_errors[session.pk]
    assert violation.code == "membership"
    assert "100 €" in violation.message
    assert not Registration.objects.exists()
    assert CartItem.objects.filter(cart__user=outsider).count() == 1


def test_q3_membership_for_last_year_only_is_refused():
    structure = StructureFactory()
    MembershipFactory(structure=structure, year=timezone.localdate().year - 1)
    employee = UserFactory(structure=structure)
    session = session_of(ActionKind.DISCOVERY_MODULE)
    services.add_to_cart(employee, session)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: "x"})
    assert refusal.value.item_errors[session.pk].code == "membership"


def test_membership_is_checked_for_the_year_of_the_session_start():
    """A membership of next year only opens next year's sessions."""
    structure = StructureFactory()
    MembershipFactory(structure=structure, year=timezone.localdate().year + 1)
    employee = UserFactory(structure=structure)
    [registration] = register(employee, session_of(starts_at=next_year_start(1, 12)))
    assert registration.status == Status.PENDING_EMPLOYER


def test_short_format_needs_no_membership():
    [registration] = register(UserFactory(), session_of(ActionKind.CONFERENCE))
    assert registration.status == Status.CONFIRMED


def test_cart_mixing_allowed_and_refused_items_creates_nothing(employee):
    webinar = session_of(ActionKind.WEBINAR)
    trainings = [session_of(starts_at=next_year_start(3, d)) for d in (2, 3, 4, 5)]
    for session in [webinar, *trainings]:
        services.add_to_cart(employee, session)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(
            employee,
            contact=contact_of(employee),
            motivations={s.pk: "Motivé" for s in [webinar, *trainings]},
        )
    assert list(refusal.value.item_errors) == [trainings[3].pk]
    assert refusal.value.item_errors[trainings[3].pk].code == "quota"
    assert not Registration.objects.exists()
    assert not Email.objects.exists()
    assert CartItem.objects.filter(cart__user=employee).count() == 5


def test_missing_motivations_refuse_the_item(employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: " "})
    assert refusal.value.item_errors[session.pk].code == "motivations"
    assert not Registration.objects.exists()


@pytest.mark.parametrize("missing", ["first_name", "last_name", "email", "phone", "job_title"])
def test_q7_every_contact_field_is_required(employee, missing):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    contact = contact_of(employee) | {missing: ""}
    with pytest.raises(RuleViolation) as refusal:
        services.submit_cart(employee, contact=contact, motivations={session.pk: "x"})
    assert refusal.value.code == "contact"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("phone", "kept"),
    [("０５ ５６ ００ ００ ００", "05 56 00 00 00"), ("05\u00a056\u00a000\u00a000\u00a000", None)],
)
def test_q7_the_contact_phone_is_read_as_the_profile_reads_it(employee, phone, kept):
    """Full-width digits and non-breaking spaces are read as 0-9 and spaces
    (`common.identifiers`)."""
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    contact = contact_of(employee) | {"phone": phone}
    [registration] = services.submit_cart(employee, contact=contact, motivations={session.pk: "x"})
    assert registration.phone == (kept or "05 56 00 00 00")


@pytest.mark.parametrize("phone", ["٠٥٥٦٠٠٠٠٠٠", "05 56", "joignable le matin"])
def test_q7_a_contact_phone_without_ten_digits_is_refused_in_french(employee, phone):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    contact = contact_of(employee) | {"phone": phone}
    with pytest.raises(RuleViolation) as refusal:
        services.submit_cart(employee, contact=contact, motivations={session.pk: "x"})
    assert refusal.value.code == "contact"
    assert "au moins 10 chiffres" in refusal.value.message
    assert not Registration.objects.exists()


def test_empty_cart_is_refused(employee):
    with pytest.raises(RuleViolation) as refusal:
        services.submit_cart(employee, contact=contact_of(employee), motivations={})
    assert refusal.value.code == "empty_cart"


def test_double_submission_creates_nothing_twice(employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: "x"})
    with pytest.raises(RuleViolation):
        services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: "x"})
    assert Registration.objects.count() == 1


def test_already_requested_session_cannot_be_added_again(employee):
    session = session_of(ActionKind.WEBINAR)
    register(employee, session)
    with pytest.raises(RuleViolation) as refusal:
        services.add_to_cart(employee, session)
    assert refusal.value.code == "already_requested"


def test_closed_session_cannot_be_added():
    session = session_of(ActionKind.WEBINAR, days=1)  # deadline was yesterday
    with pytest.raises(RuleViolation) as refusal:
        services.add_to_cart(UserFactory(), session)
    assert refusal.value.code == "closed"


def test_adding_twice_keeps_one_item(employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    services.add_to_cart(employee, session)
    assert CartItem.objects.filter(cart__user=employee).count() == 1


# --- R6 annual quota ---------------------------------------------------------------------------


def counted(user, kind, *, status=Status.CONFIRMED, month=2, **kwargs):
    return RegistrationFactory(
        user=user,
        session=session_of(kind, starts_at=next_year_start(month, 1)),
        status=status,
        **kwargs,
    )


def test_q10_fourth_training_refused(employee):
    for month in (1, 2, 3):
        counted(employee, ActionKind.TRAINING, month=month)
    session = session_of(starts_at=next_year_start(6))
    services.add_to_cart(employee, session)
    with pytest.raises(CartRefused) as refusal:
        services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: "x"})
    violation = refusal.value.item_errors[session.pk]
    assert violation.code == "quota"
    assert "3 actions de formation" in violation.message


def test_q10_three_trainings_and_one_self_training_allowed(employee):
    for month in (1, 2, 3):
        counted(employee, ActionKind.TRAINING, month=month)
    [registration] = register(
        employee, session_of(ActionKind.TUTORED_SELF_TRAINING, starts_at=next_year_start(6))
    )
    assert registration.status == Status.PENDING_EMPLOYER


def test_q10_fifth_member_only_action_refused(employee):
    for month, kind in zip(
        (1, 2, 3, 4),
        [
            ActionKind.TRAINING,
            ActionKind.PRACTICE_WORKSHOP,
            ActionKind.DISCOVERY_MODULE,
            ActionKind.TUTORED_SELF_TRAINING,
        ],
        strict=True,
    ):
        counted(employee, kind, month=month)
    session = session_of(ActionKind.DISCOVERY_MODULE, starts_at=next_year_start(6))
    services.add_to_cart(employee, session)
    with pytest.raises(CartRefused):
        services.submit_cart(employee, contact=contact_of(employee), motivations={session.pk: "x"})


def test_q10_exactly_three_trainings_in_one_cart(employee):
    sessions = [session_of(starts_at=next_year_start(5, d)) for d in (4, 5, 6)]
    registrations = register(employee, *sessions)
    assert [r.status for r in registrations] == [Status.PENDING_EMPLOYER] * 3


def test_q10_webinars_are_unlimited(employee):
    for month in (1, 2, 3, 4):
        counted(employee, ActionKind.TRAINING, month=month)
    [registration] = register(employee, session_of(ActionKind.WEBINAR))
    assert registration.status == Status.CONFIRMED


@pytest.mark.parametrize(
    ("status", "extra", "blocks"),
    [
        pytest.param(Status.PENDING_EMPLOYER, {}, True, id="pending_employer_counts"),
        pytest.param(Status.ATTENDED, {}, True, id="attended_counts"),
        pytest.param(Status.ABSENT, {}, True, id="absent_counts"),
        pytest.param(Status.CANCELLED, {"counted_in_quota": True}, True, id="q11_late_counts"),
        pytest.param(Status.CANCELLED, {}, False, id="q11_cancelled_in_time_not_counted"),
        pytest.param(Status.REFUSED, {}, False, id="refused_not_counted"),
        pytest.param(Status.DECLINED, {}, False, id="declined_not_counted"),
        pytest.param(Status.LAPSED, {}, False, id="lapsed_not_counted"),
        pytest.param(Status.WAITLISTED, {}, False, id="waitlisted_not_counted"),
    ],
)
def test_q10_what_counts_in_the_quota(employee, status, extra, blocks):
    for month in (1, 2):
        counted(employee, ActionKind.TRAINING, month=month)
    counted(employee, ActionKind.TRAINING, month=3, status=status, **extra)
    session = session_of(starts_at=next_year_start(6))
    services.add_to_cart(employee, session)
    if blocks:
        with pytest.raises(CartRefused):
            services.submit_cart(
                employee, contact=contact_of(employee), motivations={session.pk: "x"}
            )
    else:
        [registration] = services.submit_cart(
            employee, contact=contact_of(employee), motivations={session.pk: "x"}
        )
        assert registration.status == Status.PENDING_EMPLOYER


def test_q10_quota_restarts_each_calendar_year(employee):
    """Trainings of the year before do not count for a session starting in January."""
    for month in (2, 3, 4):
        RegistrationFactory(
            user=employee,
            session=session_of(
                starts_at=dt.datetime(timezone.localdate().year - 1, month, 1, 9, tzinfo=dt.UTC)
            ),
        )
    [registration] = register(employee, session_of(starts_at=next_year_start(1, 5)))
    assert registration.status == Status.PENDING_EMPLOYER


# --- R5 structure cap and R7 places ----------------------------------------------------------


def test_q9_third_colleague_is_waitlisted(colleagues):
    session = session_of(ActionKind.TRAINING, capacity=10)
    first, second, third = (register(c, session)[0] for c in colleagues)
    assert first.status == second.status == Status.PENDING_EMPLOYER
    assert third.status == Status.WAITLISTED
    assert third.waitlist_reason == "structure_cap"


def test_q9_cap_does_not_apply_to_short_formats(colleagues):
    session = session_of(ActionKind.WEBINAR, capacity=10)
    statuses = [register(c, session)[0].status for c in colleagues]
    assert statuses == [Status.CONFIRMED] * 3


def test_q9_cap_released_15_days_before_start(colleagues):
    session = session_of(ActionKind.TRAINING, days=14, capacity=10)
    statuses = [register(c, session)[0].status for c in colleagues]
    assert statuses == [Status.PENDING_EMPLOYER] * 3


def test_q12_full_session_waitlists_in_order():
    session = session_of(ActionKind.WEBINAR, capacity=2)
    users = [UserFactory() for _ in range(4)]
    statuses = [register(u, session)[0].status for u in users]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED, Status.WAITLISTED]


def test_emails_recorded_and_sent_after_commit(
    employee, member_structure, django_capture_on_commit_callbacks
):
    webinar = session_of(ActionKind.WEBINAR)
    training = session_of(ActionKind.TRAINING)
    with django_capture_on_commit_callbacks(execute=True):
        register(employee, webinar, training)
    assert Email.objects.count() == 2
    assert Email.objects.unsent().count() == 0
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "2 demandes" in subjects[employee.email]
    approver_mail = next(m for m in mail.outbox if m.to == [member_structure.approver.email])
    assert training.action.title in approver_mail.body
    assert webinar.action.title not in approver_mail.body
    assert "/espace-employeur/" in approver_mail.body
    assert approver_mail.alternatives  # HTML version


def test_waitlisted_owner_is_emailed(django_capture_on_commit_callbacks):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    late = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        register(late, session)
    assert any("Liste d'attente" in m.subject and m.to == [late.email] for m in mail.outbox)


def test_sole_approver_employee_approves_own_requests():
    """An employee who alone approves for their structure skips the employer step: nobody
    else could decide for them."""
    boss = MemberEmployeeFactory()
    boss.structure.approvers.add(boss)
    [registration] = register(boss, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_PROVIDER


def test_approver_employee_with_a_co_approver_waits_for_them(member_structure):
    colleague_approver = MemberEmployeeFactory(structure=member_structure)
    member_structure.approvers.add(colleague_approver)
    [registration] = register(colleague_approver, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_EMPLOYER
