"""The provider space (R10): the provider's sessions, its decisions, attendance; nothing of
another provider's."""

import datetime as dt
import html

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationStatus
from tests.factories import (
    ActionFactory,
    SessionFactory,
    UserFactory,
    awaiting_provider,
    confirmed,
    provider_user_of,
    session_of,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus
SPACE = reverse("operations:provider_space")


def session_url(session):
    return reverse("operations:provider_session", args=[session.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def status_of(registration):
    return Registration.objects.get(pk=registration.pk).status


# --- the list of sessions ----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(SPACE)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_user_of_no_provider_gets_a_clear_page(client):
    client.force_login(UserFactory())
    response = client.get(SPACE)
    assert response.status_code == 403
    assert "n'est rattaché à aucun prestataire" in text(response)


def test_the_provider_sees_its_sessions_with_their_fill(client, training, provider_user):
    awaiting_provider(training)
    confirmed(training)
    other = session_of(ActionKind.TRAINING)
    other.action.title = "Session d'un autre prestataire"
    other.action.save()
    client.force_login(provider_user)
    response = client.get(SPACE)
    page = text(response)
    assert response.status_code == 200
    assert training.action.title in page
    assert "Session d'un autre prestataire" not in page
    [listed] = response.context["upcoming"]
    assert (listed.places_held, listed.capacity, listed.places_waiting) == (2, 3, 0)
    assert listed.awaiting_provider == 1
    assert "2 / 3" in page


def test_upcoming_sessions_come_first_then_past_ones(client, training, provider_user):
    provider = training.action.provider
    action = ActionFactory(provider=provider)
    now = training.starts_at - dt.timedelta(days=40)
    later = SessionFactory(action=action, starts_at=training.starts_at + dt.timedelta(days=10))
    past = SessionFactory(action=action, starts_at=now - dt.timedelta(days=30))
    older = SessionFactory(action=action, starts_at=now - dt.timedelta(days=60))
    client.force_login(provider_user)
    response = client.get(SPACE)
    assert [s.pk for s in response.context["upcoming"]] == [training.pk, later.pk]
    assert [s.pk for s in response.context["past"]] == [past.pk, older.pk]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_reads_a_bounded_number_of_queries(
    client, provider_user, training, count, django_assert_max_num_queries
):
    for _ in range(count - 1):
        session = SessionFactory(action=ActionFactory(provider=training.action.provider))
        awaiting_provider(session)
    client.force_login(provider_user)
    with django_assert_max_num_queries(8):
        response = client.get(SPACE)
    assert len(response.context["upcoming"]) == count


# --- one session -------------------------------------------------------------------------------


def test_requests_show_motivations_beside_the_objectives(client, training, provider_user):
    registration = awaiting_provider(training, motivations="Accueillir des adultes en VAE.")
    client.force_login(provider_user)
    response = client.get(session_url(training))
    page = text(response)
    assert response.status_code == 200
    assert [r.pk for r in response.context["requests"]] == [registration.pk]
    assert "Accueillir des adultes en VAE." in page
    assert "Conduire un entretien d'orientation." in page
    assert page.count("<h1") == 1


def test_another_providers_session_answers_404(client, training):
    intruder = provider_user_of(session_of(ActionKind.TRAINING))
    client.force_login(intruder)
    assert client.get(session_url(training)).status_code == 404


def test_staff_who_are_no_provider_get_404_in_the_provider_space(client, training, staff):
    client.force_login(staff)
    assert client.get(session_url(training)).status_code == 404


def test_confirm_makes_the_request_effective_and_sends_the_convocation(
    client, training, provider_user, django_capture_on_commit_callbacks
):
    registration = awaiting_provider(training)
    client.force_login(provider_user)
    url = reverse("operations:provider_confirm", args=[training.pk, registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0].startswith(session_url(training))
    assert status_of(registration) == Status.CONFIRMED
    assert "est confirmée\u00a0: la convocation partira dès que possible." in text(response)
    convocation = next(m for m in mail.outbox if m.to == [registration.email] and m.attachments)
    assert convocation.attachments[0][0].endswith(".ics")
    assert registration.events.last().by == provider_user


def test_confirm_refused_by_the_rules_is_a_message(client, training, provider_user):
    registration = confirmed(training)
    client.force_login(provider_user)
    url = reverse("operations:provider_confirm", args=[training.pk, registration.pk])
    response = client.post(url, follow=True)
    assert "n'attend pas votre confirmation" in text(response)


def test_confirm_needs_post(client, training, provider_user):
    registration = awaiting_provider(training)
    client.force_login(provider_user)
    url = reverse("operations:provider_confirm", args=[training.pk, registration.pk])
    assert client.get(url).status_code == 405
    assert status_of(registration) == Status.PENDING_PROVIDER


def test_another_providers_registration_answers_404(client, training, provider_user):
    elsewhere = session_of(ActionKind.TRAINING)
    registration = awaiting_provider(elsewhere)
    client.force_login(provider_user)
    # Its own session in the URL, another session's registration: 404, nothing changes.
    for name in ("operations:provider_confirm", "operations:provider_decline"):
        url = reverse(name, args=[training.pk, registration.pk])
        assert client.post(url, {f"decline-{registration.pk}-reason": "x"}).status_code == 404
    url = reverse("operations:provider_confirm", args=[elsewhere.pk, registration.pk])
    assert client.post(url).status_code == 404
    assert status_of(registration) == Status.PENDING_PROVIDER


def test_decline_needs_a_reason(client, training, provider_user):
    registration = awaiting_provider(training)
    client.force_login(provider_user)
    url = reverse("operations:provider_decline", args=[training.pk, registration.pk])
    response = client.post(url, {f"decline-{registration.pk}-reason": "   "})
    assert response.status_code == 200
    page = text(response)
    assert 'role="alert"' in page
    assert "Indiquez le motif du refus" in page
    assert status_of(registration) == Status.PENDING_PROVIDER


def test_decline_with_a_reason_frees_the_place_for_the_waiting_list(
    client, provider_user, django_capture_on_commit_callbacks
):
    session = session_of(ActionKind.TRAINING, capacity=1)
    session.action.provider.users.add(provider_user)
    registration = awaiting_provider(session)
    waiting = awaiting_provider(session)  # pre-approved on the waiting list
    assert status_of(waiting) == Status.WAITLISTED
    client.force_login(provider_user)
    url = reverse("operations:provider_decline", args=[session.pk, registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {f"decline-{registration.pk}-reason": "Attentes hors objectifs."}, follow=True
        )
    assert "est déclinée" in text(response)
    declined = Registration.objects.get(pk=registration.pk)
    assert declined.status == Status.DECLINED
    assert declined.decision_reason == "Attentes hors objectifs."
    assert status_of(waiting) == Status.PENDING_PROVIDER
    assert any("Attentes hors objectifs." in m.body for m in mail.outbox)


def test_participants_are_listed(client, training, provider_user):
    participant = confirmed(training)
    awaiting_provider(training)
    client.force_login(provider_user)
    response = client.get(session_url(training))
    assert [r.pk for r in response.context["participants"]] == [participant.pk]


# --- attendance --------------------------------------------------------------------------------


def test_attendance_is_not_offered_before_the_start(client, training, provider_user):
    participant = confirmed(training)
    client.force_login(provider_user)
    response = client.get(session_url(training))
    assert response.context["attendance_form"] is None
    assert "une fois la session commencée" in text(response)
    url = reverse("operations:provider_attendance", args=[training.pk])
    response = client.post(url, {f"presence_{participant.pk}": "present"}, follow=True)
    assert "la présence se note une fois la session commencée" in text(response)
    assert status_of(participant) == Status.CONFIRMED


def test_attendance_after_the_start(client, training, provider_user):
    present, absent = confirmed(training), confirmed(training)
    url = reverse("operations:provider_attendance", args=[training.pk])
    with time_machine.travel(training.starts_at + dt.timedelta(hours=2), tick=False):
        client.force_login(provider_user)
        page = text(client.get(session_url(training)))
        assert f'name="presence_{present.pk}"' in page
        response = client.post(
            url,
            {f"presence_{present.pk}": "present", f"presence_{absent.pk}": "absent"},
            follow=True,
        )
        assert "Présences enregistrées (2 modifications)" in text(response)
        assert status_of(present) == Status.ATTENDED
        assert status_of(absent) == Status.ABSENT
        # Corrected later: the absent person did come.
        client.post(url, {f"presence_{absent.pk}": "present"})
    assert status_of(absent) == Status.ATTENDED
    assert status_of(present) == Status.ATTENDED


def test_absent_with_a_half_day_ticked_is_refused_and_nothing_saved(client, provider_user):
    """« Absent·e » with a half-day ticked contradicts itself: a French message, the form
    back with the error under the half-days, nothing recorded."""
    start = (timezone.localtime() + dt.timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    session = session_of(
        ActionKind.TRAINING, starts_at=start, ends_at=start + dt.timedelta(hours=8)
    )
    session.action.provider.users.add(provider_user)
    participant = confirmed(session)
    morning = f"{start.date().isoformat()}-am"
    url = reverse("operations:provider_attendance", args=[session.pk])
    with time_machine.travel(start + dt.timedelta(hours=9), tick=False):
        client.force_login(provider_user)
        page = text(client.get(session_url(session)))
        assert "(présent·e sans case cochée\u00a0: toutes)" not in page
        assert (
            "«\u00a0Présent·e\u00a0» sans case cochée\u00a0: présent·e à toutes les demi-journées"
            in page
        )
        response = client.post(
            url,
            {f"presence_{participant.pk}": "absent", f"demi_journees_{participant.pk}": [morning]},
        )
    assert response.status_code == 400
    body = text(response)
    assert "Présences non enregistrées" in body
    assert "«\u00a0Absent·e\u00a0» avec des demi-journées cochées\u00a0: décochez-les" in body
    assert status_of(participant) == Status.CONFIRMED
    assert not Registration.objects.get(pk=participant.pk).half_days.exists()


def test_the_header_counts_places_in_good_french_and_matches_the_participants(
    client, training, provider_user
):
    """« 1 place occupée sur 3 », and after the attendance the places stay counted."""
    participant = confirmed(training)
    client.force_login(provider_user)
    assert "1 place occupée sur 3" in text(client.get(session_url(training)))
    Registration.objects.filter(pk=participant.pk).update(status=Status.ATTENDED)
    assert "1 place occupée sur 3" in text(client.get(session_url(training)))
    awaiting_provider(training)
    page = text(client.get(session_url(training)))
    assert "2 places occupées sur 3 (dont 1 participant confirmé)" in page
