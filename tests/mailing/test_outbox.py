"""The outbox: recorded with the change (its context, nothing rendered), rendered once and
sent once after the commit, swept when the broker missed it."""

import logging
import pickle
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment import calendar
from enrollment.models import RegistrationStatus
from mailing import delivery, outbox
from mailing.delivery import attachment_bytes
from mailing.models import ERASED_SUBJECT, RETENTION_ERASED_SUBJECT, Email
from mailing.outbox import (
    Outgoing,
    attach_and_release,
    awaited,
    deliver,
    erase_old_email_bodies,
    queue_email,
    queue_emails,
    still_waiting,
    sweep_unsent_emails,
)
from parcourspro.celery import app as celery_app
from tests.factories import RegistrationFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"user": None, "registrations": [], "my_space_url": "http://x/mon-espace/"}


def queued(**kwargs):
    return Email.objects.create(
        template="test", to="pro@example.test", subject="Objet", body_text="Texte", **kwargs
    )


def test_an_email_is_sent_once_even_if_delivered_twice():
    email = queued()
    assert deliver(email.pk) is True
    assert deliver(email.pk) is True
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_each_email_carries_a_stable_message_id():
    email = queued()
    deliver(email.pk)
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<outbox-{email.pk}.")


def test_smtp_failure_is_recorded_and_retried_by_the_sweep(settings):
    email = queued()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    assert deliver(email.pk) is False
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1 and email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep_unsent_emails(older_than_seconds=0) == 0  # its next attempt has not come
    with time_machine.travel(email.next_attempt_at, tick=False):
        assert sweep_unsent_emails(older_than_seconds=0) == 1
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue_email("registration_acknowledgement", to="pro@example.test", context=CONTEXT)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Email.objects.exists()
    assert mail.outbox == []


# --- no email to nobody -----------------------------------------------------------------------


@pytest.mark.parametrize("to", ["", "   "])
def test_an_email_to_no_address_is_not_recorded(to, caplog):
    with caplog.at_level(logging.INFO, logger="mailing.outbox"):
        assert queue_email("registration_acknowledgement", to=to, context=CONTEXT) is None
    assert not Email.objects.exists()
    assert "no recipient" in caplog.text


def test_a_message_to_no_address_is_not_recorded():
    from django.core.mail import EmailMessage

    from mailing.outbox import queue_message

    message = EmailMessage("Objet", "Texte", to=["", "pro@example.test"])
    [email] = queue_message(message, template="test")
    assert email.to == "pro@example.test"
    assert list(Email.objects.values_list("to", flat=True)) == ["pro@example.test"]


# --- retention of bodies (DESIGN.md, Decisions: personal data) --------------------------------

ICS = {"filename": "a.ics", "content": "QQ==", "mimetype": "text/calendar"}


def test_bodies_of_emails_sent_longer_ago_than_the_retention_are_erased(settings):
    settings.EMAIL_BODY_RETENTION_DAYS = 30
    now = timezone.now()
    old = queued(sent_at=now - timedelta(days=31), body_html="<p>Texte</p>", attachments=[ICS])
    recent = queued(sent_at=now - timedelta(days=29), body_html="<p>Texte</p>")
    unsent = queued()
    Email.objects.filter(pk=unsent.pk).update(created_at=now - timedelta(days=400))
    assert erase_old_email_bodies() == 1
    old.refresh_from_db()
    assert (old.body_text, old.body_html, old.attachments) == ("", "", [])
    assert old.subject == RETENTION_ERASED_SUBJECT and old.erased_at is not None
    assert (old.template, old.to) == ("test", "pro@example.test") and old.sent_at is not None
    for kept in (recent, unsent):
        kept.refresh_from_db()
        assert (kept.subject, kept.body_text, kept.erased_at) == ("Objet", "Texte", None)
    assert erase_old_email_bodies() == 0  # idempotent


