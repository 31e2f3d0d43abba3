"""What cart validation does while it holds the session's row lock (issue 16, item 3): a
bounded number of queries, and no email rendered there (they are recorded light and
rendered once the transaction has ended)."""

import pytest
from django.db import connection

from catalog.models import ActionKind
from enrollment import locking, services
from enrollment.models import RegistrationStatus
from mailing.models import Email
from mailing.tasks import deliver
from tests.factories import (
    MemberEmployeeFactory,
    contact_of,
    member_structure_with_approver,
    session_of,
)

pytestmark = pytest.mark.django_db

# Queries from the session's lock to the end of the transaction, for one cart item of a
# member-only session whose employee has an approver: a place held, or the waiting list.
# Counted on the code of issue 16; a new query here lengthens every validation of a busy
# session, whose validations the lock serialises: keep it out, or raise this on purpose.
# 23 and 19 on the code of issue 16; 20 and 17 once the structure's approvers were read before
# the lock (`services.cart._approvers_of`) and the sessions locked with their actions in one
# statement (`locking.lock_sessions`).
# 12 and 10 (helper-burst): the places counted once under the lock, with the structure's
# colleagues (R5), and kept up to date in Python (serve_waitlist's and placement's COUNTs
# went); the cart read before the lock and deleted under it by id, its count checked (the
# re-read went); the user's live requests and quota in one query; the membership read
# before the lock; the two emails and their concerns written in one INSERT each.
# 11 and 9: the session's version bumped by the database's trigger within the registration's
# INSERT (migration enrollment/0006), not by an UPDATE of its own.
LOCKED_QUERIES = {"held": 11, "waitlisted": 9}


@pytest.fixture
def lock_span(monkeypatch):
    """The SQL run from `lock_sessions` (included) to the end of the transaction that took
    the lock (in a test, the release of its savepoint), savepoint statements left out."""
    span = {"locked": False, "depth": 0, "sql": []}
    lock_sessions = locking.lock_sessions

    def marked(*args, **kwargs):
        span.update(locked=True, depth=0)
        return lock_sessions(*args, **kwargs)

    monkeypatch.setattr(locking, "lock_sessions", marked)

    def watch(execute, sql, params, many, context):
        if span["locked"]:
            if sql.startswith("SAVEPOINT"):
                span["depth"] += 1
            elif sql.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                span["depth"] -= 1
                span["locked"] = span["depth"] >= 0
            else:
                span["sql"].append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield span


def submit(user, session):
    services.add_to_cart(user, session)
    return services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: "Je souhaite approfondir ma pratique."},
    )


def employee_with_approver(n):
    structure = member_structure_with_approver(f"approver-{n}@example.org")
    return MemberEmployeeFactory(structure=structure)


@pytest.mark.parametrize("outcome", ["held", "waitlisted"])
def test_queries_under_the_session_lock_are_pinned(lock_span, outcome):
    session = session_of(ActionKind.TRAINING, capacity=1)
    if outcome == "waitlisted":
        submit(employee_with_approver(0), session)
    user = employee_with_approver(1)
    services.add_to_cart(user, session)
    lock_span.update(locked=False, sql=[])
    [registration] = services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: "Je souhaite approfondir ma pratique."},
    )
    expected = {"held": RegistrationStatus.PENDING_EMPLOYER, "waitlisted": "waitlisted"}
    assert registration.status == expected[outcome]
    locked = lock_span["sql"]
    assert len(locked) == LOCKED_QUERIES[outcome], "\n".join(locked)
    # The two emails (acknowledgement, approver) are recorded inside (in one INSERT, their
    # concerns in another), rendered after.
    # (SQLite writes the concerns' `ignore_conflicts` as « INSERT OR IGNORE INTO ».)
    inserts = [
        sql.replace("INSERT OR IGNORE INTO", "INSERT INTO").split(" (")[0]
        for sql in locked
        if sql.startswith(("INSERT INTO", "INSERT OR IGNORE INTO")) and '"mailing_email' in sql
    ]
    assert inserts == ['INSERT INTO "mailing_email"', 'INSERT INTO "mailing_email_concerns"']
    updates = [sql for sql in locked if sql.startswith('UPDATE "mailing_email"')]
    assert updates == []
    emails = Email.objects.filter(concerns=user, created_at__gte=registration.submitted_at)
    assert sorted(emails.values_list("template", flat=True)) == [
        "approval_requested",
        "registration_acknowledgement",
    ]


def test_the_emails_are_complete_once_the_validation_returns():
    """Without a broker (Celery eager, as in tests) the request is its own worker and renders
    them after the transaction; with one, the worker does (tests/integration)."""
    session = session_of(ActionKind.TRAINING)
    user = employee_with_approver(2)
    submit(user, session)
    templates = ["registration_acknowledgement", "approval_requested"]
    emails = Email.objects.filter(template__in=templates)
    assert emails.count() == 2
    for email in emails:
        assert email.pending_context is None
        assert email.subject and email.body_text and email.body_html
    assert user.last_name in Email.objects.get(template="approval_requested").body_text


def test_an_email_left_light_is_rendered_by_the_worker_before_it_is_sent(mailoutbox):
    """Should the request end between the commit and the rendering, `deliver` renders the
    email from the ids recorded with it."""
    session = session_of(ActionKind.TRAINING)
    user = employee_with_approver(3)
    [registration] = submit(user, session)
    rendered = Email.objects.get(template="registration_acknowledgement")
    light = Email.objects.create(
        template=rendered.template,
        to=rendered.to,
        subject="",
        body_text="",
        pending_context={
            "user": user.pk,
            "calendars": 0,
            "waitlisted": False,
            "registrations": [registration.pk],
            "statuses": [registration.status],
        },
    )
    assert deliver(light.pk)
    light.refresh_from_db()
    assert light.pending_context is None and light.sent_at is not None
    assert (light.subject, light.body_text) == (rendered.subject, rendered.body_text)
    assert mailoutbox[-1].subject == rendered.subject
