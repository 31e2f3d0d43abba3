"""What cart validation runs while it holds the session's row lock (issue 16, item 3; issue
22): the statements between the lock and the commit, each one pinned, and no email rendered
there (they are recorded light and rendered once the transaction has ended)."""

import re

import pytest
from django.core import mail
from django.db import connection

from catalog.models import ActionKind
from enrollment import calendar, services
from enrollment.models import RegistrationStatus
from mailing import delivery
from mailing.models import Email
from tests.factories import (
    MemberEmployeeFactory,
    contact_of,
    member_structure_with_approver,
    session_of,
)

pytestmark = pytest.mark.django_db


def takes_the_session_lock(sql: str) -> bool:
    """The statement that locks the sessions (`locking.lock_sessions`; SQLite, which locks
    the whole database instead, runs it without « FOR NO KEY UPDATE »)."""
    return (
        sql.startswith("SELECT")
        and 'FROM "catalog_session"' in sql
        and ("FOR NO KEY UPDATE" in sql or connection.vendor == "sqlite")
    )


@pytest.fixture
def lock_span():
    """The SQL run from the sessions' lock (included) to the end of the transaction that took
    it (in a test, the release of its savepoint), savepoint statements left out; `before`:
    what the validation ran before the lock."""
    span = {"locked": False, "depth": 0, "sql": [], "before": []}

    def watch(execute, sql, params, many, context):
        if not span["locked"] and takes_the_session_lock(sql):
            span.update(locked=True, depth=0)
        if span["locked"]:
            if sql.startswith("SAVEPOINT"):
                span["depth"] += 1
            elif sql.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                span["depth"] -= 1
                span["locked"] = span["depth"] >= 0
            else:
                span["sql"].append(sql)
        elif not span["sql"] and not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            span["before"].append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield span


# The table a statement is about: an INSERT's, UPDATE's or DELETE's, or the FROM after a
# SELECT's columns (Django quotes the last one or its alias: not `EXTRACT(YEAR FROM …)`).
TABLE = re.compile(r'^(?:INSERT (?:OR IGNORE )?INTO|UPDATE|DELETE FROM) "(\w+)"|" FROM "(\w+)"')


def statement(sql: str) -> str:
    """A statement as « VERB table », and « FOR NO KEY UPDATE » when it locks rows
    (PostgreSQL)."""
    table = next(name for name in TABLE.search(sql).groups() if name)
    lock = " FOR NO KEY UPDATE" if "FOR NO KEY UPDATE" in sql else ""
    return f"{sql.split()[0]} {table}{lock}"


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


def validate_for(outcome, lock_span, *, first):
    """A cart of one session of one place validated by an employee with an approver, the
    place free (« held ») or taken by a colleague before (« waitlisted »), the lock's span
    watched from the validation on: (user, registration)."""
    session = session_of(ActionKind.TRAINING, capacity=1)
    if outcome == "waitlisted":
        submit(employee_with_approver(first), session)
    user = employee_with_approver(first + 1)
    services.add_to_cart(user, session)
    lock_span.update(locked=False, sql=[], before=[])
    [registration] = services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: "Je souhaite approfondir ma pratique."},
    )
    return user, registration


def under_the_lock(outcome: str) -> list[str]:
    """What runs while the session is locked, in order, for one cart item of a member-only
    session whose employee has an approver. Every validation of a busy session waits for
    the one before to run all of it (the lock serialises them): a new statement here
    lengthens each; keep it out (before the lock, or after the commit), or add it here on
    purpose, with its reason."""
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    free_place = outcome == "held"
    return [
        f"SELECT catalog_session{lock}",  # the sessions, with their actions
        "SELECT enrollment_registration",  # their places and the colleagues' (R7, R5), once
        # A free place: the waiting people are read (and locked, and their list served first,
        # R7, when there are any: here nobody waits).
        *(["SELECT enrollment_registration"] if free_place else []),
        f"SELECT accounts_user{lock}",  # the person (and the waiting people), with structure
        "DELETE enrollment_cartitem",  # the items read before the lock, by id
        "SELECT enrollment_registration",  # the person's live requests and quota (R6)
        "INSERT enrollment_registration",
        "INSERT enrollment_registrationevent",  # the audit row (`move`)
        # The acknowledgement and the approver's email, recorded (rendered after the commit)
        # in one INSERT, their concerns in another.
        "INSERT mailing_email",
        "INSERT mailing_email_concerns",
    ]


