"""The programme's registration rules (DESIGN.md R1–R9), one pure function each.

Every function takes plain values (the caller reads the database and passes `now`) and
returns nothing, or raises `RuleViolation` with a rule code and a French message that says
what happened and what to do next. Services apply them; views and forms may call them early
for feedback, and the services check again.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.choices import EmploymentStatus
from common.text import has_visible_text, is_visible_char  # noqa: F401 — part of the rules
from employers.constants import BASE_MEMBERSHIP_PRICE, EXTENDED_MEMBERSHIP_PRICE

STRUCTURE_CAP = 2  # Q9: at most 2 employees of one structure in the same session
ANNUAL_MEMBER_ONLY_QUOTA = 4  # Q10: at most 4 member-only actions a year…
ANNUAL_TRAINING_QUOTA = 3  # …of which at most 3 trainings
# The programme's days are Bordeaux's: « N jours avant » is counted on this clock (Decisions).
PROGRAMME_TIMEZONE = zoneinfo.ZoneInfo("Europe/Paris")
# Free text a person types (the services enforce what the forms say).
MOTIVATIONS_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000


class RuleViolation(ValidationError):
    """A rule refused: `code` names the rule, `message` tells the user what to do next."""

    def __init__(self, code: str, message: str):
        # Translated now, in the language of the request: views and tests compare plain text.
        super().__init__(str(message), code=code)

    def __str__(self):
        return self.message


# The rules' refusals, translated when raised (`_refuse`); placeholders are named after the
# values the rules pass.
MESSAGES = {
    "audience_job_seeker": _(
        "Cette action est réservée aux salariés et indépendants des structures adhérentes à "
        "Cap Métiers : elle n'est pas ouverte aux demandeurs d'emploi. Les formats courts "
        "(webinaires, conférences, tables rondes, webateliers) vous sont ouverts."
    ),
    # Decisions « Attachment »: until one of its approvers confirms, a person is not the
    # structure's employee.
    "audience_attachment_pending": _(
        "Votre rattachement à « %(structure)s » attend la confirmation d'un valideur de cette "
        "structure (ou de l'équipe Cap Métiers) : les actions réservées aux adhérents vous "
        "seront ouvertes dès qu'il l'aura confirmé. En attendant, les formats courts vous sont "
        "ouverts."
    ),
    "audience_no_structure": _(
        "Cette action passe obligatoirement par votre structure employeuse : elle n'est pas "
        "accessible à titre individuel. Indiquez votre structure dans votre profil."
    ),
    "audience_incomplete_profile": _(
        "Complétez votre profil (situation professionnelle) avant de vous inscrire."
    ),
    "membership": _(
        "Votre structure n'est pas adhérente à Cap Métiers pour %(year)s : l'adhésion est "
        "obligatoire pour cette action. Deux formules annuelles existent : la cotisation de "
        "base (%(base)s €) ou la cotisation élargie (%(extended)s €, avec accès aux salles de "
        "réunion de Pessac). Contact : %(contact)s."
    ),
    "structure_cap": _(
        "Deux salariés de votre structure ont déjà une place dans cette session (2 au maximum, "
        "pour favoriser la mixité des participants). Votre demande est placée en liste "
        "d'attente et pourra être satisfaite s'il reste des places."
    ),
    "full": _(
        "Cette session est complète : votre demande est placée en liste d'attente. Les places "
        "sont attribuées dans l'ordre des demandes ; vous serez prévenu par courriel si une "
        "place se libère."
    ),
    "quota": _(
        "Vous avez atteint la limite de %(limit)s actions réservées aux adhérents pour %(year)s. "
        "Les formats courts (webinaires, conférences…) restent illimités."
    ),
    "quota_training": _(
        "Vous avez atteint la limite de %(limit)s actions de formation pour %(year)s (sur "
        "%(quota)s actions réservées aux adhérents). Vous pouvez encore choisir une "
        "autoformation tutorée, un atelier ou un module découverte, ou un format court."
    ),
    "closed": _(
        "Les inscriptions à cette session sont closes. Consultez les autres sessions de "
        "l'action dans le catalogue."
    ),
    "cancelled_session": _(
        "Cette session a été annulée. Consultez les autres sessions de l'action."
    ),
    "already_requested": _(
        "Vous avez déjà une demande en cours pour cette session : retrouvez-la dans « Mon espace »."
    ),
    "started": _("La session a déjà commencé : il n'est plus possible de vous désister en ligne."),
    "not_cancellable": _("Cette demande est déjà close : il n'y a rien à annuler."),
    "reason_required": _("Indiquez le motif : il est obligatoire."),
    "text_invisible": _(
        "Le texte saisi ne contient que des caractères invisibles : écrivez un texte lisible."
    ),
    "text_too_long": _(
        "Le texte « %(label)s » est trop long : %(limit)s caractères au maximum (%(length)s "
        "saisis). Raccourcissez-le."
    ),
    "deadline_passed": _(
        "La date limite d'inscription à cette session est passée : la demande a expiré et ne "
        "peut plus être acceptée."
    ),
    "lead_time": _(
        "Il reste moins de %(delay)s avant le début de cette session : nous recommandons de "
        "s'inscrire au moins %(delay)s avant, pour laisser le temps à votre employeur et au "
        "prestataire de valider votre demande."
    ),
}


def message(key: str, **values) -> str:
    """A message of MESSAGES in the active language, its placeholders filled with `values`."""
    text = MESSAGES[key]
    return str(text % values if values else text)


def _refuse(key: str, *, code: str = "", **values) -> RuleViolation:
    """The violation for a message of MESSAGES; `code` defaults to the message's key."""
    return RuleViolation(code or key, message(key, **values))


