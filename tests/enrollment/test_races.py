"""Races that broke the rules or answered 500, run many times from parallel threads on
PostgreSQL (issue « Exact rules », cases 1 and 7)."""

import threading

import pytest
from django.conf import settings
from django.db import OperationalError, transaction

from catalog.models import ActionKind, Session
from enrollment import locking, services
from enrollment.models import Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.selectors import quota_use
from tests.factories import (
    MemberEmployeeFactory,
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    session_of,
)

from .test_concurrency import run_in_parallel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL: set DATABASE_URL (CI does) to run the race tests",
    ),
]
Status = RegistrationStatus
ROUNDS = 6


def submit(user, *sessions):
    return lambda: services.submit_cart(
        user, contact=contact_of(user), motivations={s.pk: "Motivée" for s in sessions}
    )


def unexpected(errors):
    """Errors other than the rules' refusals: a lock conflict that reached the caller, an
    integrity error, anything a person would see as a 500."""
    return {k: e for k, e in errors.items() if not isinstance(e, RuleViolation)}


def person_with_three_counted(structure):
    """A member employee with 3 member-only requests counted this year (2 trainings)."""
    person = MemberEmployeeFactory(structure=structure)
    session = session_of(ActionKind.TRAINING)
    for kind in (ActionKind.TRAINING, ActionKind.TRAINING, ActionKind.DISCOVERY_MODULE):
        RegistrationFactory(
            user=person,
            session=session_of(kind, starts_at=session.starts_at),
            status=Status.CONFIRMED,
        )
    return person, session.starts_at


def waitlisted_behind(person, session):
    """`person` waits in `session` (1 place) behind a stranger; returns the stranger's
    request, whose cancellation frees the place."""
    holder = RegistrationFactory(
        user=MemberEmployeeFactory(structure=StructureFactory()),
        session=session,
        status=Status.PENDING_PROVIDER,
    )
    services.add_to_cart(person, session)
    [waiting] = submit(person, session)()
    assert waiting.status == Status.WAITLISTED
    return holder


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_q10_a_promotion_racing_the_same_persons_cart_never_passes_4(round_, member_structure):
    """Case 1: 3 counted, waiting in one session while validating a 4th elsewhere, and the
    wait ends at the same instant: at most 4 count."""
    person, starts_at = person_with_three_counted(member_structure)
    full = session_of(ActionKind.PRACTICE_WORKSHOP, starts_at=starts_at, capacity=1)
    holder = waitlisted_behind(person, full)
    other = session_of(ActionKind.PRACTICE_WORKSHOP, starts_at=starts_at)
    services.add_to_cart(person, other)

    _, errors = run_in_parallel(
        {
            "cancel": lambda: services.cancel(holder, by=holder.user, reason="Empêchement"),
            "cart": submit(person, other),
        }
    )

    assert unexpected(errors) == {}
    year = starts_at.year
    assert quota_use(person.pk, year).member_only <= 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_q10_two_promotions_of_one_person_at_once_never_pass_4(round_, member_structure):
    """Case 1: the same person waits in two sessions; both places free at once."""
    person, starts_at = person_with_three_counted(member_structure)
    holders = []
    for _ in range(2):
        full = session_of(ActionKind.PRACTICE_WORKSHOP, starts_at=starts_at, capacity=1)
        holders.append(waitlisted_behind(person, full))

    _, errors = run_in_parallel(
        {h.pk: (lambda h=h: services.cancel(h, by=h.user, reason="Empêchement")) for h in holders}
    )

    assert unexpected(errors) == {}
    assert quota_use(person.pk, starts_at.year).member_only == 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_approver_validating_their_cart_while_accepting_a_colleague_gets_no_500(
    round_, member_structure
):
    """Case 7: the approver's own cart and their acceptance of a colleague's request for the
    same session used to deadlock (user row FOR UPDATE against the foreign-key check)."""
    approver = member_structure.approver
    session = session_of(ActionKind.TRAINING, capacity=10)
    colleague = MemberEmployeeFactory(structure=member_structure)
    services.add_to_cart(colleague, session)
    [request] = submit(colleague, session)()
    services.add_to_cart(approver, session)
    other = session_of(ActionKind.TRAINING, capacity=10)
    services.add_to_cart(approver, other)

    results, errors = run_in_parallel(
        {
            "cart": submit(approver, session, other),
            "approve": lambda: services.approve(request, by=approver),
        }
    )

    assert errors == {}
    request.refresh_from_db()
    assert request.status == Status.PENDING_PROVIDER
    assert Registration.objects.filter(user=approver).count() == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_many_parallel_decisions_and_carts_on_one_session_get_no_500(round_, member_structure):
    """Refusals, cancellations and carts on one session and its waiting list at once."""
    session = session_of(ActionKind.DISCOVERY_MODULE, capacity=3)
    pending = []
    for _ in range(3):
        employee = MemberEmployeeFactory(structure=StructureFactory())
        employee.structure.approvers.add(UserFactory())
        services.add_to_cart(employee, session)
        pending.append(submit(employee, session)()[0])
    newcomers = [MemberEmployeeFactory(structure=StructureFactory()) for _ in range(4)]
    for user in newcomers:
        services.add_to_cart(user, session)
    jobs = {f"cart{u.pk}": submit(u, session) for u in newcomers}
    jobs["refuse"] = lambda: services.refuse(
        pending[0], by=pending[0].structure.approvers.first(), reason="Pas maintenant"
    )
    jobs["cancel"] = lambda: services.cancel(pending[1], by=pending[1].user, reason="Imprévu")

    _, errors = run_in_parallel(jobs)

    assert errors == {}
    held = Registration.objects.filter(session=session).holding().count()
    assert held == 3
    waiting = Registration.objects.filter(session=session, status=Status.WAITLISTED)
    seated_newcomers = Registration.objects.filter(session=session, user__in=newcomers).holding()
    # Places went in order: no waiting newcomer submitted before a seated one.
    if waiting.exists() and seated_newcomers.exists():
        assert max(r.submitted_at for r in seated_newcomers) < min(r.submitted_at for r in waiting)


