"""What cart validation does while it holds the session's row lock (issue 16, item 3): a
bounded number of queries, and no email rendered there (they are recorded with their
context and rendered after the commit, issue 22)."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler, SQLDeleteCompiler

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import RegistrationStatus
from mailing import outbox
from mailing.models import Email
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
# Issue 22: the emails are recorded with their context (`mailing.outbox.queue_emails`: still
# one INSERT for both, one for their concerns), rendered after the commit.
LOCKED_QUERIES = {"held": 11, "waitlisted": 9}


def takes_the_session_lock(sql: str) -> bool:
    """The statement that locks the sessions (`locking.sessions_to_lock`; SQLite, which locks
    the whole database instead, runs it without « FOR NO KEY UPDATE »)."""
    return (
        sql.startswith("SELECT")
        and 'FROM "catalog_session"' in sql
        and ("FOR NO KEY UPDATE" in sql or connection.vendor == "sqlite")
    )


@pytest.fixture
def lock_span():
    """The SQL run from the sessions' lock (included) to the end of the transaction that took
    it (in a test, the release of its savepoint), savepoint statements left out. Compiled
    before the lock or not (`common.compiled`), a statement counts where it runs."""
    span = {"locked": False, "depth": 0, "sql": []}

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


def validate_for(outcome, lock_span, *, first, then=lambda: None):
    """A cart of one session of one place validated by an employee with an approver, the
    place free (« held ») or taken by a colleague before (« waitlisted »), the lock's span
    watched from the validation on: (user, registration)."""
    session = session_of(ActionKind.TRAINING, capacity=1)
    if outcome == "waitlisted":
        submit(employee_with_approver(first), session)
    user = employee_with_approver(first + 1)
    services.add_to_cart(user, session)
    lock_span.update(locked=False, sql=[])
    then()
    [registration] = services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: "Je souhaite approfondir ma pratique."},
    )
    return user, registration


@pytest.mark.parametrize("outcome", ["held", "waitlisted"])
def test_queries_under_the_session_lock_are_pinned(lock_span, outcome):
    user, registration = validate_for(outcome, lock_span, first=0)
    expected = {"held": RegistrationStatus.PENDING_EMPLOYER, "waitlisted": "waitlisted"}
    assert registration.status == expected[outcome]
    locked = lock_span["sql"]
    assert len(locked) == LOCKED_QUERIES[outcome], "\n".join(locked)
    # The two emails (acknowledgement, approver) are recorded inside (in one INSERT, their
    # concerns in another), rendered after.
    inserts = [
        sql.split(" (")[0]
        for sql in locked
        if sql.startswith("INSERT INTO") and '"mailing_email' in sql
    ]
    assert inserts == ['INSERT INTO "mailing_email"', 'INSERT INTO "mailing_email_concerns"']
    updates = [sql for sql in locked if sql.startswith('UPDATE "mailing_email"')]
    assert updates == []
    emails = Email.objects.filter(concerns=user, created_at__gte=registration.submitted_at)
    assert sorted(emails.values_list("template", flat=True)) == [
        "approval_requested",
        "registration_acknowledgement",
    ]


@pytest.mark.parametrize("outcome", ["held", "waitlisted"])
def test_what_the_lock_runs_before_the_decision_was_compiled_before_it(
    lock_span, monkeypatch, outcome
):
    """Under the lock, Django compiles only the writes of the decision (their values come
    from it): the lock of the sessions, the count of their places, the lock of the user, the
    cart's deletion and the read of the user's requests were compiled before it
    (`common.compiled`), as a QuerySet's compilation costs more than its run."""
    compiled_under_lock = []
    as_sql = {}
    for compiler in (SQLCompiler, SQLDeleteCompiler):
        as_sql[compiler] = compiler.as_sql

        def spy(self, *args, _original=as_sql[compiler], **kwargs):
            if lock_span["locked"]:
                compiled_under_lock.append(f"{type(self).__name__} {self.query.model.__name__}")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(compiler, "as_sql", spy)
    validate_for(outcome, lock_span, first=4, then=compiled_under_lock.clear)
    # Inserts compile with SQLInsertCompiler, which the spy leaves alone: what is left here is
    # a read or a delete compiled while the lock was held. A session with a free place has its
    # waiting list read there (R7: its owners locked, then served before any new request);
    # a full one — the busy session of a campaign — has nothing read that was not compiled.
    expected = {"held": ["SQLCompiler Registration"] * 2, "waitlisted": []}
    assert compiled_under_lock == expected[outcome]


def test_no_email_is_rendered_under_the_lock_and_each_is_complete_after_the_commit(
    lock_span, monkeypatch, django_capture_on_commit_callbacks
):
    """The emails are recorded with their context under the session's lock, nothing rendered
    there; once the validation has committed, each is rendered (once) and sent: by the request
    itself with Celery eager (as in tests), by a worker otherwise (tests/integration)."""
    rendered_under_lock = []
    render = outbox.render

    def spy(template, context):
        rendered_under_lock.append((template, lock_span["locked"]))
        return render(template, context)

    monkeypatch.setattr(outbox, "render", spy)
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
