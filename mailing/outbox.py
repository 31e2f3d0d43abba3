"""Record emails in the current transaction; send them through Celery once it commits."""

import contextlib
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from .models import Email

logger = logging.getLogger(__name__)

# Emails recorded light inside `rendered_after_transaction()`: (pk, template, context).
_deferred: ContextVar[list | None] = ContextVar("deferred_emails", default=None)
# template -> function building its context from the ids recorded with the email.
_context_builders: dict[str, Callable[[dict], dict]] = {}


def register_context_builder(template: str, build: Callable[[dict], dict]) -> None:
    """How to rebuild `template`'s context from the ids recorded with a light email (the
    worker renders it when the request that recorded it could not)."""
    _context_builders[template] = build


@contextlib.contextmanager
def rendered_after_transaction():
    """Inside, emails queued with `ids` are recorded light (template and ids, in the caller's
    transaction as ever) and the request never renders them: once the caller's
    `transaction.atomic()` (which this block encloses) commits, they are handed to the broker
    and the worker's `deliver` renders each from its ids before sending it — no row lock is
    held, and the request does no rendering at all. Without a broker (Celery eager: the
    tests, a development machine) the request is the worker: they are rendered when the
    block exits without error, as the worker would. Should the broker be down, the sweep
    renders and sends them; should the process die, they are still recorded."""
    pending: list = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if not pending:
        return
    # One publish for them all (a cart's validation records two: issue 16).
    ids = [email_pk for email_pk, _template, _context in pending]
    if not _eager():
        transaction.on_commit(partial(enqueue_sending, ids), robust=True)
        return
    rendered = [(pk, render_email(template, context)) for pk, template, context in pending]
    # One short transaction for all, then the sending: a worker never meets these writes.
    with transaction.atomic():
        for email_pk, (subject, text, html) in rendered:
            Email.objects.filter(pk=email_pk, pending_context__isnull=False).update(
                subject=subject, body_text=text, body_html=html, pending_context=None
            )
        transaction.on_commit(partial(enqueue_sending, ids), robust=True)


def _eager() -> bool:
    """Celery runs its tasks in-process (no broker): the request is its own worker."""
    from .tasks import send_email

    return bool(send_email.app.conf.task_always_eager)


