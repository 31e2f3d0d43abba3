"""The Employer Space keeps each structure's memberships, approvers and invitations in the
shared cache under the structure's version, which the database bumps whenever one of them
changes (migration employers/0005), whoever writes it: the next page shows the change."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from employers.models import ApproverInvitation, Membership, Structure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def page(client) -> str:
    response = client.get(reverse("employers:space"))
    assert response.status_code == 200
    return response.content.decode()


def invite(structure, email):
    return ApproverInvitation.objects.create(
        structure=structure, email=email, invited_by=structure.approver, token=email
    )


def test_a_structure_read_again_is_not_read_from_its_tables(approver_client, structure):
    page(approver_client)
    with CaptureQueriesContext(connection) as queries:
        html = page(approver_client)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "employers_membership" not in read
    assert "employers_approverinvitation" not in read
    assert "Claire" in html  # the approver, from the cache


WRITES = [
    (
        "a membership paid (QuerySet.update)",
        lambda s: Membership.objects.filter(structure=s).update(paid_on=dt.date(2026, 3, 9)),
        "Payée le 9 mars 2026",
    ),
    (
        "a membership deleted",
        lambda s: Membership.objects.filter(structure=s).delete(),
        "n'a pas d'adhésion pour",
    ),
    (
        "an approver renamed (QuerySet.update)",
        lambda s: User.objects.filter(pk=s.approver.pk).update(last_name="Zébulon"),
        "Zébulon",
    ),
    (
        "an approver's address changed in SQL",
        lambda s: sql(
            "UPDATE accounts_user SET email = 'nouvelle@example.test' WHERE id = %s",
            [s.approver.pk],
        ),
        "nouvelle@example.test",
    ),
    (
        "an approver added",
        lambda s: s.approvers.add(UserFactory(structure=None, first_name="Anatole")),
        "Anatole",
    ),
    ("an invitation sent", lambda s: invite(s, "invitee@example.test"), "invitee@example.test"),
]


@pytest.mark.parametrize(("what", "write", "shown"), WRITES, ids=[w for w, _, _ in WRITES])
def test_a_change_shows_at_once(approver_client, structure, what, write, shown):
    assert shown not in page(approver_client)  # cached now
    write(structure)
    assert shown in page(approver_client)


def test_an_invitation_accepted_or_removed_goes_at_once(approver_client, structure):
    accepted = invite(structure, "accepted@example.test")
    removed = invite(structure, "removed@example.test")
    html = page(approver_client)
    assert "accepted@example.test" in html and "removed@example.test" in html
    ApproverInvitation.objects.filter(pk=accepted.pk).update(accepted_at=timezone.now())
    sql("DELETE FROM employers_approverinvitation WHERE id = %s", [removed.pk])
    html = page(approver_client)
    assert "accepted@example.test" not in html and "removed@example.test" not in html


def test_an_approver_removed_goes_at_once(approver_client, structure):
    other = UserFactory(structure=None, first_name="Anatole")
    structure.approvers.add(other)
    assert "Anatole" in page(approver_client)
    sql("DELETE FROM employers_structure_approvers WHERE user_id = %s", [other.pk])
    assert "Anatole" not in page(approver_client)


def test_other_changes_leave_the_version_alone(structure):
    version = Structure.objects.values_list("version", flat=True).get(pk=structure.pk)
    User.objects.filter(pk=structure.approver.pk).update(job_title="Directrice")
    UserFactory(structure=structure)  # an employee: read with the requests' people
    assert Structure.objects.values_list("version", flat=True).get(pk=structure.pk) == version
