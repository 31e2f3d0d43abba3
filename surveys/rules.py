"""The rules of the questionnaires and of a session's mix, one pure function each: plain
values in (the caller reads the database and passes `now`), a decision or a French
`RuleViolation` out.

Who is asked (decided here, DESIGN.md turn 3 « Satisfaction »):

- « À chaud », at the end of the session: the participants marked present (`attended`);
  for a short format (webinar, conference, round table, web workshop), where the provider
  often takes no attendance, the confirmed participants too when nobody's attendance was
  recorded. An absent person is never asked. Attendance recorded after the end still
  brings the questionnaire, up to `HOT_SURVEY_LATEST_DAYS` after it.
- « À froid », `COLD_SURVEY_DAYS` after the end (Paris wall clock, Decisions « Days »): the
  participants marked present at an action for members (the training path an employer
  backed; a one-hour webinar asks nothing three months on), and their employer: the
  structure's approvers, once per structure and session, unless the only approver is a
  participant (an independent answers as the participant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import typography
from common.choices import RegistrationStatus
from enrollment.rules import PROGRAMME_TIMEZONE, RuleViolation

Status = RegistrationStatus

# A questionnaire « à chaud » still goes out when attendance is recorded this late.
HOT_SURVEY_LATEST_DAYS = 14
# « À froid »: the periodic task may run late; past this, the moment has gone.
COLD_SURVEY_LATEST_DAYS = 14
HOT_ITEMS = ("objectives", "content", "trainer", "organisation")
COLD_ITEMS = ("impact",)
ITEMS = {"hot": HOT_ITEMS, "cold": COLD_ITEMS, "employer": COLD_ITEMS}
# Who counts in a session's mix (Q9): the confirmed participants, and after the session
# those marked present (an absent person mixed with nobody).
MIX_STATUSES = (Status.CONFIRMED, Status.ATTENDED)


def days_after(moment: dt.datetime, days: int) -> dt.datetime:
    """The instant `days` days after `moment` at the same Europe/Paris wall-clock time
    (Decisions, « Days »): a daylight-saving change in between moves nothing."""
    local = moment.astimezone(PROGRAMME_TIMEZONE)
    wall = local.replace(tzinfo=None) + dt.timedelta(days=days)
    return wall.replace(tzinfo=PROGRAMME_TIMEZONE).astimezone(dt.UTC)


def rounded(value, places: int = 0):
    """`value` rounded half up, as people round (4.25 → 4.3, 12.5 % → 13 %), whether the
    database returned a float (SQLite) or a decimal (PostgreSQL); None stays None."""
    if value is None:
        return None
    result = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(result) if places == 0 else float(result)


# --- who is asked, and when ----------------------------------------------------------------


def asked_hot(*, member_only: bool, status: str, attendance_taken: bool) -> bool:
    """« À chaud »: present participants; at a short format without any attendance
    recorded, the confirmed ones too."""
    if status == Status.ATTENDED:
        return True
    return status == Status.CONFIRMED and not member_only and not attendance_taken


def asked_cold(*, member_only: bool, status: str) -> bool:
    """« À froid »: the participants present at an action for members."""
    return member_only and status == Status.ATTENDED


def hot_survey_due(*, ends_at: dt.datetime, now: dt.datetime) -> bool:
    """From the session's end, for `HOT_SURVEY_LATEST_DAYS`."""
    return ends_at <= now < days_after(ends_at, HOT_SURVEY_LATEST_DAYS)


def cold_survey_due(*, ends_at: dt.datetime, now: dt.datetime, cold_days: int) -> bool:
    """From `cold_days` after the session's end (Paris wall clock), for a while."""
    due = days_after(ends_at, cold_days)
    return due <= now < days_after(due, COLD_SURVEY_LATEST_DAYS)


def employer_respondents(approver_ids, participant_ids) -> list[int]:
    """The approvers asked about a structure's participants: all but the participants
    themselves (an independent approves their own requests and answers as a participant)."""
    participants = set(participant_ids)
    return sorted(pk for pk in set(approver_ids) if pk not in participants)


def closes_at(sent_at: dt.datetime, open_days: int) -> dt.datetime:
    return days_after(sent_at, open_days)


def reminder_due(*, sent_at: dt.datetime, now: dt.datetime, reminder_days: int) -> bool:
    """One reminder, `reminder_days` after the questionnaire was sent (Paris wall clock)."""
    return now >= days_after(sent_at, reminder_days)


# --- answering -------------------------------------------------------------------------------


def _on(moment: dt.datetime) -> str:
    return typography.day(localtime(moment).date())


def check_open(
    *, answered_at: dt.datetime | None, closes_at: dt.datetime, now: dt.datetime
) -> None:
    """A questionnaire takes one answer, until it closes."""
    if answered_at is not None:
        raise RuleViolation(
            "survey_answered",
            _("Vous avez déjà répondu à ce questionnaire le\u00a0%(day)s. Merci\u00a0!")
            % {"day": _on(answered_at)},
        )
    if now >= closes_at:
        raise RuleViolation(
            "survey_closed",
            _(
                "Ce questionnaire est clos depuis le\u00a0%(day)s\u00a0: il ne reçoit plus de "
                "réponse. Merci de l'attention que vous lui portez."
            )
            % {"day": _on(closes_at)},
        )


def check_scores(kind: str, scores: Mapping[str, int | None]) -> None:
    """Every item of the questionnaire is rated from 1 to 5, and no other."""
    items = ITEMS[kind]
    for name, value in scores.items():
        if value is None:
            continue
        if name not in items or value not in range(1, 6):
            raise RuleViolation("survey_score", _("Chaque note va de 1 à 5."))
    missing = [name for name in items if scores.get(name) is None]
    if missing:
        raise RuleViolation(
            "survey_incomplete",
            ngettext(
                "Une question n'a pas de réponse\u00a0: choisissez une note de 1 à 5.",
                "%(count)d questions n'ont pas de réponse\u00a0: choisissez une note de 1 à 5.",
                len(missing),
            )
            % {"count": len(missing)},
        )


def shows_aggregate(answers: int, *, threshold: int) -> bool:
    """Providers and employers see an aggregate only of `threshold` answers or more
    (DESIGN.md, turn 3): fewer would let them guess who said what."""
    return answers >= threshold


# --- mixité (Q9) -----------------------------------------------------------------------------


def poor_mix_reasons(
    *,
    participants: int,
    largest_structure: int,
    departments: int,
    max_structure_share: int,
    min_participants: int,
    single_department_from: int,
) -> list[str]:
    """Q9: sessions open « au plus grand nombre » and « la mixité des profils »; Q1: exchanges
    across the territories. Poor when one structure holds more than `max_structure_share` %
    of the participants (from `min_participants` of them), or when `single_department_from`
    participants or more all come from one department. Empty when the mix is fine."""
    reasons = []
    if participants >= min_participants and largest_structure * 100 > (
        max_structure_share * participants
    ):
        reasons.append(
            _(
                "une même structure réunit %(largest)d des %(participants)d participants "
                "(plus de %(share)d\u00a0%%)"
            )
            % {
                "largest": largest_structure,
                "participants": participants,
                "share": max_structure_share,
            }
        )
    if participants >= single_department_from and departments == 1:
        reasons.append(
            _("les %(participants)d participants viennent tous du même département")
            % {"participants": participants}
        )
    return reasons