def test_a_real_deadlock_is_retried_and_both_transactions_succeed():
    """Two transactions locking two sessions in opposite orders deadlock on PostgreSQL; the
    one PostgreSQL aborts is run again and succeeds: nobody sees the error."""
    first, second = session_of(ActionKind.WEBINAR), session_of(ActionKind.WEBINAR)
    both_hold_one = threading.Barrier(2)
    attempts = []

    @locking.retry_on_lock_conflict
    def lock_both(a, b):
        attempts.append(a.pk)
        with transaction.atomic():
            Session.objects.select_for_update().get(pk=a.pk)
            if len(attempts) <= 2:
                both_hold_one.wait(timeout=10)
            Session.objects.select_for_update().get(pk=b.pk)
        return a.pk

    results, errors = run_in_parallel(
        {"ab": lambda: lock_both(first, second), "ba": lambda: lock_both(second, first)}
    )

    assert errors == {}
    assert sorted(results.values()) == sorted([first.pk, second.pk])
    assert len(attempts) == 3  # one of them ran twice


def test_busy_after_the_last_try_is_a_french_rule_violation():
    assert isinstance(locking.Busy(), RuleViolation)
    assert "Réessayez" in locking.Busy().message


def test_a_lock_conflict_reaching_a_page_answers_503_in_french(rf):
    """A real lock time-out on PostgreSQL (another transaction holds the row), as a view
    would raise it, becomes a French 503 page with Retry-After, not a 500."""
    from web.middleware import LockConflictMiddleware

    session = session_of(ActionKind.WEBINAR)
    holding, release = threading.Event(), threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Session.objects.select_for_update().get(pk=session.pk)
            holding.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=lambda: run_in_parallel({"hold": hold_the_row}))
    holder.start()
    holding.wait(timeout=10)
    try:
        with transaction.atomic():
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '50ms'")
            Session.objects.select_for_update().get(pk=session.pk)
    except OperationalError as error:
        conflict = error
    finally:
        release.set()
        holder.join(timeout=10)
    assert locking.is_lock_conflict(conflict)

    request = rf.post("/panier/")
    response = LockConflictMiddleware(lambda r: None).process_exception(request, conflict)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Réessayez dans un instant" in response.content.decode()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_account_deletion_racing_the_same_persons_cart_gets_no_500(round_, member_structure):
    """Case 7: deleting an account while its cart is validated used to deadlock (15 of 30).
    Either order is fine — the cart first, then withdrawn by the deletion; or the deletion
    first, then the cart refused because the account is gone — but never an error."""
    from enrollment import privacy

    person = MemberEmployeeFactory(structure=member_structure)
    held = session_of(ActionKind.TRAINING, capacity=5)
    services.add_to_cart(person, held)
    submit(person, held)()
    fresh = session_of(ActionKind.TRAINING, capacity=5)
    services.add_to_cart(person, fresh)
    person_id = person.pk

    _, errors = run_in_parallel(
        {"delete": lambda: privacy.delete_account(person), "cart": submit(person, fresh)}
    )

    assert "delete" not in errors
    assert unexpected(errors) == {}
    assert not Registration.objects.filter(user_id=person_id).exists()
    assert not Registration.objects.filter(session__in=[held, fresh]).holding().exists()
