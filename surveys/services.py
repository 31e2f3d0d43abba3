"""Writes of the questionnaires and of the mix warnings: each questionnaire is created with
its emails in one short transaction of its own (no session, user or registration row is
locked: nothing here takes or frees a place), so that a failure costs one email, and the
unique constraints make a second run, or a concurrent one, send nothing twice.

The periodic tasks (below) call `send_due_surveys`, `remind_surveys` and
`warn_poor_mixes`; the pages call `answer_survey`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from catalog.models import MEMBER_ONLY_KINDS, Session
from enrollment.models import Registration, RegistrationStatus
from mailing.outbox import queue_email

from . import mix, rules
from .models import MixWarning, Survey, SurveyAnswer

Kind = Survey.Kind
Status = RegistrationStatus
COMMENT_MAX_LENGTH = 5000


def survey_url(survey: Survey) -> str:
    return settings.SITE_URL + reverse("surveys:answer", args=[survey.token])


def _context(survey: Survey, person, **extra) -> dict:
    return {
        "survey": survey,
        "session": survey.session,
        "action": survey.session.action,
        "person": person,
        "url": survey_url(survey),
        "closes_at": survey.closes_at,
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
        **extra,
    }


def _record(survey: Survey, recipients, *, concerns, **extra) -> bool:
    """Write the questionnaire and its emails together; False when it already exists."""
    survey.token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            survey.save(force_insert=True)
            for person in recipients:
                queue_email(
                    "survey_invitation",
                    to=person.email,
                    context=_context(survey, person, **extra),
                    concerns=concerns,
                )
    except IntegrityError:
        return False  # another run sent it meanwhile
    return True


def _new(kind: str, session: Session, now: dt.datetime, **fields) -> Survey:
    return Survey(
        kind=kind,
        session=session,
        sent_at=now,
        closes_at=rules.closes_at(now, settings.SURVEY_OPEN_DAYS),
        **fields,
    )


# --- sending ---------------------------------------------------------------------------------


def _participants(kind: str, ended_after: dt.datetime, ended_before: dt.datetime):
    """Registrations of sessions that ended in the window, with no questionnaire of `kind`."""
    return (
        Registration.objects.filter(
            user__isnull=False,
            status__in=[Status.ATTENDED, Status.CONFIRMED],
            session__ends_at__gt=ended_after,
            session__ends_at__lte=ended_before,
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .exclude(Exists(Survey.objects.filter(registration=OuterRef("pk"), kind=kind)))
        .select_related("session__action", "user", "structure")
        .order_by("session__ends_at", "pk")
    )


def _hot_due(now: dt.datetime) -> list[Registration]:
    window = dt.timedelta(days=rules.HOT_SURVEY_LATEST_DAYS + 1)
    candidates = _participants(Kind.HOT, now - window, now).annotate(
        attendance_taken=Exists(
            Registration.objects.filter(
                session=OuterRef("session"), status__in=[Status.ATTENDED, Status.ABSENT]
            )
        )
    )
    return [
        r
        for r in candidates
        if rules.hot_survey_due(ends_at=r.session.ends_at, now=now)
        and rules.asked_hot(
            member_only=r.session.action.is_member_only,
            status=r.status,
            attendance_taken=r.attendance_taken,
        )
    ]


def _cold_due(now: dt.datetime) -> list[Registration]:
    days = settings.COLD_SURVEY_DAYS
    # A day of margin either side for daylight saving; the rule decides exactly.
    earliest = now - dt.timedelta(days=days + rules.COLD_SURVEY_LATEST_DAYS + 1)
    latest = now - dt.timedelta(days=days - 1)
    candidates = _participants(Kind.COLD, earliest, latest).filter(
        session__action__kind__in=MEMBER_ONLY_KINDS
    )
    return [
        r
        for r in candidates
        if rules.cold_survey_due(ends_at=r.session.ends_at, now=now, cold_days=days)
        and rules.asked_cold(member_only=r.session.action.is_member_only, status=r.status)
    ]


def _send_to_participants(registrations, kind: str, now: dt.datetime) -> int:
    sent = 0
    for registration in registrations:
        survey = _new(
            kind,
            registration.session,
            now,
            registration=registration,
            respondent=registration.user,
        )
        sent += _record(survey, [registration.user], concerns=[registration.user])
    return sent


def _employers_due(now: dt.datetime) -> list[Registration]:
    """Participants asked « à froid » whose structure was not asked about their session yet,
    while the session's « à froid » moment lasts."""
    days = settings.COLD_SURVEY_DAYS
    earliest = now - dt.timedelta(days=days + rules.COLD_SURVEY_LATEST_DAYS + 1)
    candidates = (
        Registration.objects.filter(
            surveys__kind=Kind.COLD,
            structure__isnull=False,
            session__ends_at__gt=earliest,
            session__ends_at__lte=now - dt.timedelta(days=days - 1),
        )
        .exclude(
            Exists(
                Survey.objects.filter(
                    kind=Kind.EMPLOYER,
                    session=OuterRef("session"),
                    structure=OuterRef("structure"),
                )
            )
        )
        .select_related("session__action", "structure", "user")
        .prefetch_related("structure__approvers")
        .order_by("session_id", "structure_id", "pk")
    )
    return [
        r
        for r in candidates
        if rules.cold_survey_due(ends_at=r.session.ends_at, now=now, cold_days=days)
    ]


