"""The rules checked after the rush, on the run's database (run.py calls `check` in a process
set up for Django on it). Each check is a sentence and whether it holds, with the figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter

# The acknowledgement every validated cart sends its professional (enrollment.notifications).
ACKNOWLEDGEMENT = "registration_acknowledgement"


def check(validations: list[list[str]], started_at: dt.datetime, delivered: list[str]):
    """`validations`: (email, submission) of every « Valider mon panier » that reached its
    confirmation page; `started_at`: when the rush began; `delivered`: the Message-ID of
    every email the SMTP sink received. Returns [(sentence, holds, detail)]."""
    from django.conf import settings
    from django.db.models import Count, F, Q

    from catalog.models import MEMBER_ONLY_KINDS, ActionKind, Session
    from enrollment.models import HOLDING_STATUSES, QUOTA_STATUSES, Registration
    from enrollment.rules import ANNUAL_MEMBER_ONLY_QUOTA, ANNUAL_TRAINING_QUOTA, STRUCTURE_CAP
    from mailing.models import Email

    results = []
    holding = Q(registrations__status__in=HOLDING_STATUSES)
    over = (
        Session.objects.annotate(held=Count("registrations", filter=holding))
        .filter(held__gt=F("capacity"))
        .count()
    )
    sessions = Session.objects.count()
    results.append(
        ("no session holds more places than its capacity", over == 0, f"{over} of {sessions}")
    )

    # R5: before the cap's release (15 days before the start), at most 2 colleagues hold places.
    release = dt.timedelta(days=settings.STRUCTURE_CAP_RELEASE_DAYS)
    capped = (
        Registration.objects.filter(
            status__in=HOLDING_STATUSES,
            session__action__kind__in=MEMBER_ONLY_KINDS,
            session__cap_released_at__isnull=True,
            session__starts_at__gt=dt.datetime.now(dt.UTC) + release,
            structure__isnull=False,
        )
        .values("session", "structure")
        .annotate(n=Count("pk"))
        .filter(n__gt=STRUCTURE_CAP)
        .count()
    )
    results.append(
        (
            f"at most {STRUCTURE_CAP} colleagues of a structure hold places in a session",
            capped == 0,
            f"{capped} over",
        )
    )

    counted = (
        Registration.objects.filter(
            Q(status__in=QUOTA_STATUSES) | Q(counted_in_quota=True),
            session__action__kind__in=MEMBER_ONLY_KINDS,
            user__isnull=False,
        )
        .values("user", "session__starts_at__year")
        .annotate(
            member=Count("session", distinct=True),
            trainings=Count(
                "session", distinct=True, filter=Q(session__action__kind=ActionKind.TRAINING)
            ),
        )
    )
    over_quota = sum(
        1
        for row in counted
        if row["member"] > ANNUAL_MEMBER_ONLY_QUOTA or row["trainings"] > ANNUAL_TRAINING_QUOTA
    )
    results.append(
        (
            f"nobody over the yearly quota ({ANNUAL_MEMBER_ONLY_QUOTA} actions, "
            f"{ANNUAL_TRAINING_QUOTA} trainings)",
            over_quota == 0,
            f"{over_quota} people over, of {len(counted)} counted",
        )
    )

    per_submission = Counter(
        (email, str(submission))
        for email, submission in Registration.objects.filter(
            submitted_at__gte=started_at
        ).values_list("user__email", "submission")
    )
    lost = [v for v in validations if (v[0], v[1]) not in per_submission]
    results.append(
        (
            "every validation that reached its confirmation page has its registrations",
            not lost,
            f"{len(validations) - len(lost)} of {len(validations)}",
        )
    )

    emails = Email.objects.filter(created_at__gte=started_at)
    acknowledgements = Counter(emails.filter(template=ACKNOWLEDGEMENT).values_list("to", flat=True))
    submissions_by = Counter(email for email, _ in per_submission)
    wrong = {
        email
        for email in set(acknowledgements) | set(submissions_by)
        if acknowledgements[email] != submissions_by[email]
    }
    results.append(
        (
            "one acknowledgement recorded per validated cart",
            not wrong,
            f"{sum(acknowledgements.values())} for {sum(submissions_by.values())} carts",
        )
    )
    recorded = emails.count()
    sent = emails.filter(sent_at__isnull=False).count()
    copies = Counter(delivered)
    twice = sum(1 for n in copies.values() if n > 1)
    results.append(
        (
            "every email recorded during the rush sent, and once",
            sent == recorded and twice == 0,
            f"{recorded} recorded, {sent} marked sent, {len(delivered)} received by the "
            f"SMTP sink, {twice} twice",
        )
    )
    return results
