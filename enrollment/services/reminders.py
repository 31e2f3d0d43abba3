"""Reminders to approvers of requests waiting for their decision (R9).

Idempotent: each (request, kind of reminder) is recorded once in `ApprovalReminder`, so that
running it twice sends nothing twice. Locks only registrations (the platform's lock order
allows it: nothing before them is needed here).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from employers.models import ApprovalReminder
from mailing.outbox import queue_email

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