def delay_in_words(days: int) -> str:
    """« 3 semaines » for whole weeks, else « 30 jours »: a delay as the messages say it."""
    if days and days % 7 == 0:
        weeks = days // 7
        return ngettext("%(count)s semaine", "%(count)s semaines", weeks) % {"count": weeks}
    return ngettext("%(count)s jour", "%(count)s jours", days) % {"count": days}


def check_text_given(text: str, *, code: str = "reason_required") -> str:
    """Motivations and reasons must say something visible; returns the text, stripped."""
    text = (text or "").strip()
    if not text:
        raise _refuse("reason_required", code=code)
    if not has_visible_text(text):
        raise _refuse("text_invisible", code=code)
    return text


def check_text_length(text: str, *, limit: int, label: str, code: str = "too_long") -> None:
    """The services take no more text than the forms let through."""
    if len(text or "") > limit:
        raise _refuse("text_too_long", code=code, label=label, limit=limit, length=len(text))


def days_before(moment: dt.datetime, days: int) -> dt.datetime:
    """The instant `days` days before `moment` at the same Europe/Paris wall-clock time
    (Decisions, « Days »): a daylight-saving change in between moves nothing. A wall-clock
    time that does not exist that day (the spring gap) maps to the hour after it."""
    local = moment.astimezone(PROGRAMME_TIMEZONE)
    wall = local.replace(tzinfo=None) - dt.timedelta(days=days)
    return wall.replace(tzinfo=PROGRAMME_TIMEZONE).astimezone(dt.UTC)


def is_registration_open(
    *,
    now: dt.datetime,
    registration_deadline: dt.datetime,
    starts_at: dt.datetime,
    is_cancelled: bool = False,
) -> bool:
    """R9 (Q12): a session takes requests until its registration deadline (and its start)."""
    return not is_cancelled and now < registration_deadline and now < starts_at


def check_audience(
    *,
    member_only: bool,
    employment_status: str,
    has_structure: bool = True,
    pending_structure: str = "",
):
    """R1 (Q2, Q4, Q5): short formats are open to every professional, employed or job-seeking;
    member-only actions only to employees and independents, through their structure — one
    whose approvers confirmed they belong to it (`pending_structure` names one that has
    not yet)."""
    if not member_only:
        return
    if not has_structure and pending_structure and employment_status != "job_seeker":
        raise _refuse("audience_attachment_pending", code="audience", structure=pending_structure)
    if not employment_status:
        raise _refuse("audience_incomplete_profile", code="audience")
    if employment_status == EmploymentStatus.JOB_SEEKER:
        raise _refuse("audience_job_seeker", code="audience")
    if not has_structure:
        raise _refuse("audience_no_structure", code="audience")


