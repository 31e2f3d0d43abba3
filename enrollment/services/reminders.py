"""Reminders to approvers of requests waiting for their decision (R9), and to participants
before their session (DESIGN, Emails).

Both are Celery tasks too, run periodically by beat (CELERY_BEAT_SCHEDULE). Idempotent: each
(request, kind of reminder) is recorded once in `ApprovalReminder`, and each participant's
reminder in `Registration.participant_reminded_at`, so that running them twice sends nothing
twice. Locks only registrations (the platform's lock order allows it:
nothing before them is needed here).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from catalog.models import Session
from employers.models import ApprovalReminder
from mailing.outbox import queue_email

from .. import notifications, rules
from ..models import Registration, RegistrationEvent, RegistrationStatus

Status = RegistrationStatus
Kind = ApprovalReminder.Kind


def _deadline_days() -> int:
    """The second reminder goes this many days before the registration deadline, when
    pending requests lapse (R9)."""
    return settings.APPROVAL_DEADLINE_REMINDER_DAYS


def _not_reminded(kind: str):
    return ~Exists(ApprovalReminder.objects.filter(registration=OuterRef("pk"), kind=kind))


def _due(now: dt.datetime):
    """Requests pending employer approval whose deadline is still ahead and which owe a
    reminder: pending for APPROVAL_REMINDER_DAYS (since they entered the state, e.g. after a
    promotion), or within DEADLINE_REMINDER_DAYS of the deadline."""
    pending_cutoff = now - dt.timedelta(days=settings.APPROVAL_REMINDER_DAYS)
    deadline_horizon = now + dt.timedelta(days=_deadline_days())
    return (
        Registration.objects.filter(
            status=Status.PENDING_EMPLOYER,
            structure__isnull=False,
            session__registration_deadline__gt=now,
        )
        .annotate(
            pending_since=Subquery(
                RegistrationEvent.objects.filter(
                    registration=OuterRef("pk"), to_status=Status.PENDING_EMPLOYER
                )
                .order_by("-at", "-pk")
                .values("at")[:1]
            )
        )
        .filter(
            Q(_not_reminded(Kind.PENDING), pending_since__lte=pending_cutoff)
            | Q(_not_reminded(Kind.DEADLINE), session__registration_deadline__lte=deadline_horizon)
        )
    )


# A task too (Celery beat, CELERY_BEAT_SCHEDULE), under the name it had in `employers.tasks`.
@shared_task(name="employers.tasks.remind_approvers", ignore_result=True)
def remind_approvers(now: dt.datetime | None = None) -> int:
    """Email each approver once, listing their requests that owe a reminder; returns the
    number of emails queued."""
    now = now or timezone.now()
    candidate_ids = list(_due(now).values_list("pk", flat=True))
    if not candidate_ids:
        return 0
    with transaction.atomic():
        # Lock the requests, then read again: a concurrent run (or a decision) that committed
        # meanwhile is seen, so nothing is reminded twice nor after a decision.
        list(
            Registration.objects.select_for_update(of=("self",))
            .filter(pk__in=candidate_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        reminded = {
            (registration_id, kind)
            for registration_id, kind in ApprovalReminder.objects.filter(
                registration_id__in=candidate_ids
            ).values_list("registration_id", "kind")
        }
        registrations = list(
            _due(now)
            .filter(pk__in=candidate_ids)
            .select_related("session__action", "user", "structure")
            .prefetch_related("structure__approvers")
            .order_by("session__registration_deadline", "submitted_at", "pk")
        )
        pending_cutoff = now - dt.timedelta(days=settings.APPROVAL_REMINDER_DAYS)
        deadline_horizon = now + dt.timedelta(days=_deadline_days())
        by_approver = defaultdict(lambda: {"deadline": [], "pending": []})
        records = []
        for registration in registrations:
            near_deadline = (
                registration.session.registration_deadline <= deadline_horizon
                and (registration.pk, Kind.DEADLINE) not in reminded
            )
            long_pending = (
                registration.pending_since is not None
                and registration.pending_since <= pending_cutoff
                and (registration.pk, Kind.PENDING) not in reminded
            )
            if not (near_deadline or long_pending):
                continue
            # A request near its deadline is listed once, as such: the first reminder is
            # then moot and recorded too.
            group = "deadline" if near_deadline else "pending"
            for approver in registration.structure.approvers.all():
                if approver.pk != registration.user_id:
                    by_approver[approver][group].append(registration)
            if near_deadline:
                records.append(ApprovalReminder(registration=registration, kind=Kind.DEADLINE))
            if (registration.pk, Kind.PENDING) not in reminded:
                records.append(ApprovalReminder(registration=registration, kind=Kind.PENDING))
        for record in records:
            record.sent_at = now
        ApprovalReminder.objects.bulk_create(records)
        Registration.objects.filter(pk__in={r.registration_id for r in records}).update(
            approval_reminded_at=now
        )
        employer_space_url = settings.SITE_URL + reverse("employers:space")
        for approver, groups in by_approver.items():
            queue_email(
                "approval_reminder",
                to=approver.email,
                context={
                    "approver": approver,
                    "deadline_registrations": groups["deadline"],
                    "pending_registrations": groups["pending"],
                    "count": len(groups["deadline"]) + len(groups["pending"]),
                    "pending_days": settings.APPROVAL_REMINDER_DAYS,
                    "employer_space_url": employer_space_url,
                    "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
                },
                concerns=[r.user for r in groups["deadline"] + groups["pending"]],
            )
    return len(by_approver)


def participant_reminder_days(session: Session) -> int:
    """A week before an action for members (the place, the times, what to bring), the day
    before a short format (the joining link)."""
    if session.action.is_member_only:
        return settings.SESSION_REMINDER_DAYS
    return settings.SHORT_FORMAT_REMINDER_DAYS


def _participants_to_remind(now: dt.datetime):
    """Confirmed registrations of sessions that have not started, not reminded yet, whose
    start is near enough for either kind of reminder (the rule then decides for each)."""
    horizon = now + dt.timedelta(
        days=max(settings.SESSION_REMINDER_DAYS, settings.SHORT_FORMAT_REMINDER_DAYS) + 1
    )
    return Registration.objects.filter(
        status=Status.CONFIRMED,
        user__isnull=False,
        participant_reminded_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=horizon,
    ).exclude(session__status=Session.Status.CANCELLED)


# A task too (Celery beat), under the name it had in `enrollment.tasks`.
@shared_task(name="enrollment.tasks.remind_participants", ignore_result=True)
def remind_participants(now: dt.datetime | None = None) -> int:
    """Remind each confirmed participant of their session once, SESSION_REMINDER_DAYS (or
    SHORT_FORMAT_REMINDER_DAYS) before it starts; returns the number of emails queued."""
    now = now or timezone.now()
    due_ids = [
        registration.pk
        for registration in _participants_to_remind(now).select_related("session__action")
        if rules.participant_reminder_due(
            now=now,
            starts_at=registration.session.starts_at,
            days=participant_reminder_days(registration.session),
        )
    ]
    if not due_ids:
        return 0
    with transaction.atomic():
        # Lock, then read again: a concurrent run, or a withdrawal, that committed meanwhile
        # is seen, so nobody is reminded twice nor after withdrawing.
        registrations = list(
            _participants_to_remind(now)
            .select_for_update(of=("self",))
            .filter(pk__in=due_ids)
            .select_related("session__action__provider", "user")
            .order_by("pk")
        )
        Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(
            participant_reminded_at=now
        )
        for registration in registrations:
            notifications.session_reminder(registration)
    return len(registrations)
