"""No PDF is rendered while a row is locked (DESIGN.md, turn 3): WeasyPrint runs outside any
transaction for every document the platform makes (the convention and the convocation after
a confirmation, the certificate after the attendance, the accepted copy of a convention), so
that cart validations never wait behind it for a session's lock.

Transactional tests: the changes commit for real, and their documents are made after the
commit, as in production. On PostgreSQL, the backend's locks are read from `pg_locks` while
WeasyPrint runs: none is held (no row lock, no transaction open).
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from documents import rendering
from documents import services as documents
from documents.models import ConventionAcceptance, Document
from enrollment import services
from tests.factories import UserFactory, attend, awaiting_provider, provider_user_of

pytestmark = pytest.mark.django_db(transaction=True)

# The locks a transaction of this backend holds: a transaction id (it wrote) and the table
# locks that come with row locks (SELECT … FOR UPDATE / FOR SHARE, foreign key checks) or
# writes.
LOCKS_HELD = """
    SELECT l.locktype, l.mode, c.relname
    FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
    WHERE l.pid = pg_backend_pid() AND l.granted
      AND (l.locktype = 'transactionid' OR l.mode IN ('RowShareLock', 'RowExclusiveLock'))
"""


@pytest.fixture
def renderings(monkeypatch):
    """Every PDF rendered, with whether a transaction was open and the locks then held."""
    seen = []
    render_pdf = rendering.render_pdf

    def spy(template, context):
        locks = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(LOCKS_HELD)
                locks = cursor.fetchall()
        seen.append((template, connection.in_atomic_block, locks))
        return render_pdf(template, context)

    monkeypatch.setattr(rendering, "render_pdf", spy)
    return seen


def test_no_document_is_rendered_inside_a_transaction(training, renderings):
    registration = awaiting_provider(training)
    services.confirm(registration, by=UserFactory(is_staff=True))
    [convention] = Document.objects.filter(kind="convention")
    assert Document.objects.filter(kind="convocation").count() == 1
    approver = convention.structure.approvers.first()
    documents.accept_convention(
        convention, by=approver, sha256=convention.sha256, checked=True, ip=None
    )
    assert ConventionAcceptance.objects.get().signed_file
    with time_machine.travel(training.ends_at + dt.timedelta(hours=1), tick=False):
        provider = provider_user_of(training)
        day = timezone.localtime(training.starts_at).date()
        attend(registration, provider, present={(day, "am")}, now=training.ends_at)
    assert Document.objects.filter(kind="certificate").count() == 1

    templates = sorted(template for template, _atomic, _locks in renderings)
    assert templates == [
        "documents/certificate.html",
        "documents/convention.html",  # the version to accept
        "documents/convention.html",  # the accepted copy
        "documents/convocation.html",
    ]
    inside = [(template, locks) for template, atomic, locks in renderings if atomic or locks]
    assert inside == [], f"rendered inside a transaction: {inside}"
