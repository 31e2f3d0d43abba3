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

from catalog.dates import moment_text
from catalog.models import Session

from .calendar import session_days
from .models import AttendanceSheet, HalfDayAttendance
from .rules import RuleViolation

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


# --- Signing (émargement électronique) --------------------------------------------------------
# The provider opens a half-day's signing from SIGNING_OPENS_BEFORE before it starts until its
# end; it stays open until the provider closes it or SIGNING_CLOSES_AFTER after the half-day's
# end. A signature more than SIGNATURE_LATE_AFTER after the half-day's start is late.
SIGNING_OPENS_BEFORE = dt.timedelta(minutes=30)
SIGNING_CLOSES_AFTER = dt.timedelta(minutes=30)
SIGNATURE_LATE_AFTER = dt.timedelta(minutes=15)
SIGNING_MESSAGES = {
    "too_early": _(
        "La signature de cette demi-journée s'ouvre %(minutes)s minutes avant son début, à "
        "partir du %(moment)s."
    ),
    "over": _(
        "Cette demi-journée est terminée depuis plus de %(minutes)s minutes : la signature ne "
        "s'ouvre plus. Corrigez les présences avec un motif si besoin."
    ),
    "closed": _(
        "La signature de cette demi-journée n'est pas ouverte : demandez à l'intervenant·e de "
        "l'ouvrir, puis signez."
    ),
}


def half_day_bounds(session: Session, half_day: HalfDay) -> tuple[dt.datetime, dt.datetime]:
    """When a half-day of the session runs, in Paris time: the day's hours (`session_days`)
    cut at 13:00; a session without daily hours runs from its start to its end."""
    windows = {start.date(): (start, end) for start, end in session_days(session)}
    first, last = windows.get(half_day.day) or (
        timezone.localtime(session.starts_at),
        timezone.localtime(session.ends_at),
    )
    midnight = timezone.make_aware(dt.datetime.combine(half_day.day, dt.time.min))
    one_pm = timezone.make_aware(dt.datetime.combine(half_day.day, AFTERNOON_STARTS))
    day_start = max(first, midnight)
    day_end = min(last, midnight + dt.timedelta(days=1))
    if half_day.afternoon:
        return max(day_start, one_pm), day_end
    return day_start, min(day_end, one_pm)


def check_signing_can_open(*, now: dt.datetime, starts: dt.datetime, ends: dt.datetime) -> None:
    """The provider opens a half-day's signing from SIGNING_OPENS_BEFORE before it starts
    until SIGNING_CLOSES_AFTER after it ends (a later presence is a correction)."""
    minutes = int(SIGNING_OPENS_BEFORE.total_seconds() // 60)
    if now < starts - SIGNING_OPENS_BEFORE:
        moment = moment_text(starts - SIGNING_OPENS_BEFORE)
        raise RuleViolation("signing_too_early", _message("too_early", minutes, moment))
    if now >= ends + SIGNING_CLOSES_AFTER:
        minutes = int(SIGNING_CLOSES_AFTER.total_seconds() // 60)
        raise RuleViolation("signing_over", _message("over", minutes))


def _message(key: str, minutes: int = 0, moment: str = "") -> str:
    return str(SIGNING_MESSAGES[key]) % {"minutes": minutes, "moment": moment}


def signing_closes_at(*, ends: dt.datetime) -> dt.datetime:
    return ends + SIGNING_CLOSES_AFTER


def check_can_sign(*, now: dt.datetime, opened_at, closes_at) -> None:
    """A participant signs only while the half-day's signing is open."""
    if opened_at is None or not (opened_at <= now < closes_at):
        raise RuleViolation("signing_closed", _message("closed"))


def signature_is_late(*, signed_at: dt.datetime, starts: dt.datetime) -> bool:
    return signed_at > starts + SIGNATURE_LATE_AFTER


def attested_half_days(registration) -> set[tuple[dt.date, str]]:
    """The half-days a participant was present, as attested: recorded by the provider (the
    attendance form, a correction, a remote session's connections), or signed by the person
    on a half-day whose sheet the provider validated. The one reading the registration's
    state, the certificate and the attendance PDF make of `HalfDayAttendance`."""
    validated = set(
        AttendanceSheet.objects.filter(
            session_id=registration.session_id, validated_at__isnull=False
        ).values_list("day", "half")
    )
    rows = HalfDayAttendance.objects.filter(registration=registration, present=True)
    return {
        (day, half)
        for day, half, source in rows.values_list("day", "half", "source")
        if source != HalfDayAttendance.Source.SIGNATURE or (day, half) in validated
    }