@pytest.mark.parametrize("outcome", ["held", "waitlisted"])
def test_what_runs_under_the_session_lock_is_pinned(lock_span, outcome):
    """Only these statements run between the session's lock and the commit."""
    user, registration = validate_for(outcome, lock_span, first=0)
    expected = {"held": RegistrationStatus.PENDING_EMPLOYER, "waitlisted": "waitlisted"}
    assert registration.status == expected[outcome]
    locked = [statement(sql) for sql in lock_span["sql"]]
    assert locked == under_the_lock(outcome), "\n".join(lock_span["sql"])
    emails = Email.objects.filter(concerns=user, created_at__gt=registration.submitted_at)
    assert sorted(emails.values_list("template", flat=True)) == [
        "approval_requested",
        "registration_acknowledgement",
    ]


def test_the_cart_the_structure_and_its_membership_are_read_before_the_lock(lock_span):
    """Nobody locks cart items (bar the validation), structures, approvers or memberships: they
    are read before the session's lock, which only made every validation of a busy session
    wait for them."""
    validate_for("held", lock_span, first=2)
    before = [statement(sql) for sql in lock_span["before"]]
    for read in ("SELECT enrollment_cartitem", "SELECT employers_structure"):
        assert read in before, before
    for table in ("employers_structure_approvers", "employers_membership"):
        assert any(f'"{table}"' in sql for sql in lock_span["before"]), table
        assert not any(f'"{table}"' in sql for sql in lock_span["sql"]), table


def test_no_email_is_rendered_under_the_lock_and_each_is_complete_after_the_commit(
    lock_span, monkeypatch, django_capture_on_commit_callbacks
):
    """The emails are recorded with their context under the session's lock, nothing rendered
    there; once the validation has committed, each is rendered (once) and sent: by the request
    itself with Celery eager (as in tests), by a worker otherwise (tests/integration)."""
    rendered_under_lock = []
    render = delivery.render

    def spy(template, context):
        rendered_under_lock.append((template, lock_span["locked"]))
        return render(template, context)

    monkeypatch.setattr(delivery, "render", spy)
    with django_capture_on_commit_callbacks(execute=True):
        user, _registration = validate_for("held", lock_span, first=2)
    templates = ["registration_acknowledgement", "approval_requested"]
    assert sorted(rendered_under_lock) == [(t, False) for t in sorted(templates)]
    emails = Email.objects.filter(template__in=templates)
    assert emails.count() == 2
    for email in emails:
        assert email.context is None and email.sent_at is not None
        assert email.subject and email.body_text and email.body_html
    assert user.last_name in Email.objects.get(template="approval_requested").body_text


def test_no_calendar_file_is_made_under_the_lock_and_the_email_carries_it_when_sent(
    lock_span, monkeypatch, django_capture_on_commit_callbacks
):
    """A webinar confirmed at once is acknowledged with its .ics (R10): the file is made when
    the email is sent, after the commit, not while the validation holds the session's lock
    (the outbox row names the registration, not the file's bytes)."""
    made = []
    session_ics = calendar.session_ics

    def spy(registration, **kwargs):
        made.append(lock_span["locked"])
        return session_ics(registration, **kwargs)

    monkeypatch.setattr(calendar, "session_ics", spy)
    webinar = session_of(ActionKind.WEBINAR, capacity=5)
    user = MemberEmployeeFactory()
    services.add_to_cart(user, webinar)
    lock_span.update(locked=False, sql=[], before=[])
    with django_capture_on_commit_callbacks(execute=True):
        [registration] = services.submit_cart(
            user, contact=contact_of(user), motivations={webinar.pk: "Suivre le webinaire."}
        )
    assert registration.status == RegistrationStatus.CONFIRMED
    assert made == [False]
    email = Email.objects.get(template="registration_acknowledgement")
    [recorded] = email.attachments
    assert "content" not in recorded and recorded["of"] == registration.pk
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    # Django's message holds a text attachment as text; the link may be folded (RFC 5545).
    unfolded = content.replace("\r\n ", "")
    assert "BEGIN:VEVENT" in unfolded and webinar.remote_url in unfolded
