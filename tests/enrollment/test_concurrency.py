"""Place allocation under parallel submissions, on PostgreSQL's row locks."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Cart, CartItem, Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    session_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL: set DATABASE_URL (CI does) to run the race tests",
    ),
]
Status = RegistrationStatus


def run_in_parallel(jobs):
    """Start every job at the same instant, each on its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = {}, {}

    def run(key, job):
        try:
            barrier.wait()
            results[key] = job()
        except Exception as error:  # noqa: BLE001 — collected and asserted on
            errors[key] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(key, job)) for key, job in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def submit(user, session):
    return lambda: services.submit_cart(
        user, contact=contact_of(user), motivations={session.pk: "Motivé"}
    )


@pytest.mark.parametrize("kind", [ActionKind.WEBINAR, ActionKind.DISCOVERY_MODULE])
def test_40_parallel_carts_for_5_places(kind):
    session = session_of(kind, capacity=5)
    if kind == ActionKind.WEBINAR:
        users = [UserFactory() for _ in range(40)]
    else:  # one employee per member structure: only the capacity limits them
        users = [MemberEmployeeFactory(structure=StructureFactory()) for _ in range(40)]
    for user in users:
        services.add_to_cart(user, session)

    results, errors = run_in_parallel({user.pk: submit(user, session) for user in users})

    assert errors == {}
    assert len(results) == 40
    registrations = list(Registration.objects.filter(session=session).order_by("submitted_at"))
    holding = [r for r in registrations if r.holds_place]
    waiting = [r for r in registrations if r.status == Status.WAITLISTED]
    assert len(holding) == 5
    assert len(waiting) == 35
    # Places follow submission order: every holder submitted before every waitlisted request.
    assert max(r.submitted_at for r in holding) < min(r.submitted_at for r in waiting)
    assert registrations[:5] == sorted(holding, key=lambda r: r.submitted_at)

    first_waiting = waiting[0]
    services.cancel(holding[0], by=holding[0].user, reason="Empêchement")
    promoted = Registration.objects.filter(
        session=session,
        status__in=[
            Status.CONFIRMED,
            Status.PENDING_EMPLOYER,
            Status.PENDING_PROVIDER,
        ],
    )
    assert promoted.count() == 5
    assert promoted.filter(pk=first_waiting.pk).exists()
    assert Registration.objects.filter(session=session, status=Status.WAITLISTED).count() == 34


def test_two_tabs_submitting_one_cart_create_it_once():
    user = UserFactory()
    session = session_of(ActionKind.WEBINAR, capacity=5)
    services.add_to_cart(user, session)

    results, errors = run_in_parallel({tab: submit(user, session) for tab in ("a", "b")})

    assert len(results) == 1
    [error] = errors.values()
    assert isinstance(error, RuleViolation) and error.code == "empty_cart"
    assert Registration.objects.filter(user=user).count() == 1


def test_colleagues_racing_for_a_member_only_session_respect_the_cap():
    structure = StructureFactory()
    colleagues = [MemberEmployeeFactory(structure=structure) for _ in range(6)]
    session = session_of(ActionKind.TRAINING, capacity=10)
    for user in colleagues:
        services.add_to_cart(user, session)

    _, errors = run_in_parallel({user.pk: submit(user, session) for user in colleagues})

    assert errors == {}
    assert Registration.objects.filter(session=session, status=Status.PENDING_EMPLOYER).count() == 2
    assert (
        Registration.objects.filter(
            session=session, status=Status.WAITLISTED, waitlist_reason="structure_cap"
        ).count()
        == 4
    )


def test_tabs_adding_the_same_session_at_once_make_one_cart_and_one_item():
    """« Ajouter au panier » clicked in several tabs at the same instant: the unique
    constraints keep one cart (get_or_create's own savepoint) and one item (ON CONFLICT DO
    NOTHING), and nobody sees an error."""
    user = UserFactory()
    for session in [session_of(ActionKind.WEBINAR) for _ in range(3)]:
        jobs = {tab: (lambda s=session: services.add_to_cart(user, s)) for tab in range(8)}
        _results, errors = run_in_parallel(jobs)
        assert errors == {}
        assert CartItem.objects.filter(cart__user=user, session=session).count() == 1
    assert Cart.objects.filter(user=user).count() == 1
    assert CartItem.objects.filter(cart__user=user).count() == 3
