"""Nothing lost, nothing doubled without a trace (issue 23; DESIGN.md, turn 3), against a real
SMTP server (aiosmtpd) that refuses (451) then accepts: an outage of minutes delivers every
email once; one of days gives them up and tells staff once; a worker that dies between SMTP's
acceptance and the commit leaves a trace, and the email is sent again with its Message-ID."""

import datetime as dt
import threading
from collections import Counter

import pytest
import time_machine
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from mailing.models import Email
from mailing.outbox import deliver, give_up_overdue, sweep_unsent_emails
from tests.emails import rendered
from tests.mailing.backends import DiesAfterSmtpAccepts, WorkerKilled
from tests.smtp import smtp_sink

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def queued(n: int, **fields) -> list[Email]:
    return [
        Email.objects.create(
            template="test",
            to=f"p{i}@example.test",
            subject=f"Objet {i}",
            body_text="Texte\n",
            **fields,
        )
        for i in range(n)
    ]


def test_an_outage_of_minutes_delivers_every_email_once_and_gives_none_up(settings):
    """SMTP refuses for 7 minutes (the outage of issue 23: 100 emails were abandoned after 8
    attempts); swept every minute, every email leaves once it accepts, each once."""
    settings.EMAIL_GIVE_UP_HOURS = 72
    emails = queued(30)
    start = timezone.now()
    with smtp_sink() as sink:
        sink.refusing = True
        for minute in range(90):
            sink.refusing = minute < 7
            with time_machine.travel(start + minute * MINUTE, tick=False):
                sweep_unsent_emails(older_than_seconds=0)
            if Email.objects.filter(sent_at__isnull=True).count() == 0:
                break
        assert sink.refused >= 5  # the outage was felt
        ids = sink.message_ids()
    assert Email.objects.filter(sent_at__isnull=True).count() == 0
    assert not Email.objects.filter(gave_up=True).exists()
    assert len(ids) == len(emails) and set(Counter(ids).values()) == {1}
    # The ones tried during the outage were retried on a growing delay, not given up.
    assert Email.objects.filter(attempts__gt=1).exists()
    assert not Email.objects.filter(template="outbox_gave_up").exists()


def test_a_failed_email_waits_for_its_next_attempt(settings):
    """The delay doubles after each failure; the sweep leaves an email alone until then."""
    [email] = queued(1)
    with smtp_sink() as sink:
        sink.refusing = True
        assert deliver(email.pk) is False
        email.refresh_from_db()
        first_wait = email.next_attempt_at - timezone.now()
        assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=30)
        assert "451" in email.last_error and email.sending_started_at is None
        assert sweep_unsent_emails(older_than_seconds=0) == 0
        assert email.attempts == 1 and Email.objects.get(pk=email.pk).attempts == 1
        with time_machine.travel(email.next_attempt_at, tick=False):
            assert sweep_unsent_emails(older_than_seconds=0) == 0
        email.refresh_from_db()
        assert email.attempts == 2
        assert email.next_attempt_at - timezone.now() > dt.timedelta(seconds=55)


def test_many_failures_alone_give_nothing_up(settings):
    """Only time gives up (EMAIL_GIVE_UP_HOURS), not a count of attempts."""
    settings.EMAIL_GIVE_UP_HOURS = 72
    [email] = queued(1, attempts=60)
    assert give_up_overdue() == []
    email.refresh_from_db()
    assert not email.gave_up


def test_an_outage_of_days_gives_up_and_tells_staff_once(settings, admin_client):
    settings.EMAIL_GIVE_UP_HOURS = 72
    settings.STAFF_ALERT_EMAILS = ["equipe@example.test", "astreinte@example.test"]
    emails = queued(4)
    start = timezone.now()
    with smtp_sink() as sink:
        sink.refusing = True
        for hours in (0, 1, 24, 71):
            with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
                sweep_unsent_emails(older_than_seconds=0)
        assert not Email.objects.filter(gave_up=True).exists()
        with time_machine.travel(start + dt.timedelta(hours=72, minutes=1), tick=False):
            sweep_unsent_emails(older_than_seconds=0)
        with time_machine.travel(start + dt.timedelta(hours=80), tick=False):
            sweep_unsent_emails(older_than_seconds=0)  # once: no second alert
            assert give_up_overdue() == []
        assert sink.message_ids() == []
    given_up = Email.objects.filter(pk__in=[e.pk for e in emails])
    assert all(e.gave_up and e.gave_up_at and e.sent_at is None for e in given_up)
    alerts = rendered(Email.objects.filter(template="outbox_gave_up").order_by("to"))
    assert [a.to for a in alerts] == ["astreinte@example.test", "equipe@example.test"]
    assert "4 courriels abandonnés après 72 heures" in alerts[0].subject
    assert "test\u00a0: 4" in alerts[0].body_text and "451" in alerts[0].body_text
    assert "?envoye=abandon" in alerts[0].body_text
    # Staff find them in the admin under « abandonnés ».
    page = admin_client.get(reverse("admin:mailing_email_changelist"), {"envoye": "abandon"})
    assert page.context["cl"].result_count == 4


