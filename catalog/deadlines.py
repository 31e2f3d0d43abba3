"""The registration deadline a session gets when staff leave it empty (R9, Q12).

Member-only actions close MEMBER_ONLY_DEADLINE_DAYS days before the start, at 23:59 in Paris:
the employer then the provider have a week to decide, and requests still waiting for the
employer lapse at the deadline (R9). Short formats need no decision (Q12: « pas de délai,
seulement la limite des places »): they close the evening before, at 23:59 in Paris, so that the
provider knows who comes. Days are counted in Paris wall-clock time (Decisions, « Days »).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MEMBER_ONLY_DEADLINE_DAYS = 7
SHORT_FORMAT_DEADLINE_DAYS = 1
CLOSING_TIME = dt.time(23, 59)


def default_registration_deadline(starts_at: dt.datetime, *, member_only: bool) -> dt.datetime:
    """23:59 in Paris, 7 days before the start (member-only) or the day before (short
    formats); never after the start."""
    days = MEMBER_ONLY_DEADLINE_DAYS if member_only else SHORT_FORMAT_DEADLINE_DAYS
    day = starts_at.astimezone(PARIS).date() - dt.timedelta(days=days)
    return min(dt.datetime.combine(day, CLOSING_TIME, tzinfo=PARIS), starts_at)
