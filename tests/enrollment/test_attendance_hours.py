"""The hours of a half-day (certificat de réalisation): the day's span, less an hour for
lunch when it runs across 13:00, shared by that day's half-days."""

import datetime as dt
from decimal import Decimal

import pytest

from enrollment.attendance import completed_hours, day_hours, hours_by_half_day
from tests.factories import PARIS, SessionFactory


def t(hour, minute=0):
    return dt.time(hour, minute)


@pytest.mark.parametrize(
    ("starts", "ends", "hours"),
    [
        (t(9), t(17), Decimal("7")),  # a full day: 8 h less lunch
        (t(9), t(17, 30), Decimal("7.5")),
        (t(9, 30), t(12, 30), Decimal("3")),  # a morning
        (t(14), t(17), Decimal("3")),  # an afternoon
        (t(9), t(13), Decimal("4")),  # ends at 13:00: no lunch inside
        (t(13), t(17), Decimal("4")),
        (t(12, 30), t(13, 30), Decimal("0")),  # only the lunch hour
    ],
)
def test_day_hours(starts, ends, hours):
    assert day_hours(starts, ends) == hours


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("starts", "ends", "total", "each"),
    [
        (paris(2027, 3, 4, 9), paris(2027, 3, 4, 17), Decimal("7"), {Decimal("3.5")}),
        (paris(2027, 3, 4, 9), paris(2027, 3, 5, 17), Decimal("14"), {Decimal("3.5")}),
        (paris(2027, 3, 4, 9, 30), paris(2027, 3, 4, 12, 30), Decimal("3"), {Decimal("3")}),
        # Ends earlier in the day than it starts: no daily times, 3.5 h a half-day.
        (paris(2027, 3, 4, 14), paris(2027, 3, 5, 12), Decimal("7"), {Decimal("3.5")}),
    ],
)
def test_hours_by_half_day(starts, ends, total, each):
    hours = hours_by_half_day(SessionFactory.build(starts_at=starts, ends_at=ends))
    assert sum(hours.values()) == total
    assert set(hours.values()) == each


def test_completed_hours_count_the_half_days_attended():
    session = SessionFactory.build(starts_at=paris(2027, 3, 4, 9), ends_at=paris(2027, 3, 5, 17))
    hours = hours_by_half_day(session)
    present = {(dt.date(2027, 3, 4), "am"), (dt.date(2027, 3, 5), "pm")}
    assert completed_hours(hours, present) == Decimal("7")
    assert completed_hours(hours, set()) == Decimal("0")
