"""How long a participant reaches their course on e-ParcoursPro (DESIGN.md, turn 3): from the
session's first day to the end of its last day plus `E_PARCOURSPRO_ACCESS_DAYS`.

Days are Paris wall-clock days, like every « N jours » of the platform. Moodle ends the
course access at `timeend` (`enrol_manual_enrol_users`; `is_enrolled` requires
`timeend = 0 OR timeend > now`), so the enrolment's `timestart` and `timeend` are these two
instants.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


def access_window(session, *, days: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of the course access of a participant of `session`: midnight of its first
    day, and midnight after its last day plus `days` (default E_PARCOURSPRO_ACCESS_DAYS)."""
    days = settings.E_PARCOURSPRO_ACCESS_DAYS if days is None else days
    first_day = session.starts_at.astimezone(PARIS).date()
    last_day = max(session.ends_at.astimezone(PARIS).date(), first_day)
    return _midnight(first_day), _midnight(last_day + dt.timedelta(days=1 + days))