def _send_to_employers(registrations: list[Registration], now: dt.datetime) -> int:
    """One questionnaire per structure and session, to its approvers who did not take part."""
    by_structure = defaultdict(list)
    for registration in registrations:
        by_structure[(registration.session_id, registration.structure_id)].append(registration)
    if not by_structure:
        return 0
    took_part = defaultdict(set)
    for session_id, user_id in Registration.objects.filter(
        session_id__in={session_id for session_id, _structure in by_structure},
        user__isnull=False,
        status__in=[Status.CONFIRMED, Status.ATTENDED, Status.ABSENT],
    ).values_list("session_id", "user_id"):
        took_part[session_id].add(user_id)
    sent = 0
    for (session_id, _structure_id), employees in by_structure.items():
        structure = employees[0].structure
        approvers = {person.pk: person for person in structure.approvers.all()}
        respondents = rules.employer_respondents(approvers, took_part[session_id])
        if not respondents:
            continue
        people = [registration.user for registration in employees if registration.user]
        sent += _record(
            _new(Kind.EMPLOYER, employees[0].session, now, structure=structure),
            [approvers[pk] for pk in respondents],
            concerns=people,
            employees=people,
            structure=structure,
        )
    return sent


def send_due_surveys(*, now: dt.datetime | None = None) -> int:
    """Send the questionnaires that are due: « à chaud » to the participants of sessions
    that ended, « à froid » to those of sessions that ended `COLD_SURVEY_DAYS` ago, then to
    their employers. Returns the number of questionnaires created."""
    now = now or timezone.now()
    sent = _send_to_participants(_hot_due(now), Kind.HOT, now)
    sent += _send_to_participants(_cold_due(now), Kind.COLD, now)
    sent += _send_to_employers(_employers_due(now), now)
    return sent


def remind_surveys(*, now: dt.datetime | None = None) -> int:
    """Remind once, `SURVEY_REMINDER_DAYS` after sending, whoever has not answered."""
    now = now or timezone.now()
    days = settings.SURVEY_REMINDER_DAYS
    candidates = (
        Survey.objects.filter(
            answered_at__isnull=True,
            reminded_at__isnull=True,
            closes_at__gt=now,
            sent_at__lte=now - dt.timedelta(days=days - 1),
        )
        .select_related("session__action", "respondent", "structure")
        .prefetch_related("structure__approvers")
        .order_by("sent_at", "pk")
    )
    reminded = 0
    for survey in candidates:
        if not rules.reminder_due(sent_at=survey.sent_at, now=now, reminder_days=days):
            continue
        if survey.kind == Kind.EMPLOYER:
            participants = set(
                Registration.objects.filter(session=survey.session_id).values_list(
                    "user_id", flat=True
                )
            )
            approvers = {person.pk: person for person in survey.structure.approvers.all()}
            recipients = [
                approvers[pk] for pk in rules.employer_respondents(approvers, participants)
            ]
        else:
            recipients = [survey.respondent] if survey.respondent else []
        with transaction.atomic():
            # The condition makes a concurrent run (or an answer just given) a no-op.
            if not Survey.objects.filter(
                pk=survey.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now):
                continue
            for person in recipients:
                queue_email(
                    "survey_reminder",
                    to=person.email,
                    context=_context(survey, person),
                    concerns=[survey.respondent] if survey.respondent else [],
                )
        reminded += 1
    return reminded


