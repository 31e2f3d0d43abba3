"""« Renvoyer maintenant » in the outbox's admin counts right (issue 23: « -101 courriel
était déjà envoyé » on emails given up, chosen under the « abandonnés » filter), in French
with the plural of ngettext (French: 0 and 1 singular)."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mailing.models import Email

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:mailing_email_changelist")


def email(n: int, **fields) -> Email:
    return Email.objects.create(
        template="test", to=f"p{n}@example.test", subject=f"Objet {n}", body_text="x\n", **fields
    )


def send_now(admin_client, emails, *, query: str = ""):
    response = admin_client.post(
        f"{CHANGELIST}{query}",
        {"action": "send_now", "_selected_action": [e.pk for e in emails]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_emails_given_up_are_sent_and_counted_under_the_abandoned_filter(admin_client):
    given_up = [email(n, attempts=8, gave_up=True) for n in range(3)]

    messages = send_now(admin_client, given_up, query="?envoye=abandon")

    assert messages == ["3 courriels envoyés."]
    assert len(mail.outbox) == 3
    assert not Email.objects.filter(sent_at__isnull=True).exists()


def test_sent_emails_are_counted_apart_and_never_sent_again(admin_client):
    sent = [email(n, sent_at=timezone.now(), attempts=1) for n in range(2)]
    waiting = [email(9, attempts=8, gave_up=True)]

    messages = send_now(admin_client, sent + waiting)

    assert messages == [
        "1 courriel envoyé.",
        "2 courriels étaient déjà envoyés : ils ne sont pas renvoyés.",
    ]
    assert [m.to for m in mail.outbox] == [["p9@example.test"]]


def test_one_sent_email_is_said_in_the_singular(admin_client):
    messages = send_now(admin_client, [email(1, sent_at=timezone.now(), attempts=1)])
    assert messages == ["1 courriel était déjà envoyé : il n'est pas renvoyé."]
