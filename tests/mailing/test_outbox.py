"""The outbox: recorded with the change, sent once after commit, swept when the broker missed it."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from mailing.models import RETENTION_ERASED_SUBJECT, Email
from mailing.outbox import queue_email
from mailing.tasks import deliver, erase_old_email_bodies, sweep_unsent_emails

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


def test_the_retention_task_runs_daily():
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
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
