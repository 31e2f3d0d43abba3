"""The backoff and give-up rule shared by the outbox and the documents (DESIGN.md, turn 3)."""

import datetime as dt

import pytest

from common.retry import is_given_up, retry_delay

S = dt.timedelta(seconds=1)
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (0, 30 * S),  # no failure counted yet: the first delay
        (1, 30 * S),
        (2, 60 * S),
        (3, 120 * S),
        (7, 1920 * S),
        (8, 3600 * S),  # 3,840 s capped at an hour
        (500, 3600 * S),  # a long outage: still an hour, no overflow
    ],
)
def test_the_delay_doubles_up_to_an_hour(failures, expected):
    assert retry_delay(failures) == expected


def test_the_first_delay_and_the_cap_can_be_chosen():
    assert retry_delay(3, first=60 * S, cap=200 * S) == 200 * S


@pytest.mark.parametrize(
    ("elapsed", "given_up"),
    [
        (dt.timedelta(0), False),
        (dt.timedelta(hours=71, minutes=59), False),
        (dt.timedelta(hours=72), True),
        (dt.timedelta(days=5), True),
    ],
)
def test_work_is_given_up_after_the_configured_hours(elapsed, given_up):
    assert is_given_up(pending_since=T0, now=T0 + elapsed, hours=72) is given_up