def check_membership(*, member_only: bool, structure_is_member: bool, year: int, contact: str = ""):
    """R2 (Q3): a member-only registration needs a membership for the session's year."""
    if member_only and not structure_is_member:
        raise _refuse(
            "membership",
            year=year,
            base=BASE_MEMBERSHIP_PRICE,
            extended=EXTENDED_MEMBERSHIP_PRICE,
            contact=contact or settings.MEMBERSHIP_CONTACT_EMAIL,
        )


def check_registration_open(
    *,
    now: dt.datetime,
    registration_deadline: dt.datetime,
    starts_at: dt.datetime,
    is_cancelled: bool = False,
):
    """R9 (Q12): a session closes at its registration deadline (and at its start)."""
    if is_cancelled:
        raise _refuse("cancelled_session")
    if not is_registration_open(
        now=now, registration_deadline=registration_deadline, starts_at=starts_at
    ):
        raise _refuse("closed")


def lead_time_warning(
    *, member_only: bool, now: dt.datetime, starts_at: dt.datetime, recommended_days: int = 21
) -> str | None:
    """R9 (Q12): member-only requests are best made `recommended_days` ahead (3 weeks,
    RECOMMENDED_LEAD_DAYS; counted on the Paris clock); a warning, never a block."""
    if member_only and now > days_before(starts_at, recommended_days):
        return message("lead_time", delay=delay_in_words(recommended_days))
    return None


def structure_cap_released(*, now: dt.datetime, starts_at: dt.datetime, release_days: int) -> bool:
    """R5 (Q9): the cap of 2 per structure is lifted `release_days` before the start, at the
    same Paris wall-clock time."""
    return now >= days_before(starts_at, release_days)


def check_structure_cap(*, member_only: bool, colleagues_holding: int, cap_released: bool):
    """R5 (Q9): at most 2 employees of one structure hold places in a member-only session;
    the next ones wait (code "structure_cap"), until the cap is released."""
    if member_only and not cap_released and colleagues_holding >= STRUCTURE_CAP:
        raise _refuse("structure_cap")


def check_annual_quota(
    *,
    member_only: bool,
    is_training: bool,
    year: int,
    counted_member_only: int,
    counted_trainings: int,
    session_already_counted: bool = False,
):
    """R6 (Q10): at most 4 member-only actions a year, of which at most 3 trainings.

    `counted_*` are the sessions already counted for that calendar year (a request holding a
    place, done, or cancelled late). A session counts once however many requests a person
    makes for it (Decisions, « Counted once »). Short formats are unlimited.
    """
    if not member_only or session_already_counted:
        return
    if counted_member_only >= ANNUAL_MEMBER_ONLY_QUOTA:
        raise _refuse("quota", limit=ANNUAL_MEMBER_ONLY_QUOTA, year=year)
    if is_training and counted_trainings >= ANNUAL_TRAINING_QUOTA:
        raise _refuse(
            "quota_training",
            code="quota",
            limit=ANNUAL_TRAINING_QUOTA,
            quota=ANNUAL_MEMBER_ONLY_QUOTA,
            year=year,
        )


def check_places_left(*, capacity: int, held: int):
    """R7 (Q9, Q12): places go in order of request; once all are held, requests wait
    (code "full")."""
    if held >= capacity:
        raise _refuse("full")


