"""The outbox: the one way an email is sent.

`queue_email` records the email in the caller's transaction, with its template's context as it
is at that moment (pickled, model instances included, as Django's cache pickles them) and
nothing rendered: the caller may hold row locks. Once the transaction commits, `send_email`
is published (`common.tasks.TransactionAwareTask`: a broker outage is logged, never raised);
the task renders the email once (`render`), outside any transaction, stores its subject and
bodies, clears the context (it names people) and sends it. With Celery eager (the tests,
`make run`) this happens in the request right after the commit: the same code. The periodic
`sweep_unsent_emails` sends, the same way, what no task did (broker away, worker lost).

An email may wait for an attachment that another part of the platform makes (`awaits`, e.g.
the convocation's PDF, which `documents` generates once the request is confirmed): it is
recorded with the change, as any other, and sent once that part attaches the file
(`attach_and_release`). An attachment is plain data: its bytes recorded with the email (an
.ics), or a file of a Django storage named by alias and name.
"""

from __future__ import annotations

import base64
import logging
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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

from common.typography import spaced, spaced_html

from .models import RETENTION_ERASED_SUBJECT, Email

logger = logging.getLogger(__name__)

# Attempts at sending (SMTP) before an email is given up (staff may send it again).
MAX_ATTEMPTS = 8


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
            email.save(update_fields=["attachments", "awaits", "last_error"])
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


# --- Rendering and sending ---------------------------------------------------------------------


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
    return f"<outbox-{email.pk}.{email.created_at:%Y%m%d%H%M%S}@parcourspro.cap-metiers.pro>"


def deliver(email_id: int) -> bool:
    """Send one outbox email at most once, rendering it first if it is not yet; True when it
    is (or already was) sent, or is gone; False when it is not sent: a failure (recorded),
    given up, or waiting for an attachment."""
    email = Email.objects.filter(pk=email_id).first()
    if email is None or email.sent_at is not None:
        return True
    if email.context is not None and not render_recorded(email):
        return False
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return True
        if email.gave_up or email.awaits or email.context is not None:
            return False
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
        )
        return False
    # Rendered twice at once (a task and the sweep): both texts are the same, one is stored.
    Email.objects.filter(pk=email.pk, context__isnull=False).update(
        subject=subject[:255], body_text=text, body_html=html, context=None
    )
    return True


def _content(attachment: dict) -> bytes:
    """The bytes of an attachment: recorded with the email, or a file of a Django storage."""
    if "storage" in attachment:
        with storages[attachment["storage"]].open(attachment["name"], "rb") as handle:
            return handle.read()
    return base64.b64decode(attachment["content"])


# --- Tasks (their names are those of the former mailing.tasks: the beat schedule and the
# messages already queued keep working) --------------------------------------------------------


@shared_task(
    name="mailing.tasks.send_email",
    bind=True,
    max_retries=5,
    default_retry_delay=30,
    ignore_result=True,
)
def send_email(self, email_id: int):
    """Send an outbox email, retrying with a growing delay when the SMTP server fails."""
    if not deliver(email_id) and Email.objects.unsent().filter(pk=email_id).exists():
        raise self.retry(countdown=30 * 2**self.request.retries)


@shared_task(name="mailing.tasks.sweep_unsent_emails", ignore_result=True)
def sweep_unsent_emails(older_than_seconds: int = 30) -> int:
    """Send the emails that no task delivered (broker down at commit, worker lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Email.objects.unsent()
        .filter(created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(deliver(email_id) for email_id in ids)


@shared_task(name="mailing.tasks.erase_old_email_bodies", ignore_result=True)
def erase_old_email_bodies() -> int:
    """Erase the subject, bodies and attachments of the emails sent more than
    EMAIL_BODY_RETENTION_DAYS ago (DESIGN.md, Decisions: personal data); the recipient, the
    kind of email (template) and the dates stay, for the audit. Idempotent."""
    cutoff = timezone.now() - timedelta(days=settings.EMAIL_BODY_RETENTION_DAYS)
    return Email.objects.filter(sent_at__lt=cutoff, erased_at__isnull=True).erase(
        subject=RETENTION_ERASED_SUBJECT
    )