def test_erasing_an_email_erases_its_context_too():
    """A context not rendered yet names people as much as a body does (account deletion)."""
    email = queue_email("attachment_ended", to="pro@example.test", context=ended_context())
    assert email.context is not None
    Email.objects.filter(pk=email.pk).erase(subject=ERASED_SUBJECT)
    email.refresh_from_db()
    assert email.context is None and email.subject == ERASED_SUBJECT


def test_the_retention_task_runs_daily():
    entries = {e["task"]: e["schedule"] for e in celery_app.conf.beat_schedule.values()}
    schedule = entries["mailing.tasks.erase_old_email_bodies"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once a day


def test_an_email_records_the_people_it_is_about():
    from tests.factories import UserFactory

    people = [UserFactory(), UserFactory()]
    email = queue_email(
        "registration_acknowledgement",
        to="pro@example.test",
        context=CONTEXT,
        concerns=[people[0], None, people[1], people[0]],
    )
    assert set(email.concerns.all()) == set(people)


# --- one way: recorded with its context, rendered once after the commit ------------------------


def ended_context(**overrides):
    person = UserFactory(first_name="Zéphirine")
    return {"person": person, "structure": StructureFactory(name="Tremplin"), **overrides}


def test_an_email_is_recorded_unrendered_and_rendered_once_after_the_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    """Nothing is rendered in the transaction that records it (its rows may be locked); after
    the commit the task renders it once, stores the text, clears the context and sends it."""
    renderings = []
    render = delivery.render
    monkeypatch.setattr(delivery, "render", lambda *args: renderings.append(args) or render(*args))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            email = queue_email("attachment_ended", to="pro@example.test", context=ended_context())
            assert renderings == [] and email.subject == "" and email.body_text == ""
        assert mail.outbox == []  # not before the commit
    email.refresh_from_db()
    assert len(renderings) == 1
    assert email.subject == "[ParcoursPro] Vous n'êtes plus rattaché·e à Tremplin"
    assert email.body_text.startswith("Bonjour Zéphirine,")
    assert email.context is None and email.sent_at is not None
    [message] = mail.outbox
    assert (message.subject, message.body) == (email.subject, email.body_text)
    assert deliver(email.pk) and len(renderings) == 1 and len(mail.outbox) == 1


def test_the_email_says_what_was_true_when_it_was_recorded():
    """The context is kept as it was: a change made after the recording (in the same
    transaction, or before the worker runs) does not change what the email says."""
    context = ended_context()
    email = queue_email("attachment_ended", to="pro@example.test", context=context)
    context["person"].first_name = "Changé"
    context["person"].save()
    assert deliver(email.pk)
    email.refresh_from_db()
    assert email.body_text.startswith("Bonjour Zéphirine,")


def test_the_sweep_renders_and_sends_an_email_no_task_sent():
    email = queue_email("attachment_ended", to="pro@example.test", context=ended_context())
    assert sweep_unsent_emails(older_than_seconds=0) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.context is None
    assert mail.outbox[0].subject == email.subject != ""


@pytest.mark.parametrize(
    ("context", "error"),
    [
        # A model or a module gone between the release that recorded it and this one.
        (b"cno_such_module\nThing\n.", "ModuleNotFoundError"),
        (pickle.dumps({"structure": None, "person": None, "profile_url": object}), ""),
    ],
)
def test_a_context_that_cannot_be_read_fails_the_email_once(
    context, error, django_capture_on_commit_callbacks
):
    """Recorded as given up, with the error, for staff to see: neither a crash nor a loop of
    retries. The context is kept, for « Renvoyer maintenant » once the cause is fixed."""
    email = Email.objects.create(
        template="attachment_ended", to="pro@example.test", context=context
    )
    if not error:  # a readable context this template cannot render
        email.template = "no_such_template"
        email.save()
        error = "TemplateDoesNotExist"
    with django_capture_on_commit_callbacks(execute=True):
        outbox.send_email.delay(email.pk)
    email.refresh_from_db()
    assert email.gave_up and email.attempts == 1 and email.sent_at is None
    assert email.last_error.startswith("Rédaction impossible") and error in email.last_error
    assert email.context is not None
    assert sweep_unsent_emails(older_than_seconds=0) == 0 and mail.outbox == []


def test_an_attachment_is_read_from_a_django_storage_by_alias_and_name():
    storage = storages["documents"]
    name = storage.save("outbox-test/piece.pdf", ContentFile(b"%PDF-1.7 test"))
    email = queue_email(
        "attachment_ended",
        to="pro@example.test",
        context=ended_context(),
        attachments=[
            {
                "storage": "documents",
                "name": name,
                "filename": "piece.pdf",
                "mimetype": "application/pdf",
            }
        ],
    )
    assert deliver(email.pk)
    assert mail.outbox[0].attachments == [("piece.pdf", b"%PDF-1.7 test", "application/pdf")]


# --- an email waiting for an attachment ------------------------------------------------------


def test_an_email_waiting_for_an_attachment_leaves_once_it_is_attached(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            "attachment_ended", to="pro@example.test", context=ended_context(), awaits="piece:1"
        )
    assert mail.outbox == [] and not deliver(email.pk)
    assert sweep_unsent_emails(older_than_seconds=0) == 0
    assert awaited("piece:", older_than=timedelta(0)) == ["piece:1"]
    assert awaited("piece:", older_than=timedelta(minutes=5)) == []  # too recent for a sweep
    assert awaited("other:", older_than=timedelta(0)) == []

    assert still_waiting("piece:1", OSError("storage read-only")) == 1
    email.refresh_from_db()
    assert "storage read-only" in email.last_error and email.sent_at is None

    storage = storages["documents"]
    name = storage.save("outbox-test/piece.bin", ContentFile(b"contenu"))
    piece = {
        "storage": "documents",
        "name": name,
        "filename": "piece.bin",
        "mimetype": "application/octet-stream",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert attach_and_release("piece:1", piece) == 1
    email.refresh_from_db()
    assert email.awaits == "" and email.last_error == "" and email.sent_at is not None
    assert mail.outbox[0].attachments == [("piece.bin", b"contenu", "application/octet-stream")]
    assert attach_and_release("piece:1", piece) == 0  # nothing waits any more
    assert awaited("piece:", older_than=timedelta(0)) == []


def test_emails_recorded_together_take_one_insert_and_one_for_their_concerns(
    django_capture_on_commit_callbacks,
):
    """A cart's validation records its emails under its session's lock: two statements for
    them all; each is still sent on its own after the commit, one to nobody skipped."""
    people = [UserFactory(), UserFactory()]
    outgoing = [
        Outgoing("attachment_ended", to="a@example.test", context=ended_context(), concerns=people),
        Outgoing("attachment_ended", to=" ", context=ended_context()),
        Outgoing("attachment_ended", to="b@example.test", context=ended_context(), concerns=[None]),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as queries:
            emails = queue_emails(outgoing)
        inserts = [q["sql"].split(" (")[0] for q in queries if q["sql"].startswith("INSERT")]
        assert inserts == ['INSERT INTO "mailing_email"', 'INSERT INTO "mailing_email_concerns"']
    assert [email.to for email in emails] == ["a@example.test", "b@example.test"]
    assert set(emails[0].concerns.all()) == set(people) and not emails[1].concerns.exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.test", "b@example.test"]


def test_a_calendar_made_when_sent_is_made_from_the_registration_as_it_is_then():
    """An attachment named by `made_by` is made when the email leaves; when what it was made
    from is gone (an account erased meanwhile), the email leaves without it."""
    registration = RegistrationFactory(status=RegistrationStatus.CONFIRMED)
    attachment = calendar.ics_attachment(registration)
    assert "content" not in attachment
    made = attachment_bytes(attachment).decode()
    uid = calendar.event_uid(registration, 1)
    assert made.startswith("BEGIN:VCALENDAR") and f"UID:{uid}" in made
    registration.delete()
    assert attachment_bytes(attachment) is None
