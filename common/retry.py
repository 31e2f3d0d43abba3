"""When work that failed (an email SMTP refused, a document the storage would not take) is
tried again, and when it is given up (DESIGN.md, turn 3: « Nothing abandoned silently »).
Pure functions: `now` and the times are passed in."""

from __future__ import annotations

import datetime as dt

# The first retry comes this soon after a failure; each next one waits twice as long, up to
# `MAX_DELAY`: an outage of minutes is covered by retries minutes apart, one of days costs a
# try an hour.
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)


def retry_delay(
    failures: int, *, first: dt.timedelta = FIRST_DELAY, cap: dt.timedelta = MAX_DELAY
) -> dt.timedelta:
    """The wait before the next attempt after `failures` failed ones (1 or more): `first`,
    doubled at each failure, never more than `cap`."""
    failures = max(failures, 1)
    # 2**20 × 30 s is past any cap: no overflow for a long outage.
    return min(first * 2 ** min(failures - 1, 20), cap)


def is_given_up(*, pending_since: dt.datetime, now: dt.datetime, hours: float) -> bool:
    """Work pending since `pending_since` is given up once `hours` have passed (exactly
    `hours` later: given up)."""
    return now - pending_since >= dt.timedelta(hours=hours)
