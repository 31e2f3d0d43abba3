"""Dates and hours as people write them, in Paris time: « le mardi 16 février 2027, de 9 h à
17 h », « du mardi 16 au mercredi 17 février 2027, de 9 h à 17 h ». The site's pages and the
emails say a session's dates through `session_dates` (catalog_tags' filter of the same name)."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from common import typography


def hour_text(value: dt.datetime | dt.time) -> str:
    """« 9 h », « 9 h 30 », « 17 h »: no leading zero, no « 00 » (common.typography)."""
    return typography.hour(value)


def day_text(day: dt.date, *, month: bool = True, year: bool = True) -> str:
    """« mardi 16 février 2027 », « lundi 1er mars 2027 »; without the month (or the year)
    when the end of a range says it (common.typography)."""
    return typography.day(day, weekday=True, month=month, year=year)


def moment_text(value: dt.datetime) -> str:
    """One instant: « mardi 16 février 2027 à 9 h »."""
    local = timezone.localtime(value)
    return _("%(day)s à %(hour)s") % {"day": day_text(local.date()), "hour": hour_text(local)}


def period_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """`_period_text`, remembered: a page writes the same few periods again and again (the
    catalogue's cards, « Mon espace »), each a dozen translations and date formats."""
    return _remembered_period(starts_at, ends_at, get_language(), timezone.get_current_timezone())


@functools.lru_cache(maxsize=4096)
def _remembered_period(starts_at, ends_at, language, zone) -> str:
    del language, zone  # part of the key: the text depends on them
    return _period_text(starts_at, ends_at)


def _period_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """From a start to an end: one day with its hours; several days with their daily hours
    (every day from the first day's start time to the last day's end time, as the
    convocation's calendar file says); or, when the end comes earlier in the day than the
    start (Tuesday 14 h to Wednesday 12 h), each end with its hour. An end at midnight is
    the end of the day before."""
    starts = timezone.localtime(starts_at)
    ends = timezone.localtime(ends_at)
    last_day = ends.date()
    midnight = ends.time() == dt.time.min and last_day > starts.date()
    if midnight:
        last_day -= dt.timedelta(days=1)
    end_hour = pgettext("end of a day", "minuit") if midnight else hour_text(ends)
    first_day = starts.date()
    if first_day == last_day:
        return _("le %(day)s, de %(start)s à %(end)s") % {
            "day": day_text(first_day),
            "start": hour_text(starts),
            "end": end_hour,
        }
    same_year = first_day.year == last_day.year
    first = day_text(
        first_day, month=not (same_year and first_day.month == last_day.month), year=not same_year
    )
    values = {
        "first": first,
        "last": day_text(last_day),
        "start": hour_text(starts),
        "end": end_hour,
    }
    if midnight or ends.time() > starts.time():
        return _("du %(first)s au %(last)s, de %(start)s à %(end)s") % values
    return _("du %(first)s à %(start)s au %(last)s à %(end)s") % values
