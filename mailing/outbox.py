"""The outbox: the one way an email is sent.

`queue_email` records the email in the caller's transaction, with its template's context as it
is at that moment (pickled, model instances included, as Django's cache pickles them) and
nothing rendered: the caller may hold row locks. Once the transaction commits, `send_email`
is published (`common.tasks.TransactionAwareTask`: a broker outage is logged, never raised);
the task renders the email once (`delivery.render`), outside any transaction, stores its
subject and bodies, clears the context (it names people) and sends it (`delivery.deliver`:
the attempt recorded before SMTP is spoken to). With Celery eager (the tests,
`make run`) this happens in the request right after the commit: the same code. The periodic
`sweep_unsent_emails` sends, the same way, what no task did (broker away, worker lost) and
what failed, once its next attempt is due; what could not leave for EMAIL_GIVE_UP_HOURS is
given up and staff are told once (`give_up_overdue`).

An email may wait for an attachment that another part of the platform makes (`awaits`, e.g.
the convocation's PDF, which `documents` generates once the request is confirmed): it is
recorded with the change, as any other, and sent once that part attaches the file
(`attach_and_release`). An attachment is plain data: its bytes recorded with the email, a
file of a Django storage named by alias and name, or made when the email is sent by the
function its dotted path names (`made_by`, from `of`: a registration's .ics).
"""

from __future__ import annotations

import logging
import pickle
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.typography import spaced, spaced_html

from .delivery import (
    SUBJECT_PREFIX,
    deliver,
    message_id,
    open_attempt_expiry,
    render,
    render_recorded,
    render_subject,
    send_email,
)
from .models import RETENTION_ERASED_SUBJECT, Email

# Rendering and sending live in `delivery`; these names stay importable from here.
__all__ = [
    "SUBJECT_PREFIX",
    "Outgoing",
    "attach_and_release",
    "awaited",
    "deliver",
    "erase_old_email_bodies",
    "give_up_overdue",
    "message_id",
    "queue_email",
    "queue_emails",
    "queue_message",
    "render",
    "render_recorded",
    "render_subject",
    "send_email",
    "still_waiting",
    "sweep_unsent_emails",
]

logger = logging.getLogger(__name__)


# --- Recording ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """An email to record (`queue_emails`): see `queue_email` for its parts."""

    template: str
    to: str
    context: dict
    attachments: Sequence[dict] = ()
    concerns: Iterable = ()
    awaits: str = ""


def queue_email(
    template: str,
    *,
    to: str,
    context: dict,
    attachments: Sequence[dict] = (),
    concerns: Iterable = (),
    awaits: str = "",
) -> Email | None:
    """Record an email in the outbox; it is rendered and sent after the commit.

    `context` is kept as it is now (pickled): what the email says is what was true when the
    change was made, whenever it is rendered. `concerns` are the users the email is about (a
    request's owner, the employees listed in a reminder): an account deletion finds there
    what was said about them to others. `awaits` names an attachment another part of the
    platform will add (`attach_and_release`): the email leaves only then. Without a
    recipient (e.g. the contact address of an anonymised request) nothing is recorded and
    None is returned: an email to nobody would only fail, again and again.
    """
    emails = queue_emails([Outgoing(template, to, context, attachments, concerns, awaits)])
    return emails[0] if emails else None


def queue_emails(outgoing: Iterable[Outgoing]) -> list[Email]:
    """Record several emails as `queue_email` does, in one INSERT (and one for the people
    they are about) rather than two each: a cart's validation records its emails while it
    holds its session's row lock, which every other validation of the session waits for."""
    emails, concerns = [], []
    for item in outgoing:
        if not (item.to or "").strip():
            logger.info("Email %r not recorded: no recipient", item.template)
            continue
        emails.append(
            Email(
                template=item.template,
                to=item.to,
                context=pickle.dumps(item.context, protocol=pickle.HIGHEST_PROTOCOL),
                attachments=list(item.attachments),
                awaits=item.awaits,
            )
        )
        concerns.append(item.concerns)
    return _recorded(emails, concerns)


def queue_message(message, *, template: str, concerns: Iterable = ()) -> list[Email]:
    """Record an email that is already rendered (a Django message, e.g. allauth's), one per
    recipient; sent after the commit as any other."""
    concerns = list(concerns)
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    emails = []
    for recipient in message.to:
        if not (recipient or "").strip():
            logger.info("Email %r not recorded: no recipient", template)
            continue
        emails.append(
            Email(
                template=template,
                to=recipient,
                subject=spaced(message.subject),
                body_text=spaced(message.body),
                body_html=spaced_html(html),
            )
        )
    return _recorded(emails, [concerns] * len(emails))


def _recorded(emails: list[Email], concerns: list[Iterable]) -> list[Email]:
    """Write the emails and link each to the people it is about (None, an anonymised
    request's owner, and duplicates ignored); publish the sending of each after the commit,
    unless it waits."""
    if not emails:
        return []
    Email.objects.bulk_create(emails)
    Concern = Email.concerns.through
    links = {
        (email.pk, person.pk)
        for email, people in zip(emails, concerns, strict=True)
        for person in people
        if getattr(person, "pk", None)
    }
    if links:
        Concern.objects.bulk_create(
            [Concern(email_id=email_id, user_id=user_id) for email_id, user_id in sorted(links)]
        )
    for email in emails:
        if not email.awaits:
            send_email.delay_on_commit(email.pk)
    return emails


# --- Waiting for an attachment -----------------------------------------------------------------


