"""A profile saved at the same instant as an approver confirms or ends the person's
attachment, from parallel threads on PostgreSQL (issue 23: the confirmation was lost 10 times
in 15, the detachment undone 2 times in 15, the profile being saved whole from a copy read
earlier). The profile is posted through the page, as shown before the approver acted."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from common.choices import EmploymentStatus
from employers.attachments import accept_attachment, pending_attachment, request_attachment
from employers.models import Attachment
from enrollment.services import detach
from tests.accounts.page_forms import posted_back
from tests.enrollment.test_concurrency import run_in_parallel
from tests.factories import StructureFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL: set DATABASE_URL (CI does) to run the race tests",
    ),
]
Status = Attachment.Status
PROFILE = reverse("accounts:profile")
ROUNDS = 8


def structure_with_approver():
    structure = StructureFactory()
    approver = UserFactory(structure=structure)
    structure.approvers.add(approver)
    return structure, approver


def shown_profile(person) -> tuple[Client, dict]:
    """The person's browser, and what its profile page would post back."""
    client = Client()
    client.force_login(person)
    return client, posted_back(client.get(PROFILE).content.decode(), action=PROFILE)


def post(client, data):
    return lambda: client.post(PROFILE, data).status_code


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_profile_saved_while_the_approver_confirms_never_loses_the_confirmation(round_):
    structure, approver = structure_with_approver()
    person = UserFactory(structure=None)
    request_attachment(person, structure)
    client, data = shown_profile(person)
    attachment = pending_attachment(person)

    results, errors = run_in_parallel(
        {
            "profile": post(client, {**data, "job_title": f"Conseillère {round_}"}),
            "confirmation": lambda: accept_attachment(attachment, by=approver),
        }
    )

    assert errors == {}
    assert results["profile"] == 302
    person.refresh_from_db()
    assert person.structure == structure, "the confirmation was lost"
    assert person.job_title == f"Conseillère {round_}"
    statuses = list(Attachment.objects.filter(user=person).values_list("status", flat=True))
    assert statuses == [Status.ACCEPTED], "a new request was made"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_profile_saved_while_the_approver_detaches_never_undoes_it(round_):
    structure, approver = structure_with_approver()
    person = UserFactory(structure=structure)
    client, data = shown_profile(person)

    results, errors = run_in_parallel(
        {
            "profile": post(client, {**data, "job_title": f"Formatrice {round_}"}),
            "detachment": lambda: detach(person, structure, by=approver, reason="Départ."),
        }
    )

    assert errors == {}
    assert results["profile"] == 302
    person.refresh_from_db()
    assert person.structure is None, "the detachment was undone"
    assert person.job_title == f"Formatrice {round_}"
    assert not Attachment.objects.filter(user=person, status=Status.PENDING).exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_becoming_a_job_seeker_while_the_approver_confirms_leaves_no_structure(round_):
    """Either order is right (confirmed then ended, or withdrawn then refused as already
    handled); a job seeker attached to a structure is not."""
    structure, approver = structure_with_approver()
    person = UserFactory(structure=None)
    request_attachment(person, structure)
    client, data = shown_profile(person)
    attachment = pending_attachment(person)
    data = {**data, "employment_status": EmploymentStatus.JOB_SEEKER, "structure_query": ""}

    results, errors = run_in_parallel(
        {
            "profile": post(client, data),
            "confirmation": lambda: accept_attachment(attachment, by=approver),
        }
    )

    assert results["profile"] == 302
    assert set(errors) <= {"confirmation"}
    person.refresh_from_db()
    assert person.employment_status == EmploymentStatus.JOB_SEEKER
    assert person.structure is None
    assert not Attachment.objects.filter(user=person, status__in=[Status.PENDING, Status.ACCEPTED])
