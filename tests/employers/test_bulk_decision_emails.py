"""« Accepter la sélection » and « Refuser la sélection » send each person one email listing
their decided requests, as their cart sent one acknowledgement (issue 25); one decision sends
its own email, as before."""

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def two_people(structure):
    """Léa with four requests, Marc with one, all waiting for the employer."""
    lea = MemberEmployeeFactory(structure=structure, first_name="Léa")
    marc = MemberEmployeeFactory(structure=structure, first_name="Marc")
    kinds = [ActionKind.TRAINING, ActionKind.PRACTICE_WORKSHOP, ActionKind.DISCOVERY_MODULE]
    sessions = [session_of(kind, days=30 + 10 * n) for n, kind in enumerate(kinds)]
    sessions.append(session_of(ActionKind.TRAINING, days=90))
    lea_requests = register(lea, *sessions)
    [marc_request] = register(marc, session_of(ActionKind.TRAINING, days=60))
    return lea, lea_requests, marc, marc_request


def decisions_to(email):
    return rendered(
        Email.objects.filter(template__in=["employer_decision", "employer_decisions"], to=email)
    )


def test_accepting_four_requests_of_one_person_sends_her_one_email(approver_client, two_people):
    lea, lea_requests, marc, marc_request = two_people
    response = approver_client.post(
        reverse("employers:bulk_approve"),
        {"registrations": [r.pk for r in lea_requests] + [marc_request.pk]},
    )
    assert response.status_code == 302
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PENDING_PROVIDER}
    [to_lea] = decisions_to(lea.email)
    assert to_lea.template == "employer_decisions"
    assert to_lea.subject == "[ParcoursPro] Votre employeur a décidé de vos 4 demandes"
    assert to_lea.body_text.startswith("Bonjour Léa,")
    for registration in lea_requests:
        assert registration.session.action.title in to_lea.body_text
    assert to_lea.body_text.count("Acceptée\u00a0: ") == 4
    # Marc's one request: the email of a single decision.
    [to_marc] = decisions_to(marc.email)
    assert to_marc.template == "employer_decision"
    assert to_marc.subject.startswith("[ParcoursPro] Votre employeur a accepté votre demande")


def test_refusing_a_selection_sends_one_email_per_person_with_the_reason(
    approver_client, two_people
):
    lea, lea_requests, _, _ = two_people
    approver_client.post(
        reverse("employers:bulk_refuse"),
        {"registrations": [r.pk for r in lea_requests[:2]], "reason": "Budget épuisé."},
    )
    [to_lea] = decisions_to(lea.email)
    assert to_lea.body_text.count("Refusée\u00a0: ") == 2
    assert to_lea.body_text.count("Motif\u00a0: Budget épuisé.") == 2


def test_a_request_refused_by_the_services_is_left_out_of_the_email(
    approver_client, approver, two_people
):
    lea, lea_requests, _, _ = two_people
    services.refuse(lea_requests[0], by=approver, reason="Déjà décidé.")
    Email.objects.all().delete()
    response = approver_client.post(
        reverse("employers:bulk_approve"),
        {"registrations": [r.pk for r in lea_requests[:3]]},
        follow=True,
    )
    assert "2 demandes acceptées." in response.content.decode()
    [to_lea] = decisions_to(lea.email)
    assert to_lea.body_text.count("Acceptée\u00a0: ") == 2
    assert lea_requests[0].session.action.title not in to_lea.body_text


def test_one_decision_still_sends_its_own_email(approver_client, two_people):
    lea, lea_requests, _, _ = two_people
    approver_client.post(reverse("employers:approve", args=[lea_requests[0].pk]))
    [email] = decisions_to(lea.email)
    assert email.template == "employer_decision"


def test_the_selection_services_report_each_refusal(approver, two_people):
    lea, lea_requests, _, _ = two_people
    services.approve(lea_requests[0], by=approver)
    outcome = services.approve_selection(lea_requests[:2], by=approver)
    assert [r.pk for r in outcome.decided] == [lea_requests[1].pk]
    [(refused, error)] = outcome.refusals
    assert refused.pk == lea_requests[0].pk and "n'attend plus" in str(error)