def attach_and_release(awaits: str, attachment: dict | None = None) -> int:
    """What the emails waiting for `awaits` needed exists: add `attachment` (None: they leave
    without it) and send them after the commit. Returns how many were waiting."""
    with transaction.atomic():
        emails = list(
            Email.objects.select_for_update()
            .filter(awaits=awaits, sent_at__isnull=True)
            .order_by("pk")
        )
        for email in emails:
            if attachment is not None:
                email.attachments = [*email.attachments, attachment]
            email.awaits = ""
            email.last_error = ""
            # It can leave only now: its retries and their give-up time start now.
            email.pending_since = email.next_attempt_at = timezone.now()
            email.save(
                update_fields=[
                    "attachments",
                    "awaits",
                    "last_error",
                    "pending_since",
                    "next_attempt_at",
                ]
            )
            send_email.delay_on_commit(email.pk)
    return len(emails)


def still_waiting(awaits: str, error: BaseException) -> int:
    """Record on the emails waiting for `awaits` why they still wait (staff see it in the
    admin); returns how many wait."""
    return Email.objects.filter(awaits=awaits, sent_at__isnull=True).update(
        last_error=f"En attente de {awaits} : {error!r}"[:2000]
    )


def awaited(prefix: str, *, older_than: timedelta) -> list[str]:
    """What the unsent emails recorded more than `older_than` ago still wait for, among the
    names that start with `prefix`, oldest first: the work list of a sweep."""
    cutoff = timezone.now() - older_than
    names = (
        Email.objects.filter(
            awaits__startswith=prefix, sent_at__isnull=True, created_at__lte=cutoff
        )
        .order_by("pk")
        .values_list("awaits", flat=True)
    )
    return list(dict.fromkeys(names))


# --- Sending: the sweep, and giving up ----------------------------------------------------------

# What the sweep stops at: this many failures in a row say the SMTP server is down, and the
# other due emails wait for the next sweep rather than each wait EMAIL_TIMEOUT for nothing.
SWEEP_FAILURES_IN_A_ROW = 5
# The email that tells staff what was given up; its own giving up is logged, not emailed.
GAVE_UP_TEMPLATE = "outbox_gave_up"


@shared_task(name="mailing.tasks.sweep_unsent_emails", ignore_result=True)
def sweep_unsent_emails(older_than_seconds: int = 30) -> int:
    """Give up what waited too long (staff told, once), then send the emails whose next attempt
    has come: those no task delivered (broker down at commit, worker lost) and those that
    failed. Returns how many it sent."""
    now = timezone.now()
    give_up_overdue(now=now)
    ids = list(
        Email.objects.due(now)
        .filter(created_at__lte=now - timedelta(seconds=older_than_seconds))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = failures = 0
    for email_id in ids:
        if deliver(email_id):
            sent, failures = sent + 1, 0
            continue
        failures += 1
        if failures >= SWEEP_FAILURES_IN_A_ROW:
            logger.warning("Outbox sweep stopped after %s failures in a row", failures)
            break
    return sent


def give_up_overdue(*, now=None) -> list[Email]:
    """Give up the unsent emails pending for EMAIL_GIVE_UP_HOURS (DESIGN.md, turn 3), and tell
    staff (STAFF_ALERT_EMAILS) in one email, in the same transaction: once per email given up,
    whoever sweeps at the same time (rows another sweep holds are skipped)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.EMAIL_GIVE_UP_HOURS)
    with transaction.atomic():
        emails = list(
            Email.objects.unsent()
            .select_for_update(skip_locked=True)
            .filter(pending_since__lte=cutoff)
            .filter(
                Q(sending_started_at__isnull=True)
                | Q(sending_started_at__lt=now - open_attempt_expiry())
            )
            .order_by("pk")
        )
        if not emails:
            return []
        Email.objects.filter(pk__in=[e.pk for e in emails]).update(
            gave_up=True, gave_up_at=now, sending_started_at=None
        )
        logger.error(
            "Outbox: %s emails given up after %s h", len(emails), settings.EMAIL_GIVE_UP_HOURS
        )
        told = [e for e in emails if e.template != GAVE_UP_TEMPLATE]
        if told:
            _tell_staff(told)
    return emails


def _tell_staff(emails: list[Email]) -> None:
    """One email to each staff address: how many were given up, of which kinds, since when,
    the last error, and the admin's list (« Renvoyer maintenant »). No recipient is named."""
    kinds = Counter(email.template for email in emails)
    context = {
        "count": len(emails),
        "hours": f"{settings.EMAIL_GIVE_UP_HOURS:g}",
        "kinds": sorted(kinds.items()),
        "oldest": min(email.pending_since for email in emails),
        "last_error": next((e.last_error for e in reversed(emails) if e.last_error), ""),
        "admin_url": settings.SITE_URL
        + reverse("admin:mailing_email_changelist")
        + "?envoye=abandon",
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
    }
    queue_emails(Outgoing(GAVE_UP_TEMPLATE, to, context) for to in settings.STAFF_ALERT_EMAILS)


@shared_task(name="mailing.tasks.erase_old_email_bodies", ignore_result=True)
def erase_old_email_bodies() -> int:
    """Erase the subject, bodies and attachments of the emails sent more than
    EMAIL_BODY_RETENTION_DAYS ago (DESIGN.md, Decisions: personal data); the recipient, the
    kind of email (template) and the dates stay, for the audit. Idempotent."""
    cutoff = timezone.now() - timedelta(days=settings.EMAIL_BODY_RETENTION_DAYS)
    return Email.objects.filter(sent_at__lt=cutoff, erased_at__isnull=True).erase(
        subject=RETENTION_ERASED_SUBJECT
    )