def sessions_overlap(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    """Beyond the FAQ (issue 25): two periods overlap when one starts before the other ends.
    One ending when the other starts (12:00 and 12:00) does not. Instants are compared, in
    UTC: Python compares two times of one time zone by their wall clocks, and the night of
    the autumn change has 2:30 twice. The FAQ forbids no overlap: a warning, never a refusal."""
    a_start, a_end, b_start, b_end = (
        moment.astimezone(dt.UTC) for moment in (a_start, a_end, b_start, b_end)
    )
    return a_start < b_end and b_start < a_end


def approves_own_requests(*, user_id: int, approver_ids: set[int]) -> bool:
    """R4 (Q5, Decisions « Independent »): a person approves their own requests only when
    they are the one and only approver of their structure — an independent in their
    one-person structure, or the sole approver of a structure. A declared status gives
    nothing."""
    return approver_ids == {user_id}


def needs_employer_approval(
    *, member_only: bool, is_independent: bool, pre_approved: bool = False
) -> bool:
    """R4 (Q5, Q8): member-only requests of employees wait for their employer; independents
    approve themselves; short formats need no approval."""
    return member_only and not is_independent and not pre_approved


def needs_provider_confirmation(*, member_only: bool) -> bool:
    """R10 (Q12): member-only requests wait for the provider; short formats are confirmed."""
    return member_only


def is_late_cancellation(*, now: dt.datetime, starts_at: dt.datetime, late_days: int) -> bool:
    """R8 (Q11): a cancellation less than `late_days` (10) days before the start is late;
    exactly 10 days before, at the same Paris wall-clock time, is not."""
    return now > days_before(starts_at, late_days)


def cancellation_is_counted(
    *,
    member_only: bool,
    employer_accepted: bool,
    now: dt.datetime,
    starts_at: dt.datetime,
    late_days: int,
) -> bool:
    """R8 (Q11): a late withdrawal from a member-only registration the employer had accepted
    (or that needed no acceptance) counts in the quota; withdrawing a request still waiting
    for the employer, or leaving a waiting list, never does."""
    return (
        member_only
        and employer_accepted
        and is_late_cancellation(now=now, starts_at=starts_at, late_days=late_days)
    )


def check_cancellation_allowed(
    *, now: dt.datetime, starts_at: dt.datetime, is_live: bool, reason: str
):
    """R8 (Q11): a cancellation is made before the start, with a reason."""
    if not is_live:
        raise _refuse("not_cancellable")
    if now >= starts_at:
        raise _refuse("started")
    check_reason_given(reason)


def check_reason_given(reason: str) -> str:
    """Refusals, declines and cancellations always carry a visible reason of reasonable
    length (R4, R8, R10); returns it stripped."""
    reason = check_text_given(reason)
    check_text_length(reason, limit=REASON_MAX_LENGTH, label=_("motif"), code="reason_required")
    return reason


def approval_is_overdue(*, now: dt.datetime, registration_deadline: dt.datetime) -> bool:
    """R9 (Q12, Decisions « Deadline »): a request still waiting for the employer (or for a
    place) at the registration deadline lapses; no acceptance is possible from then on."""
    return now >= registration_deadline


def check_before_deadline(*, now: dt.datetime, registration_deadline: dt.datetime):
    """R9: an employer's acceptance at or after the registration deadline is refused."""
    if approval_is_overdue(now=now, registration_deadline=registration_deadline):
        raise _refuse("deadline_passed", code="deadline")


def participant_reminder_due(*, now: dt.datetime, starts_at: dt.datetime, days: int) -> bool:
    """Reminder to participants (DESIGN, Emails): due from `days` days before the start, at
    the same Paris wall-clock time (Decisions, « Days »), until the start."""
    return days_before(starts_at, days) <= now < starts_at


def late_release_applies(*, now: dt.datetime, starts_at: dt.datetime, days: int) -> bool:
    """Late release (DESIGN.md, turn 3): a place freed less than `days` (LATE_OFFER_DAYS)
    days before the start, Paris wall clock, is offered rather than given; exactly `days`
    days before is not late."""
    return days_before(starts_at, days) < now < starts_at


def offer_expires_at(
    *, now: dt.datetime, starts_at: dt.datetime, deadline: dt.datetime, hours: int
) -> dt.datetime:
    """The end of an offer made at `now` (or of the employer's time to accept an accepted
    one): `hours` elapsed hours later (a daylight-saving change shortens nothing), never
    past the registration deadline — R9 closes the session and lapses what waits then —
    nor the start."""
    # In UTC: arithmetic on a Paris datetime would count wall-clock hours.
    return min(now.astimezone(dt.UTC) + dt.timedelta(hours=hours), deadline, starts_at)
