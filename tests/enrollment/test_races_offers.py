"""Races of the late release on PostgreSQL, from parallel threads: answers to one offered
place, against each other and against every other way of taking or freeing it, never seat
more people than places, never give the offered place to anyone else while the offer runs,
and never answer 500."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Offer, Registration, RegistrationStatus
from enrollment.services.offers import end_overdue_offers
from tests.factories import UserFactory, contact_of, register, session_of

from .test_concurrency import run_in_parallel
from .test_offers import DEADLINE, SEVEN_DAYS_BEFORE, START
from .test_races import unexpected

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL: set DATABASE_URL (CI does) to run the race tests",
    ),
]
Status = RegistrationStatus
ROUNDS = 5
DURING = SEVEN_DAYS_BEFORE + dt.timedelta(hours=3)


def held(session) -> int:
    return Registration.objects.filter(
        session=session,
        status__in=[
            Status.OFFERED,
            Status.PENDING_EMPLOYER,
            Status.PENDING_PROVIDER,
            Status.CONFIRMED,
        ],
    ).count()


def offered_session(capacity=1, waiting=3):
    """A webinar whose `capacity` places were freed inside the last week: the first
    `capacity` of `waiting` people hold offers; the others wait."""
    session = session_of(
        ActionKind.WEBINAR, starts_at=START, capacity=capacity, registration_deadline=DEADLINE
    )
    holders = [register(UserFactory(), session)[0] for _ in range(capacity)]
    people = [register(UserFactory(), session)[0] for _ in range(waiting)]
    with time_machine.travel(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1), tick=False):
        for holder in holders:
            services.cancel(holder, by=holder.user, reason="Empêchement")
    offers = list(Offer.objects.filter(session=session, status=Offer.Status.OFFERED))
    assert len(offers) == capacity
    return session, offers, people


def cart_of(user, session):
    services.add_to_cart(user, session)
    return lambda: services.submit_cart(
        user, contact=contact_of(user), motivations={session.pk: "Disponible"}
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_offered_place_is_taken_once_whatever_races_it(round_):
    """Two clicks on « Accepter », one on « Je ne suis plus disponible », a newcomer's cart
    and a staff promotion of the next person, all at once, on the one offered place."""
    session, [offer], people = offered_session()
    anne = offer.registration.user
    newcomer = UserFactory()
    staff = UserFactory(is_staff=True)
    with time_machine.travel(DURING, tick=False):
        cart = cart_of(newcomer, session)
        results, errors = run_in_parallel(
            {
                "accept-1": lambda: services.accept_offer(offer, by=anne),
                "accept-2": lambda: services.accept_offer(offer, by=anne),
                "decline": lambda: services.decline_offer(offer, by=anne),
                "cart": cart,
                "promote": lambda: services.promote(people[1], by=staff),
            }
        )
    assert unexpected(errors) == {}
    assert held(session) <= session.capacity
    answered = {"accept-1", "accept-2", "decline"} & set(results)
    assert len(answered) == 1  # one answer went through; the others were told it is closed
    assert "promote" in errors  # the place was never free for anyone else
    newcomers = Registration.objects.get(user=newcomer, session=session)
    assert newcomers.status in {Status.WAITLISTED, Status.OFFERED}
    if answered != {"decline"}:
        assert Registration.objects.get(pk=offer.registration_id).status == Status.CONFIRMED


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_at_the_offer_s_end_a_late_click_and_the_periodic_task(round_):
    session, [offer], people = offered_session()
    anne = offer.registration.user
    with time_machine.travel(offer.expires_at, tick=False):
        _results, errors = run_in_parallel(
            {
                "accept": lambda: services.accept_offer(offer, by=anne),
                "task": end_overdue_offers,
                "task-again": end_overdue_offers,
            }
        )
    assert unexpected(errors) == {}
    assert "accept" in errors  # at its end, the offer is closed
    assert held(session) == 1
    statuses = [Registration.objects.get(pk=p.pk).status for p in people]
    assert statuses == [Status.LAPSED, Status.OFFERED, Status.WAITLISTED]
    assert Offer.objects.filter(session=session, status=Offer.Status.OFFERED).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_offered_places_accepted_and_declined_at_once(round_):
    """Two places offered; both people answer at the same instant (one accepts, one
    declines) while a third cancels a confirmed place: never more than capacity."""
    session, offers, people = offered_session(capacity=2, waiting=4)
    first, second = offers
    with time_machine.travel(DURING, tick=False):
        _results, errors = run_in_parallel(
            {
                "accept": lambda: services.accept_offer(first, by=first.registration.user),
                "decline": lambda: services.decline_offer(second, by=second.registration.user),
                "accept-other": lambda: services.accept_offer(second, by=second.registration.user),
            }
        )
    assert unexpected(errors) == {}
    assert held(session) <= 2
    assert Offer.objects.filter(session=session, status=Offer.Status.OFFERED).count() <= 1
