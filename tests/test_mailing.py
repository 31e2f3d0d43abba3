"""The outbox: recorded with the change, sent once after commit, swept when the broker missed it."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from mailing.models import Email
from mailing.outbox import queue_email
from mailing.tasks import deliver, sweep_unsent_emails

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
