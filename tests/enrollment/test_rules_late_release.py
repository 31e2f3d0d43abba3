"""The late release's rules (DESIGN.md, turn 3), case by case, with no database: when a freed
place is offered rather than given, and when an offer (or the employer's time to accept an
accepted one) ends — on the Paris wall clock, across both daylight-saving changes."""

import datetime as dt
import zoneinfo

import pytest

from enrollment import rules

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A session on Friday 2 April 2027 at 9:00, after the spring change (Sunday 28 March, 2:00).
START = dt.datetime(2027, 4, 2, 9, 0, tzinfo=PARIS)
MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("now", "late"),
    [
        pytest.param(dt.datetime(2027, 3, 26, 8, 59, tzinfo=PARIS), False, id="7_days_and_1_min"),
        pytest.param(dt.datetime(2027, 3, 26, 9, 0, tzinfo=PARIS), False, id="exactly_7_days"),
        pytest.param(dt.datetime(2027, 3, 26, 9, 1, tzinfo=PARIS), True, id="7_days_less_1_min"),
        pytest.param(dt.datetime(2027, 4, 1, 12, 0, tzinfo=PARIS), True, id="the_day_before"),
        pytest.param(START - MINUTE, True, id="a_minute_before_the_start"),
        pytest.param(START, False, id="at_the_start_nothing_is_offered"),
    ],
)
def test_late_release_applies_less_than_7_days_before_on_the_paris_clock(now, late):
    """7 days before 9:00 on 2 April is 9:00 on 26 March, though the clocks changed between
    (a UTC count would put it at 8:00)."""
    assert rules.late_release_applies(now=now, starts_at=START, days=7) is late


def test_late_release_across_the_autumn_change():
    start = dt.datetime(2027, 11, 2, 9, 0, tzinfo=PARIS)  # clocks went back on 31 October
    boundary = dt.datetime(2027, 10, 26, 9, 0, tzinfo=PARIS)
    assert not rules.late_release_applies(now=boundary, starts_at=start, days=7)
    assert rules.late_release_applies(now=boundary + MINUTE, starts_at=start, days=7)


DEADLINE = dt.datetime(2027, 4, 1, 23, 59, tzinfo=PARIS)  # a short format's: the day before


@pytest.mark.parametrize(
    ("now", "hours", "deadline", "ends"),
    [
        pytest.param(
            dt.datetime(2027, 3, 29, 10, 0, tzinfo=PARIS),
            48,
            DEADLINE,
            dt.datetime(2027, 3, 31, 10, 0, tzinfo=PARIS),
            id="48_hours",
        ),
        pytest.param(
            dt.datetime(2027, 3, 27, 10, 0, tzinfo=PARIS),
            48,
            DEADLINE,
            dt.datetime(2027, 3, 29, 11, 0, tzinfo=PARIS),
            id="48_elapsed_hours_across_the_spring_change_end_at_11",
        ),
        pytest.param(
            dt.datetime(2027, 3, 31, 10, 0, tzinfo=PARIS),
            48,
            DEADLINE,
            DEADLINE,
            id="never_past_the_registration_deadline",
        ),
        pytest.param(
            dt.datetime(2027, 3, 31, 10, 0, tzinfo=PARIS),
            48,
            START + dt.timedelta(days=1),
            START,
            id="never_past_the_start",
        ),
        pytest.param(
            dt.datetime(2027, 3, 30, 10, 0, tzinfo=PARIS),
            24,
            DEADLINE,
            dt.datetime(2027, 3, 31, 10, 0, tzinfo=PARIS),
            id="the_employer_s_24_hours",
        ),
    ],
)
def test_offer_expires_at(now, hours, deadline, ends):
    assert rules.offer_expires_at(now=now, starts_at=START, deadline=deadline, hours=hours) == ends