def test_a_given_up_email_sent_again_by_staff_is_retried_for_a_new_period(settings, admin_client):
    settings.EMAIL_GIVE_UP_HOURS = 72
    [email] = queued(1)
    Email.objects.filter(pk=email.pk).update(
        gave_up=True, gave_up_at=timezone.now(), pending_since=timezone.now() - 100 * 60 * MINUTE
    )
    with smtp_sink() as sink:
        sink.refusing = True
        admin_client.post(
            reverse("admin:mailing_email_changelist"),
            {"action": "send_now", "_selected_action": [email.pk]},
        )
        email.refresh_from_db()
        assert not email.gave_up and email.attempts == 1  # tried, failed, waiting again
        assert give_up_overdue() == []  # its new period has just begun
        sink.refusing = False
        with time_machine.travel(email.next_attempt_at, tick=False):
            assert sweep_unsent_emails(older_than_seconds=0) == 1
        assert len(sink.message_ids()) == 1


# --- exactly once, as far as SMTP allows -----------------------------------------------------


def _read_from_another_connection(email_id: int) -> tuple:
    """The email's row as another database connection sees it (committed data only)."""
    seen = []

    def read():
        try:
            seen.append(
                Email.objects.filter(pk=email_id)
                .values_list("attempts", "sending_started_at", "sent_at")
                .get()
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_dead_after_smtp_accepted_sends_again_with_the_same_message_id_and_counts_it(
    admin_client,
):
    """The attempt is committed before SMTP is spoken to; the worker dies after SMTP's
    acceptance, before recording it: the email is sent again once the open attempt is stale,
    with the same Message-ID, and counted as a possible duplicate, shown in the admin."""
    [email] = queued(1)
    seen_before_smtp = []
    DiesAfterSmtpAccepts.before_smtp = lambda: seen_before_smtp.append(
        _read_from_another_connection(email.pk)
    )
    try:
        with smtp_sink("tests.mailing.backends.DiesAfterSmtpAccepts") as sink:
            with pytest.raises(WorkerKilled):
                deliver(email.pk)
            [(attempts, started, sent)] = seen_before_smtp
            assert attempts == 1 and started is not None and sent is None
            email.refresh_from_db()
            assert email.sent_at is None and email.sending_started_at is not None
            assert len(sink.message_ids()) == 1
            # While the attempt may still be in progress elsewhere, nobody sends it again.
            assert sweep_unsent_emails(older_than_seconds=0) == 0
            assert len(sink.message_ids()) == 1
    finally:
        DiesAfterSmtpAccepts.before_smtp = None
    with smtp_sink() as sink:
        with time_machine.travel(timezone.now() + 10 * MINUTE, tick=False):
            assert sweep_unsent_emails(older_than_seconds=0) == 1
        [again] = sink.message_ids()
    email.refresh_from_db()
    assert email.sent_at is not None and email.sending_started_at is None
    assert (email.attempts, email.possible_duplicates) == (2, 1)
    assert again.startswith(f"<outbox-{email.pk}.")
    page = admin_client.get(reverse("admin:mailing_email_changelist"), {"envoye": "doublon"})
    assert [e.pk for e in page.context["cl"].result_list] == [email.pk]


def test_an_email_accepted_and_recorded_is_never_sent_again():
    [email] = queued(1)
    with smtp_sink() as sink:
        assert deliver(email.pk) is True
        assert deliver(email.pk) is True
        assert sweep_unsent_emails(older_than_seconds=0) == 0
        assert len(sink.message_ids()) == 1
    email.refresh_from_db()
    assert (email.attempts, email.possible_duplicates) == (1, 0)
