"""Half-days of a session and their hours: the attendance sheet's columns, the provider's
attendance form and the certificate of completion (certificat de réalisation) all use them.

Rule for hours: a day of the session runs from the first day's start time to the last
day's end time (`calendar.session_days`); it counts its span, less an hour for lunch when it
runs both before and after 13:00 (9:00–17:00 → 7 h; 9:30–12:30 → 3 h), shared evenly by
that day's half-days (`half_days`: 9:00–17:00 → 3.5 h each). A session without daily hours
(it ends earlier in the day than it starts) counts 3.5 h per half-day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Session

from .calendar import session_days
from .models import HalfDayAttendance

AFTERNOON_STARTS = dt.time(13, 0)
LUNCH_BREAK_HOURS = Decimal("1")
DEFAULT_HALF_DAY_HOURS = Decimal("3.5")
Half = HalfDayAttendance.Half


@dataclass(frozen=True)
class HalfDay:
    day: dt.date
    afternoon: bool

    @property
    def label(self) -> str:
        return str(_("après-midi") if self.afternoon else _("matin"))

    @property
    def half(self) -> str:
        return Half.AFTERNOON if self.afternoon else Half.MORNING

    @property
    def key(self) -> str:
        """The form field's suffix: « 2027-03-15-am »."""
        return f"{self.day.isoformat()}-{self.half}"


def half_days(session: Session) -> list[HalfDay]:
    """The half-days the session covers, in Paris time: on each of `session.days()` (so no
    weekend day inside a longer session: nobody signs on Sunday), a morning when it runs
    before 13:00 on that day, an afternoon when it runs after."""
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    result = []
    for day in session.days():
        midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        afternoon = timezone.make_aware(dt.datetime.combine(day, AFTERNOON_STARTS))
        if max(starts, midnight) < afternoon:
            result.append(HalfDay(day, afternoon=False))
        if min(ends, midnight + dt.timedelta(days=1)) > afternoon:
            result.append(HalfDay(day, afternoon=True))
    return result


def _hours(delta: dt.timedelta) -> Decimal:
    return Decimal(delta.total_seconds()) / Decimal(3600)


def day_hours(starts: dt.time, ends: dt.time) -> Decimal:
    """The hours of a day running from `starts` to `ends` (wall clock): its span, less an hour
    for lunch when it runs both before and after 13:00 (9:00–17:00 → 7 h; 9:30–12:30 → 3 h)."""
    day = dt.date(2000, 1, 1)
    span = _hours(dt.datetime.combine(day, ends) - dt.datetime.combine(day, starts))
    if starts < AFTERNOON_STARTS < ends:
        span -= LUNCH_BREAK_HOURS
    return max(span, Decimal(0))


def hours_by_half_day(session: Session) -> dict[HalfDay, Decimal]:
    """Each half-day of the session with its hours: the day's hours (`day_hours` of its
    daily times) shared evenly by that day's half-days; 3.5 h a half-day for a session
    without daily times."""
    windows = session_days(session)
    daily = {start.date(): (start, end) for start, end in windows if start.date() == end.date()}
    halves = half_days(session)
    per_day: dict[dt.date, int] = {}
    for half_day in halves:
        per_day[half_day.day] = per_day.get(half_day.day, 0) + 1
    result = {}
    for half_day in halves:
        window = daily.get(half_day.day)
        if window is None:
            result[half_day] = DEFAULT_HALF_DAY_HOURS
        else:
            hours = day_hours(window[0].time(), window[1].time()) / per_day[half_day.day]
            result[half_day] = hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return result


def completed_hours(hours: dict[HalfDay, Decimal], present: set[tuple[dt.date, str]]) -> Decimal:
    """The hours of the half-days a participant attended: (day, half) pairs in `present`."""
    return sum(
        (value for half_day, value in hours.items() if (half_day.day, half_day.half) in present),
        Decimal(0),
    )