# --- answering -------------------------------------------------------------------------------


def answer_survey(
    survey: Survey,
    *,
    by,
    scores: dict,
    comment: str = "",
    consent_named: bool = False,
    now: dt.datetime | None = None,
) -> SurveyAnswer:
    """Record the one answer to `survey` (refused once answered or closed). `by` is the
    logged-in person, or None through the email's link."""
    now = now or timezone.now()
    rules.check_scores(survey.kind, scores)
    comment = comment.strip()[:COMMENT_MAX_LENGTH]
    if survey.kind == Kind.EMPLOYER:
        is_approver = by is not None and survey.structure.approvers.filter(pk=by.pk).exists()
        answered_by = by if is_approver else None
    else:
        answered_by = survey.respondent
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        rules.check_open(answered_at=locked.answered_at, closes_at=locked.closes_at, now=now)
        answer = SurveyAnswer.objects.create(
            survey=locked,
            comment=comment,
            consent_named=consent_named,
            answered_by=answered_by,
            answered_at=now,
            **{item: scores.get(item) for item in rules.ITEMS[survey.kind]},
        )
        Survey.objects.filter(pk=survey.pk).update(answered_at=now)
    survey.answered_at = now
    return answer


# --- mixité ----------------------------------------------------------------------------------


def warn_poor_mixes(*, now: dt.datetime | None = None) -> int:
    """Tell staff (`PROGRAMME_CONTACT_EMAIL`), once per session, that an upcoming or running
    session's mix has become poor (Q9). Returns the number of sessions reported."""
    now = now or timezone.now()
    sessions = (
        mix.with_mix(
            Session.objects.filter(status=Session.Status.PUBLISHED, ends_at__gt=now).exclude(
                Exists(MixWarning.objects.filter(session=OuterRef("pk")))
            )
        )
        .filter(mix.poor_mix_q())
        .select_related("action__provider")
        .order_by("starts_at", "pk")
    )
    warned = 0
    for session in sessions:
        session_mix = mix.mix_of(session)
        if not session_mix.is_poor:
            continue
        try:
            with transaction.atomic():
                MixWarning.objects.create(
                    session=session, warned_at=now, reasons=" ; ".join(session_mix.reasons)
                )
                queue_email(
                    "survey_poor_mix",
                    to=settings.PROGRAMME_CONTACT_EMAIL,
                    context={
                        "session": session,
                        "action": session.action,
                        "mix": session_mix,
                        "admin_url": settings.SITE_URL
                        + reverse("admin:catalog_session_change", args=[session.pk]),
                        "dashboard_url": settings.SITE_URL + reverse("operations:dashboard"),
                        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
                    },
                )
        except IntegrityError:
            continue
        warned += 1
    return warned


# Periodic work (Celery beat: parcourspro/celery.py), under the names of the former
# `surveys.tasks`. Idempotent: the unique constraints and the conditional updates above make a
# second run send nothing twice. Nothing in `enrollment` calls these: they find ended
# sessions and changed mixes themselves.


@shared_task(name="surveys.tasks.send_surveys", ignore_result=True)
def send_surveys() -> int:
    """The questionnaires due (« à chaud », « à froid », employers), then the reminders."""
    return send_due_surveys() + remind_surveys()


@shared_task(name="surveys.tasks.warn_poor_mixes", ignore_result=True)
def warn_poor_mixes_task() -> int:
    return warn_poor_mixes()
