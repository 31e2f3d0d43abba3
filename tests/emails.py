"""Outbox emails as the tests read them: rendered, as `mailing.outbox` renders each after the
commit that recorded it (a test's transaction never commits, unless the test runs its
`on_commit` callbacks)."""

from mailing.models import Email
from mailing.outbox import render_recorded


def rendered(emails):
    """`emails` (an email, or a queryset or list of them) rendered from their recorded context
    as the send task does before sending, and read again; an email already rendered is as it
    was."""
    single = isinstance(emails, Email)
    emails = [emails] if single else list(emails)
    for email in emails:
        if email.context is not None:
            assert render_recorded(email), email.last_error
            email.refresh_from_db()
    return emails[0] if single else emails
