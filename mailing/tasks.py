import base64
import contextlib
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from . import attachments
from .models import RETENTION_ERASED_SUBJECT, Email
from .outbox import DOORBELL_KEY, render_pending

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def message_id(email: Email) -> str:
    return f"<outbox-{email.pk}.{email.created_at:%Y%m%d%H%M%S}@parcourspro.cap-metiers.pro>"


def _content(attachment: dict) -> bytes:
    """The bytes of an attachment: recorded with the email, or built now (`attachments`)."""
    if "build" in attachment:
        return attachments.build(attachment)
    return base64.b64decode(attachment["content"])


def deliver(email_id: int, *, skip_locked: bool = False) -> bool:
    """Send one outbox email at most once; True when it is (or already was) sent. With
    `skip_locked`, an email whose row another transaction holds (another worker sending it)
    is left to that one, without waiting for its SMTP exchange: True as well, nothing to
    retry here (and the sweep sends it should that transaction not)."""
    with transaction.atomic():
        email = Email.objects.select_for_update(skip_locked=skip_locked).filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return True
        if email.gave_up:
            return False
        if email.pending_context is not None:
            render_pending(email)  # recorded light, its request ended before rendering it
        message = EmailMultiAlternatives(
            email.subject,
            email.body_text,
            to=[email.to],
            # One Message-ID per outbox row: if a crash between the SMTP reply and the commit
            # makes the sweep send it again, the receiving server can tell it is the same email.
            headers={"Message-ID": message_id(email)},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            for attachment in email.attachments:
                message.attach(
                    attachment["filename"],
                    _content(attachment),
                    attachment.get("mimetype", "application/octet-stream"),
                )
            message.send()
        except Exception as error:  # noqa: BLE001 — recorded, retried by the task and the sweep
            email.last_error = repr(error)[:2000]
            email.gave_up = email.attempts >= MAX_ATTEMPTS
            email.save(update_fields=["attempts", "last_error", "gave_up"])
            return False
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


@shared_task(bind=True, max_retries=5, default_retry_delay=30, ignore_result=True)
def send_email(self, email_id: int):
    """Send an outbox email, retrying with a growing delay when the SMTP server fails."""
    if not deliver(email_id):
        raise self.retry(countdown=30 * 2**self.request.retries)


@shared_task(ignore_result=True)
def send_emails(email_ids: list[int]):
    """Send outbox emails recorded together (one broker message for a cart's validation);
    one that fails, or meets an error, is retried on its own by `send_email` (and the sweep
    sends whatever a lost worker left)."""
    _deliver_each(email_ids)


@shared_task(ignore_result=True)
def drain_outbox():
    """Send every email recorded and never tried yet, in the order recorded: the message a
    commit publishes when it rings the outbox's doorbell (`outbox.enqueue_sending`).

    The doorbell is deleted first, before the outbox is read: a commit that found it still
    set committed before this read, so its emails are among those read here; a commit after
    the deletion rings again and publishes another drain. Two drains may run at once: each
    skips the rows the other holds. One that fails is retried on its own by `send_email`."""
    cache.delete(DOORBELL_KEY)
    email_ids = list(
        Email.objects.unsent().filter(attempts=0).order_by("pk").values_list("pk", flat=True)
    )
    _deliver_each(email_ids, skip_locked=True, count_errors=True)


def _deliver_each(
    email_ids: list[int], *, skip_locked: bool = False, count_errors: bool = False
) -> None:
    """Deliver each email; one that fails, or meets an error, is handed to `send_email`
    (retried with a delay) and the others are still sent. With `count_errors`, an error
    (rolled back with its transaction) is recorded as an attempt: the next drains leave the
    email to its retries and the sweep rather than start a chain of retries each."""
    for email_id in email_ids:
        try:
            sent = deliver(email_id, skip_locked=skip_locked)
        except Exception as error:  # noqa: BLE001 — the others are still sent; this one is retried
            logger.warning("Email %s not sent with its batch", email_id, exc_info=True)
            sent = False
            if count_errors:
                with contextlib.suppress(DatabaseError):  # the database away: the others fail too
                    Email.objects.filter(pk=email_id, sent_at__isnull=True).update(
                        attempts=F("attempts") + 1, last_error=repr(error)[:2000]
                    )
        if not sent:
            send_email.apply_async((email_id,), countdown=30)


@shared_task(ignore_result=True)
def sweep_unsent_emails(older_than_seconds: int = 30) -> int:
    """Send the emails that no task delivered (broker down at commit, worker lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(Email.objects.unsent().filter(created_at__lte=cutoff).values_list("pk", flat=True))
    sent = 0
    for email_id in ids:
        sent += deliver(email_id)
    return sent


@shared_task(ignore_result=True)
def erase_old_email_bodies() -> int:
    """Erase the subject, bodies and attachments of the emails sent more than
    EMAIL_BODY_RETENTION_DAYS ago (DESIGN.md, Decisions: personal data); the recipient, the
    kind of email (template) and the dates stay, for the audit. Idempotent."""
    cutoff = timezone.now() - timedelta(days=settings.EMAIL_BODY_RETENTION_DAYS)
    return Email.objects.filter(sent_at__lt=cutoff, erased_at__isnull=True).erase(
        subject=RETENTION_ERASED_SUBJECT
    )
