"""Rendering and sending one outbox email (`deliver`), and its Celery task.

Exactly once as far as SMTP allows. An attempt is recorded (`attempts`, `sending_started_at`)
in its own short transaction, committed BEFORE the SMTP server is spoken to; no row lock is
held while it is (DESIGN.md, turn 3). The outcome is recorded in a second short transaction:
`sent_at`, or the error and the next attempt's time (a growing delay, `common.retry`).

If the process dies between SMTP's acceptance and that second commit (a worker killed, the
database connection cut), the attempt stays open. Once it is older than `open_attempt_expiry`
(longer than any SMTP conversation can last), the next attempt takes it over: the email is
sent again, with the same Message-ID (`message_id`: receiving servers and mail clients can
tell it is the same email), and `possible_duplicates` is incremented, shown in the admin. So
an email is delivered at least once, and it is never delivered twice without a trace.
"""

from __future__ import annotations

import base64
import logging
import pickle
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string

from common.retry import retry_delay
from common.typography import spaced, spaced_html

from .models import Email

logger = logging.getLogger(__name__)

# Every subject starts with it, so that people find and sort the programme's emails; allauth's
# own are prefixed by ACCOUNT_EMAIL_SUBJECT_PREFIX, the same text.
SUBJECT_PREFIX = "[ParcoursPro]"


def render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from templates/emails/<template>.{subject.txt,txt,html}:
    the one place where an email is rendered."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    subject = render_subject(template, context)
    text = spaced(_render_plain(f"emails/{template}.txt", context).strip()) + "\n"
    html = spaced_html(render_to_string(f"emails/{template}.html", context))
    return subject, text, html


def render_subject(template: str, context: dict) -> str:
    """The subject of templates/emails/<template>.subject.txt on one line, prefixed
    (`SUBJECT_PREFIX`) unless it already is."""
    subject = " ".join(_render_plain(f"emails/{template}.subject.txt", context).split())
    if not subject.startswith(SUBJECT_PREFIX):
        subject = f"{SUBJECT_PREFIX} {subject}"
    return spaced(subject)


def _render_plain(name: str, context: dict) -> str:
    """Render a text template without HTML escaping (plain-text subjects and bodies)."""
    return get_template(name).template.render(Context(context, autoescape=False))


def message_id(email: Email) -> str:
    """One Message-ID per outbox row, the same at every attempt."""
    return f"<outbox-{email.pk}.{email.created_at:%Y%m%d%H%M%S}@parcourspro.cap-metiers.pro>"


def open_attempt_expiry() -> timedelta:
    """How long an attempt may stay open before another takes it over: far longer than an SMTP
    conversation (each of its steps gives up after EMAIL_TIMEOUT seconds)."""
    return timedelta(seconds=max(300, 6 * settings.EMAIL_TIMEOUT))


def deliver(email_id: int, *, now=None) -> bool:
    """Send one outbox email, rendering it first if it is not yet; True when it is (or already
    was) sent, or is gone; False when it is not sent: a failure (recorded, with its next
    attempt), given up, waiting for an attachment, not due yet, or being sent right now."""
    email = Email.objects.filter(pk=email_id).first()
    if email is None or email.sent_at is not None:
        return True
    if email.context is not None and not render_recorded(email):
        return False
    email = _claim(email_id, now or timezone.now())
    if email is None:
        return Email.objects.filter(pk=email_id, sent_at__isnull=True).first() is None
    try:
        _message(email).send()
    except Exception as error:  # noqa: BLE001 — recorded; the task and the sweep retry
        _failed(email, error)
        return False
    # Nothing between SMTP's acceptance and this update but the update itself: if it never
    # happens, the attempt stays open and the next one counts a possible duplicate.
    Email.objects.filter(pk=email.pk, sending_started_at=email.sending_started_at).update(
        sent_at=timezone.now(), sending_started_at=None, last_error=""
    )
    return True


def _claim(email_id: int, now) -> Email | None:
    """Record an attempt and commit it; None when the email is not to be sent now."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None or email.gave_up or email.awaits:
            return None
        if email.context is not None or email.next_attempt_at > now:
            return None
        if email.sending_started_at is not None:
            if email.sending_started_at > now - open_attempt_expiry():
                return None  # another worker is speaking to SMTP about it
            # The last attempt never recorded its outcome: SMTP may have accepted it.
            email.possible_duplicates += 1
            logger.warning("Email %s sent again after an attempt left open", email.pk)
        email.attempts += 1
        email.sending_started_at = now
        email.save(update_fields=["attempts", "sending_started_at", "possible_duplicates"])
    return email


def _failed(email: Email, error: Exception) -> None:
    now = timezone.now()
    Email.objects.filter(pk=email.pk, sending_started_at=email.sending_started_at).update(
        sending_started_at=None,
        last_error=repr(error)[:2000],
        next_attempt_at=now + retry_delay(email.attempts),
    )
    logger.warning("Email %s not sent (attempt %s): %r", email.pk, email.attempts, error)


def _message(email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject,
        email.body_text,
        to=[email.to],
        headers={"Message-ID": message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        content = attachment_bytes(attachment)
        if content is not None:
            message.attach(
                attachment["filename"],
                content,
                attachment.get("mimetype", "application/octet-stream"),
            )
    return message


def render_recorded(email: Email) -> bool:
    """Render the email from its recorded context (no transaction, no lock), store subject and
    bodies, clear the context. False when it cannot be rendered: a context that this release
    cannot read (a model changed since it was recorded) or a template error, which no retry
    would fix: the email is given up with the error, for staff to see (the context is kept:
    « Renvoyer maintenant » tries again once the cause is fixed)."""
    try:
        subject, text, html = render(email.template, pickle.loads(email.context))
    except Exception as error:  # noqa: BLE001 — recorded on the email, never a crash loop
        logger.exception("Email %s could not be rendered", email.pk)
        Email.objects.filter(pk=email.pk, sent_at__isnull=True).update(
            attempts=F("attempts") + 1,
            last_error=f"Rédaction impossible : {error!r}"[:2000],
            gave_up=True,
            gave_up_at=timezone.now(),
        )
        return False
    # Rendered twice at once (a task and the sweep): both texts are the same, one is stored.
    Email.objects.filter(pk=email.pk, context__isnull=False).update(
        subject=subject[:255], body_text=text, body_html=html, context=None
    )
    return True


def attachment_bytes(attachment: dict) -> bytes | None:
    """The bytes of an attachment: recorded with the email, a file of a Django storage, or
    made now by the function named by `made_by` from `of` (an .ics: made when the email
    leaves, never under the lock of the transaction that recorded it); None when what it was
    made from no longer exists (the email leaves without it)."""
    if "made_by" in attachment:
        return import_string(attachment["made_by"])(attachment["of"])
    if "storage" in attachment:
        with storages[attachment["storage"]].open(attachment["name"], "rb") as handle:
            return handle.read()
    return base64.b64decode(attachment["content"])


# Retries of the task itself, at the email's `next_attempt_at`; then the sweep goes on.
TASK_RETRIES = 5


@shared_task(name="mailing.tasks.send_email", bind=True, ignore_result=True)
def send_email(self, email_id: int):
    """Send an outbox email; on failure, try again when its next attempt is due."""
    if deliver(email_id) or self.request.retries >= TASK_RETRIES:
        return
    due = Email.objects.unsent().filter(pk=email_id).values_list("next_attempt_at", flat=True)
    if due:
        wait = (due[0] - timezone.now()).total_seconds()
        raise self.retry(countdown=max(wait, 1), max_retries=TASK_RETRIES)
