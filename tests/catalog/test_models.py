"""Database constraints of the catalogue and of memberships: the database refuses bad rows."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import ActionKind
from tests.factories import ActionFactory, MembershipFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_session_capacity_must_be_positive():
    with pytest.raises(IntegrityError):
        SessionFactory(capacity=0)


def test_session_ends_after_it_starts():
    start = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(IntegrityError):
        SessionFactory(starts_at=start, ends_at=start)


def test_session_deadline_is_not_after_the_start():
    start = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(IntegrityError):
        SessionFactory(starts_at=start, registration_deadline=start + dt.timedelta(hours=1))


def test_q3_one_membership_per_structure_and_year():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError):
        MembershipFactory(structure=membership.structure, year=membership.year)


@pytest.mark.parametrize("days", ["0.5", "3.5"])
def test_q3_a_training_lasts_1_to_3_days(days):
    with pytest.raises(IntegrityError):
        ActionFactory(kind=ActionKind.TRAINING, duration_days=Decimal(days))


@pytest.mark.parametrize("days", ["1", "2.5", "3"])
def test_q3_trainings_of_1_to_3_days_are_accepted(days):
    assert ActionFactory(kind=ActionKind.TRAINING, duration_days=Decimal(days)).pk


def test_short_formats_may_last_half_a_day():
    assert ActionFactory(kind=ActionKind.WEBINAR, duration_days=Decimal("0.5")).pk


def test_an_action_lasts_some_time():
    with transaction.atomic(), pytest.raises(IntegrityError):
        ActionFactory(kind=ActionKind.WEBINAR, duration_days=Decimal("0"))


def paris(*args):
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        # One day.
        (paris(2027, 3, 4, 9), paris(2027, 3, 4, 17), ["2027-03-04"]),
        # Thursday and Friday.
        (paris(2027, 3, 4, 9), paris(2027, 3, 5, 17), ["2027-03-04", "2027-03-05"]),
        # Friday to Monday: the weekend inside is left out.
        (paris(2027, 3, 5, 9), paris(2027, 3, 8, 12), ["2027-03-05", "2027-03-08"]),
        # Saturday to Sunday: a weekend day the session starts or ends on is kept.
        (paris(2027, 3, 27, 9), paris(2027, 3, 28, 17), ["2027-03-27", "2027-03-28"]),
        # Ending at midnight: the next day is not a day of the session.
        (paris(2027, 3, 4, 20), paris(2027, 3, 5, 0), ["2027-03-04"]),
        # Days are Paris days: 23:30 UTC on 3 March is already 4 March in Paris.
        (
            dt.datetime(2027, 3, 3, 23, 30, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 4, 16, 0, tzinfo=dt.UTC),
            ["2027-03-04"],
        ),
    ],
)
def test_the_days_a_session_runs(starts, ends, expected):
    session = SessionFactory.build(starts_at=starts, ends_at=ends)
    assert [day.isoformat() for day in session.days()] == expected