def render_pending(email: Email) -> None:
    """Render a light email from its recorded ids (the worker, the sweep)."""
    context = _context_builders[email.template](email.pending_context)
    email.subject, email.body_text, email.body_html = render_email(email.template, context)
    email.pending_context = None
    email.save(update_fields=["subject", "body_text", "body_html", "pending_context"])


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from templates/emails/<template>.{subject.txt,txt,html}."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(_render_plain(f"emails/{template}.subject.txt", context).split())
    text = _render_plain(f"emails/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def _render_plain(name: str, context: dict) -> str:
    """Render a text template without HTML escaping (plain-text subjects and bodies)."""
    return get_template(name).template.render(Context(context, autoescape=False))


# Emails queued inside `recorded_together()`: (email, concerned user ids, light context).
_batch: ContextVar[list | None] = ContextVar("emails_recorded_together", default=None)


@contextlib.contextmanager
def recorded_together():
    """Inside, the emails queued (`queue_email`) are written when the block exits without
    error: all of them in one INSERT, their concerns in another, rather than two statements
    each (a cart's validation records them under its session's row lock, issue 16). They are
    in the caller's transaction as ever, and handed to the broker (or rendered after it,
    `rendered_after_transaction`) exactly as one by one. Until the block exits, the
    `Email` returned by `queue_email` has no primary key."""
    batch: list = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if not batch:
        return
    Email.objects.bulk_create([email for email, _people, _light in batch])
    Through = Email.concerns.through
    Through.objects.bulk_create(
        [
            Through(email_id=email.pk, user_id=pk)
            for email, people, _light in batch
            for pk in people
        ],
        ignore_conflicts=True,
    )
    for email, _people, light in batch:
        _recorded(email, light)


def _people(concerns: Iterable) -> list[int]:
    """The ids of the people an email is about; None (an anonymised request's owner) and
    duplicates are ignored."""
    return list(dict.fromkeys(pk for person in concerns if (pk := getattr(person, "pk", None))))


def _record(email: Email, concerns: Iterable, light: tuple | None) -> Email:
    """Write the email and link it to the people it is about (or leave both to the enclosing
    `recorded_together()`)."""
    people = _people(concerns)
    batch = _batch.get()
    if batch is not None:
        batch.append((email, people, light))
        return email
    email.save(force_insert=True)
    if people:
        email.concerns.add(*people)
    _recorded(email, light)
    return email


def _recorded(email: Email, light: tuple | None) -> None:
    """A light email is rendered after the transaction; any other is sent after its commit."""
    if light is not None:
        _deferred.get().append((email.pk, *light))
    else:
        transaction.on_commit(partial(enqueue_sending, email.pk), robust=True)


def queue_email(
    template: str,
    *,
    to: str,
    context: dict,
    attachments=None,
    concerns: Iterable = (),
    ids: dict | None = None,
) -> Email | None:
    """Record an email in the outbox; it is sent by a Celery task after the commit.

    `concerns` are the users the email is about (a request's owner, the employees listed in
    a reminder): an account deletion finds there what was said about them to others.
    Without a recipient (e.g. the contact address of an anonymised request) nothing is
    recorded and None is returned: an email to nobody would only fail, again and again.
    Inside `rendered_after_transaction()`, an email given `ids` (from which its template's
    registered builder rebuilds `context`) is recorded light and rendered after.
    """
    if not (to or "").strip():
        logger.info("Email %r not recorded: no recipient", template)
        return None
    pending = _deferred.get()
    if pending is not None and ids is not None and template in _context_builders:
        email = Email(
            template=template,
            to=to,
            subject="",
            body_text="",
            attachments=attachments or [],
            pending_context=ids,
        )
        return _record(email, concerns, (template, context))
    subject, text, html = render_email(template, context)
    email = Email(
        template=template,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments or [],
    )
    return _record(email, concerns, None)


def queue_message(message, *, template: str, concerns: Iterable = ()) -> list[Email]:
    """Record an already rendered Django email message (e.g. allauth's) in the outbox."""
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
        email = Email(
            template=template,
            to=recipient,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
        )
        emails.append(_record(email, concerns, None))
    return emails


def enqueue_sending(email_id: int | list[int]) -> None:
    """Hand an email (or a list of them) to the broker after the commit that recorded it; on a
    broker outage the periodic sweep sends it later.

    With a shared cache (the default cache is Redis, `CACHE_URL=rediscache://…`) and a broker,
    the commit rings the doorbell rather than naming its emails: only the first commit since
    the last drain started publishes a message (`drain_outbox`), which sends every email
    recorded meanwhile (issue 16: one publish per burst, not one per validation). Without a
    shared cache (locmem: each process its own, so a worker could not delete the key a web
    process set) each commit publishes its own message (`send_email`, or `send_emails` for a
    list); with Celery eager (the tests, `make run`) the request sends them itself."""
    from .tasks import send_email, send_emails

    try:
        if not _eager() and _cache_is_shared():
            _ring_doorbell()
        elif isinstance(email_id, int):
            send_email.delay(email_id)
        elif len(email_id) == 1:
            send_email.delay(email_id[0])
        else:
            send_emails.delay(list(email_id))
    except Exception:  # noqa: BLE001 — any broker failure leaves the email for the sweep
        logger.warning("Broker unavailable: email %s left for the sweep", email_id, exc_info=True)


# The doorbell: set by the first commit since the last drain started, deleted by the drain.
DOORBELL_KEY = "mailing:outbox-doorbell"
# A lost message or a dead worker leaves the key: commits ring again after this delay, and
# the periodic sweep sends what was recorded meanwhile.
DOORBELL_TTL = 60


def _cache_is_shared() -> bool:
    """The default cache is Redis: the web processes and the workers see the same keys."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    return isinstance(caches["default"], RedisCache)


def _ring_doorbell() -> None:
    """Publish one `drain_outbox` unless a commit rang since the last drain started: that
    drain deletes the key before it reads the outbox, so it reads this commit's emails too.
    Redis away: `add` answers True (common.redis_cache), each commit publishes."""
    from django.core.cache import cache

    from .tasks import drain_outbox

    if not cache.add(DOORBELL_KEY, 1, timeout=DOORBELL_TTL):
        return
    try:
        drain_outbox.delay()
    except Exception:
        # No drain is coming: the next commit tries the broker again, as without a doorbell.
        cache.delete(DOORBELL_KEY)
        raise
