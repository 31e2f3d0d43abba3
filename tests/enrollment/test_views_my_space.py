"""« Mon espace »: requests by year, quota counters, waitlist positions, withdrawal (Q10, Q11)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Offer, Registration, RegistrationStatus
from tests.factories import (
    DocumentFactory,
    RegistrationFactory,
    UserFactory,
    next_year_start,
    register,
    session_of,
    tutored_session,
)

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def cancel_url(registration):
    return reverse("enrollment:cancel", args=[registration.pk])


def test_my_space_needs_login(client):
    response = client.get(reverse("enrollment:my_space"))
    assert response.url.startswith(reverse("account_login"))


def test_empty_my_space_links_to_the_catalogue(client, employee):
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert "aucune demande" in body
    assert reverse("catalog:catalogue") in body


def test_upcoming_requests_nearest_first(client, employee):
    register(employee, session_of(ActionKind.WEBINAR, days=30))
    register(employee, session_of(ActionKind.TRAINING, starts_at=next_year_start()))
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert "Sessions à venir" in body
    assert body.index("Confirmée") < body.index("En attente de la validation de votre employeur")


def test_quota_counters_for_this_year_and_next(client, employee):
    year = timezone.localdate().year
    RegistrationFactory(
        user=employee,
        session=session_of(ActionKind.TRAINING, starts_at=next_year_start(month=2)),
        status=Status.CONFIRMED,
    )
    RegistrationFactory(
        user=employee,
        session=session_of(ActionKind.DISCOVERY_MODULE, starts_at=next_year_start(month=4)),
        status=Status.PENDING_EMPLOYER,
    )
    RegistrationFactory(
        user=employee,
        session=session_of(ActionKind.TRAINING, starts_at=next_year_start(month=5)),
        status=Status.REFUSED,
        decision_reason="Période de forte activité dans le service.",
    )
    RegistrationFactory(
        user=employee,
        session=session_of(ActionKind.WEBINAR, starts_at=next_year_start(month=6)),
    )
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert f"{year}\u00a0:</strong>" in body
    assert "0 action réservée aux adhérents sur 4" in body
    assert "2 actions réservées aux adhérents sur 4" in body
    assert "dont 1 formation sur 3" in body
    assert "Période de forte activité dans le service." in body
    assert "Refusée par l&#x27;employeur" in body


def test_waitlisted_request_shows_its_position_and_history(client, employee):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    RegistrationFactory(session=session, status=Status.CONFIRMED)
    RegistrationFactory(session=session, status=Status.WAITLISTED)
    register(employee, session)
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert "En liste d'attente — position 2" in body
    assert "Session complète" in body
    assert "Historique de la demande" in body
    assert "Cette session est complète" in body  # the event's reason


def test_only_live_requests_before_the_start_can_be_withdrawn(client, employee):
    live = RegistrationFactory(user=employee, session=session_of(ActionKind.WEBINAR))
    refused = RegistrationFactory(
        user=employee, session=session_of(ActionKind.TRAINING), status=Status.REFUSED
    )
    started = RegistrationFactory(
        user=employee,
        session=session_of(ActionKind.WEBINAR, starts_at=timezone.now() - dt.timedelta(hours=1)),
    )
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert cancel_url(live) in body
    assert cancel_url(refused) not in body
    assert cancel_url(started) not in body


@pytest.mark.parametrize("count", [3, 30])
def test_my_space_query_count_does_not_grow(client, employee, count, django_assert_max_num_queries):
    for index in range(count):
        status = [Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED][index % 3]
        registration = RegistrationFactory(
            user=employee,
            session=session_of(ActionKind.WEBINAR, days=20 + index * 15),
            status=status,
        )
        registration.events.create(to_status=status, by=employee, reason="Test")
    client.force_login(employee)
    # 9: one query reads the convocations and certificates of every request at once, one
    # both years' quotas (issue 26).
    with django_assert_max_num_queries(9):
        response = client.get(reverse("enrollment:my_space"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card registration"') == count


# --- « Me désister » --------------------------------------------------------------------------


def test_cancel_page_warns_when_a_late_withdrawal_counts(client, employee, member_structure):
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=5))
    services.approve(registration, by=member_structure.approver)
    client.force_login(employee)
    body = client.get(cancel_url(registration)).content.decode()
    assert "désistement tardif" in body
    assert "décomptée de votre quota annuel" in body
    assert 'name="reason"' in body


def test_cancel_page_does_not_warn_in_time(client, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=30))
    client.force_login(employee)
    body = client.get(cancel_url(registration)).content.decode()
    assert "décomptée" not in body


def test_cancel_page_does_not_warn_for_a_short_format_or_a_waitlisted_request(client, employee):
    [webinar] = register(employee, session_of(ActionKind.WEBINAR, days=5))
    full = session_of(ActionKind.TRAINING, days=5, capacity=1)
    RegistrationFactory(session=full, status=Status.CONFIRMED)
    [waiting] = register(employee, full)
    assert waiting.status == Status.WAITLISTED
    client.force_login(employee)
    assert "décomptée" not in client.get(cancel_url(webinar)).content.decode()
    assert "décomptée" not in client.get(cancel_url(waiting)).content.decode()


def test_cancel_without_reason_shows_the_error_and_changes_nothing(client, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    client.force_login(employee)
    response = client.post(cancel_url(registration), {"reason": "   "})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body
    assert "Indiquez le motif de votre désistement" in body
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_EMPLOYER


def test_cancel_page_does_not_warn_for_a_request_awaiting_the_employer(client, employee):
    """R8: withdrawing a request still waiting for the employer is never counted; the page
    says what the service records."""
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=5))
    client.force_login(employee)
    assert "décomptée" not in client.get(cancel_url(registration)).content.decode()
    client.post(cancel_url(registration), {"reason": "Réunion imprévue."})
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED and not registration.counted_in_quota


def test_q11_late_cancellation_is_recorded_and_counted(client, employee, member_structure):
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=5))
    services.approve(registration, by=member_structure.approver)
    client.force_login(employee)
    response = client.post(cancel_url(registration), {"reason": "Réunion imprévue."})
    assert response.url == reverse("enrollment:my_space")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "décomptée" in message
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert registration.counted_in_quota
    assert registration.cancellation_reason == "Réunion imprévue."
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert "Réunion imprévue." in body
    assert "Désistement tardif" in body


def test_cancel_in_time_is_not_counted(client, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=30))
    client.force_login(employee)
    client.post(cancel_url(registration), {"reason": "Changement de poste."})
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert not registration.counted_in_quota


def test_cancel_of_a_closed_request_redirects_with_a_message(client, employee):
    registration = RegistrationFactory(
        user=employee, session=session_of(ActionKind.TRAINING), status=Status.REFUSED
    )
    client.force_login(employee)
    response = client.get(cancel_url(registration))
    assert response.url == reverse("enrollment:my_space")
    assert "déjà close" in str(list(get_messages(response.wsgi_request))[0])


def test_another_users_registration_is_404(client, employee):
    [registration] = register(employee, session_of(ActionKind.WEBINAR))
    client.force_login(UserFactory())
    assert client.get(cancel_url(registration)).status_code == 404
    assert client.post(cancel_url(registration), {"reason": "Malveillance"}).status_code == 404
    assert Registration.objects.get().status == Status.CONFIRMED


def test_what_people_typed_is_escaped_in_the_list_of_requests(client, employee):
    """The requests are a Jinja2 part written into the page as it is (web.parts.render_part):
    a reason typed by an approver or by the person, and a title typed by staff, are escaped
    there, as the Django template language escaped them."""
    hostile = '<script>alert("x")</script>'
    session = session_of(ActionKind.WEBINAR, days=30)
    session.action.title = f"{hostile} & titre"
    session.action.save()
    [registration] = register(employee, session)
    services.cancel(registration, by=employee, reason=f"{hostile} raison")
    client.force_login(employee)
    body = client.get(reverse("enrollment:my_space")).content.decode()
    assert "<script" not in body
    cards = body.split('class="card registration"', 1)[1]
    assert "&lt;script&gt;" in cards and "&amp; titre" in cards
    assert "raison" in cards


def _requests_in_every_state(person):
    """A request of `person` in each state, each with what its card can show: a remote
    session's link, an e-learning course, papers, a reason, an offer, a history of changes
    made by someone else, an in-person session with its department."""
    now = timezone.now()
    other = UserFactory(first_name="Claire", last_name="Dupuis")

    def request(status, session=None, **fields):
        session = session or session_of(ActionKind.TRAINING, location="Pessac", department="33")
        registration = RegistrationFactory(user=person, session=session, status=status, **fields)
        registration.events.create(to_status=status, by=other, reason="Vu avec le service")
        return registration

    remote = session_of(ActionKind.WEBINAR, format="remote", remote_url="https://visio.test/1")
    confirmed = request(Status.CONFIRMED, remote)
    DocumentFactory(kind="convocation", session=remote, registration=confirmed)
    request(Status.CONFIRMED, tutored_session(course_id=7))
    past = session_of(ActionKind.TRAINING, starts_at=now - dt.timedelta(days=30))
    attended = request(Status.ATTENDED, past)
    DocumentFactory(kind="certificate", session=past, registration=attended)
    request(
        Status.ABSENT,
        session_of(ActionKind.PRACTICE_WORKSHOP, starts_at=now - dt.timedelta(days=9)),
    )
    for status in (Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER, Status.LAPSED):
        request(status)
    request(Status.WAITLISTED, waitlist_reason="full")
    request(Status.WAITLISTED, waitlist_reason="structure_cap")
    offered = request(Status.OFFERED)
    Offer.objects.create(
        registration=offered,
        session=offered.session,
        made_at=now,
        expires_at=now + dt.timedelta(days=2),
    )
    request(Status.REFUSED, decision_reason="Période de forte activité")
    request(Status.DECLINED, decision_reason="Prérequis non remplis")
    request(
        Status.CANCELLED,
        session_of(ActionKind.TRAINING, days=3),
        cancellation_reason="Un empêchement",
        cancelled_at=now,
        counted_in_quota=True,
    )


# The page's statements for one request (session, user, the requests, their history, their
# papers, the header, the questionnaires), and for requests in every state: the waiting
# lists' positions, the running offers and the e-learning enrolments, one statement each.
MY_SPACE_ONE_REQUEST = 7
MY_SPACE_EVERY_STATE = MY_SPACE_ONE_REQUEST + 3


def test_a_request_in_any_state_reads_nothing_more_than_the_list(
    client, employee, django_assert_num_queries
):
    """The requests are read with what the page shows of them and no more (their contact
    details and the action's texts are left out: `selectors.MY_REQUEST_FACTS`). Whatever a
    card shows in any state is in that statement: a field left out would cost a query for
    each request."""
    client.force_login(employee)
    RegistrationFactory(user=employee, session=session_of(ActionKind.WEBINAR))
    client.get(reverse("enrollment:my_space"))
    with django_assert_num_queries(MY_SPACE_ONE_REQUEST):
        client.get(reverse("enrollment:my_space"))
    _requests_in_every_state(employee)
    client.get(reverse("enrollment:my_space"))
    with django_assert_num_queries(MY_SPACE_EVERY_STATE):
        response = client.get(reverse("enrollment:my_space"))
    page = response.content.decode()
    assert page.count('class="card registration"') == 14
    for shown in [
        "https://visio.test/1",  # the confirmed remote session's link
        "Ma convocation (PDF)",
        "Mon certificat de réalisation (PDF)",
        "Accéder à e-ParcoursPro",
        "Accepter la place",  # the running offer
        "Période de forte activité",
        "Prérequis non remplis",
        "Un empêchement",
        "Désistement tardif",
        "Déjà 2 collègues de votre structure inscrits",
        "33 — Gironde",
        "par Claire Dupuis",
    ]:
        assert shown in page, shown


def test_a_validated_cart_reads_its_requests_in_one_statement(
    client, employee, django_assert_num_queries
):
    """The confirmation of a validated cart reads the same facts of its requests: a
    waitlisted request and one held at the same time as another, in one statement each."""
    first = session_of(ActionKind.WEBINAR, capacity=1, days=20)
    RegistrationFactory(session=first, status=Status.CONFIRMED)
    clash = session_of(ActionKind.TRAINING, starts_at=first.starts_at, location="Pau")
    registrations = register(employee, first, clash)
    client.force_login(employee)
    url = reverse("enrollment:cart_done", args=[registrations[0].submission])
    client.get(url)
    # Session, user, the requests, the waiting list's positions, the person's other requests
    # (overlaps), the header.
    with django_assert_num_queries(6):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('class="card"') == 2
    assert "La session est complète." in page
    assert "que vous avez aussi demandée" in page
