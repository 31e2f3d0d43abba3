"""The Employer Space: what an approver sees, and each decision path (R4)."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import employer_requests, services
from enrollment import employer_space as space
from enrollment.models import Registration, RegistrationEvent
from enrollment.selectors import quota_use
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
SPACE = reverse("employers:space")
HISTORY = reverse("employers:history")


def text(response) -> str:
    return unescape(response.content.decode())


def test_anonymous_is_sent_to_login(client):
    response = client.get(SPACE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_user_who_approves_for_no_structure_gets_an_explanation(client, employee):
    client.force_login(employee)
    response = client.get(SPACE)
    assert response.status_code == 403
    assert "ne valide les demandes d'aucune structure" in text(response)
    assertTemplateUsed = [t.name for t in response.templates]
    assert "employers/not_approver.html" in assertTemplateUsed


def test_space_lists_requests_to_decide_with_everything_needed(approver_client, employee):
    training = session_of(ActionKind.TRAINING)
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP)
    (registration, _) = register(employee, training, workshop, motivations="Mieux accueillir.")
    response = approver_client.get(SPACE)
    html = text(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert training.action.title in html and workshop.action.title in html
    assert "Mieux accueillir." in html
    assert "Léa Durand" in html
    assert "Place réservée</span>" in html
    year = timezone.localtime(training.starts_at).year
    # The two requests hold places: both count already.
    assert f'2 sur 4, dont 1 formation sur 3 <span class="muted">({year})</span>' in html
    assert "Accepter la sélection" in html
    assert reverse("employers:refuse", args=[registration.pk]) in html
    assert 'name="registrations"' in html


def test_batched_quota_matches_the_rule_selector(employee):
    sessions = [session_of(ActionKind.TRAINING), session_of(ActionKind.DISCOVERY_MODULE)]
    registrations = register(employee, *sessions)
    year = timezone.localtime(sessions[0].starts_at).year
    batched = space.quota_uses({(employee.pk, year)})[(employee.pk, year)]
    assert batched == quota_use(employee.pk, year)
    assert batched.member_only == 2 and batched.trainings == 1
    assert registrations


def test_waitlisted_member_request_is_listed_for_pre_approval(approver_client, structure):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    register(first, session)
    (waitlisted,) = register(second, session)
    assert waitlisted.status == Status.WAITLISTED
    html = text(approver_client.get(SPACE))
    assert "En liste d'attente</span><br>Position 1. La session est complète" in html
    assert "Pré-accepter" in html


def test_short_format_waitlisted_request_is_not_for_the_employer(approver_client, structure):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    register(first, session)
    (waitlisted,) = register(second, session)
    assert waitlisted.status == Status.WAITLISTED
    html = text(approver_client.get(SPACE))
    assert "Aucune demande n'attend votre décision." in html


def test_accept_moves_the_request_to_the_provider(approver_client, approver, employee, training):
    (registration,) = register(employee, training)
    response = approver_client.post(reverse("employers:approve", args=[registration.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(SPACE)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_PROVIDER
    assert registration.employer_approved_by == approver
    event = registration.events.latest("at")
    assert (event.from_status, event.to_status, event.by) == (
        Status.PENDING_EMPLOYER,
        Status.PENDING_PROVIDER,
        approver,
    )
    assert Email.objects.filter(template="employer_decision", to=employee.email).count() == 1
    page = text(approver_client.get(response["Location"]))
    assert "est acceptée" in page
    assert "Aucune demande n'attend votre décision." in page
    assert "Acceptée" in text(approver_client.get(HISTORY))


def test_refuse_needs_a_reason_and_tells_the_employee(
    approver_client, approver, employee, training
):
    (registration,) = register(employee, training)
    url = reverse("employers:refuse", args=[registration.pk])
    field = f"refuse-{registration.pk}-reason"

    response = approver_client.post(url, {field: "   "})
    assert response.status_code == 400
    html = text(response)
    assert 'role="alert"' in html
    assert "Indiquez le motif du refus" in html
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER

    response = approver_client.post(url, {field: "Période de forte activité."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.REFUSED
    assert registration.decision_reason == "Période de forte activité."
    event = registration.events.latest("at")
    assert event.by == approver and event.reason == "Période de forte activité."
    email = rendered(Email.objects.get(template="employer_decision", to=employee.email))
    assert "Période de forte activité." in email.body_text
    page = text(approver_client.get(HISTORY))
    assert "Refusée" in page and "Période de forte activité." in page


def test_refusal_frees_the_place_for_the_waiting_list(approver_client, structure):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    (held,) = register(first, session)
    (waiting,) = register(second, session)
    approver_client.post(
        reverse("employers:refuse", args=[held.pk]), {f"refuse-{held.pk}-reason": "Non."}
    )
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER


def test_bulk_accept_accepts_every_selected_request(approver_client, employee):
    sessions = [session_of(ActionKind.TRAINING) for _ in range(3)]
    registrations = register(employee, *sessions)
    selected = [r.pk for r in registrations[:2]]
    response = approver_client.post(
        reverse("employers:bulk_approve"), {"registrations": selected}, follow=True
    )
    assert "2 demandes acceptées." in text(response)
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[selected[0]] == statuses[selected[1]] == Status.PENDING_PROVIDER
    assert statuses[registrations[2].pk] == Status.PENDING_EMPLOYER


def test_bulk_accept_without_selection_says_what_to_do(approver_client, employee, training):
    register(employee, training)
    response = approver_client.post(reverse("employers:bulk_approve"), {}, follow=True)
    assert "Cochez au moins une demande" in text(response)
    assert Registration.objects.get().status == Status.PENDING_EMPLOYER


def test_bulk_accept_reports_a_request_already_decided(approver_client, approver, employee):
    first, second = register(employee, session_of(), session_of())
    services.refuse(first, by=approver, reason="Non.")
    response = approver_client.post(
        reverse("employers:bulk_approve"), {"registrations": [first.pk, second.pk]}, follow=True
    )
    html = text(response)
    assert "1 demande acceptée." in html
    assert "n'attend plus de décision" in html
    first.refresh_from_db()
    assert first.status == Status.REFUSED


def test_pre_approval_of_a_waitlisted_request_skips_the_employer_at_promotion(
    approver_client, approver, structure
):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    (held,) = register(first, session)
    (waiting,) = register(second, session)
    response = approver_client.post(reverse("employers:approve", args=[waiting.pk]), follow=True)
    assert "est pré-acceptée" in text(response)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED
    assert waiting.employer_approved_by == approver
    # No longer to decide, but in the history.
    to_decide = employer_requests.requests([structure], employer_requests.Criteria())
    assert waiting.pk not in [r.pk for r in to_decide]
    assert "Pré-acceptée (liste d'attente)" in text(approver_client.get(HISTORY))
    services.cancel(held, by=first, reason="Indisponible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_PROVIDER


def test_deciding_twice_says_the_request_is_no_longer_pending(approver_client, employee, training):
    (registration,) = register(employee, training)
    url = reverse("employers:approve", args=[registration.pk])
    approver_client.post(url)
    response = approver_client.post(url, follow=True)
    assert "attend plus de décision" in text(response)


def test_decision_urls_accept_only_post(approver_client, employee, training):
    (registration,) = register(employee, training)
    assert (
        approver_client.get(reverse("employers:approve", args=[registration.pk])).status_code == 405
    )
    assert approver_client.get(reverse("employers:bulk_approve")).status_code == 405


def test_independent_member_requests_skip_the_employer_step(client, independent):
    (registration,) = register(independent, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_PROVIDER
    assert not Email.objects.filter(template="approval_requested").exists()
    client.force_login(independent)
    assert "Aucune demande n'attend votre décision." in text(client.get(SPACE))


def test_employees_and_their_registrations_are_listed(approver_client, employee, structure):
    colleague = MemberEmployeeFactory(structure=structure, first_name="Yanis", last_name="Roux")
    register(employee, session_of(ActionKind.WEBINAR))
    html = text(approver_client.get(SPACE))
    assert "Léa Durand" in html and "Yanis Roux" in html
    assert "Confirmée" in html  # the webinar needs no approval
    assert colleague


def test_membership_is_shown(approver_client, structure):
    html = text(approver_client.get(SPACE))
    year = timezone.localdate().year
    assert f"Votre structure est adhérente pour {year}" in html
    assert "Cotisation de base (100\u00a0€)" in html


def test_without_membership_this_year_the_page_says_how_to_join(
    approver_client, structure, settings
):
    structure.memberships.all().delete()
    html = text(approver_client.get(SPACE))
    year = timezone.localdate().year
    assert f"Votre structure n'a pas d'adhésion pour {year}" in html
    assert "100\u00a0€" in html and "150\u00a0€" in html
    assert settings.MEMBERSHIP_CONTACT_EMAIL in html


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_grow_with_the_requests(
    approver_client, structure, count, django_assert_max_num_queries
):
    employees = [MemberEmployeeFactory(structure=structure) for _ in range(count)]
    for index, employee in enumerate(employees):
        register(employee, session_of(ActionKind.TRAINING, capacity=1 if index % 5 == 0 else 12))
    # A few decisions for the history.
    for registration in Registration.objects.all()[:2]:
        services.approve(registration, by=structure.approver)
    assert RegistrationEvent.objects.exists()
    # Bounded: the attachments section adds two queries whatever the number of people.
    with django_assert_max_num_queries(18):
        response = approver_client.get(SPACE)
    assert response.status_code == 200
    assert text(response).count('<tr id="request-') == count - 2


@pytest.mark.parametrize("forged", ["9" * 20, str(2**63), "-1", "0", "1e3", "١٢"])
def test_bulk_accept_with_a_forged_id_is_refused_cleanly(approver_client, employee, forged):
    """An id beyond the database's integers, or not an id, is a clear refusal, not a 500."""
    [registration] = register(employee, session_of())
    response = approver_client.post(
        reverse("employers:bulk_approve"),
        {"registrations": [registration.pk, forged]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Sélection invalide" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER
