"""Staff screens of enrollment and mailing: they open, they show the audit trail, and their
actions go through the services and the mailer."""

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.urls import reverse

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationStatus
from mailing.models import Email
from tests.factories import UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, structure=None))
    return client


@pytest.fixture
def history(employee):
    """A few requests, their events and their emails."""
    register(employee, session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR))
    return employee


@pytest.mark.parametrize(
    "url",
    [
        "admin:enrollment_registration_changelist",
        "admin:enrollment_cart_changelist",
        "admin:mailing_email_changelist",
    ],
)
def test_changelists_open_for_a_superuser(staff_client, history, url):
    assert staff_client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("admin:enrollment_registration_changelist", {"q": "Action"}),
        ("admin:enrollment_registration_changelist", {"status__exact": "confirmed"}),
        ("admin:enrollment_registration_changelist", {"session__action__kind__exact": "training"}),
        ("admin:enrollment_registration_changelist", {"annee": "2030"}),
        ("admin:mailing_email_changelist", {"envoye": "non"}),
        ("admin:mailing_email_changelist", {"envoye": "abandon"}),
    ],
)
def test_registration_and_email_filters_work(staff_client, history, url, query):
    response = staff_client.get(reverse(url), query)
    assert response.status_code == 200
    assert "?e=1" not in response.get("Location", "")


def test_registration_change_page_shows_the_audit_trail_read_only(staff_client, history):
    registration = Registration.objects.get(status=Status.PENDING_EMPLOYER)
    url = reverse("admin:enrollment_registration_change", args=[registration.pk])
    body = staff_client.get(url).content.decode()
    assert "En attente de l&#x27;employeur" in body
    assert 'name="status"' not in body  # status is never edited here
    assert "historique" in body.lower()
    assert staff_client.get(reverse("admin:enrollment_registration_add")).status_code == 403


def test_registration_changelist_query_count_is_bounded(
    staff_client, employee, django_assert_max_num_queries
):
    for _ in range(3):
        register(employee, session_of(ActionKind.WEBINAR))
    with django_assert_max_num_queries(12):
        staff_client.get(reverse("admin:enrollment_registration_changelist"))


def test_cart_change_page_lists_its_items(staff_client, employee):
    from enrollment import services

    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    cart = employee.cart
    body = staff_client.get(reverse("admin:enrollment_cart_change", args=[cart.pk])).content
    assert session.action.title in body.decode()


def test_staff_confirm_action_goes_through_the_service(staff_client, employee):
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    services_approve(registration)
    response = staff_client.post(
        reverse("admin:enrollment_registration_changelist"),
        {"action": "confirm_for_provider", "_selected_action": [registration.pk]},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.events.last().to_status == Status.CONFIRMED


def services_approve(registration):
    from enrollment import services

    services.approve(registration, by=registration.structure.approvers.get())


def test_resend_now_delivers_unsent_emails_once(staff_client, history):
    assert Email.objects.unsent().exists()  # recorded, not sent: no commit in this test
    mail.outbox.clear()
    ids = list(Email.objects.values_list("pk", flat=True))
    response = staff_client.post(
        reverse("admin:mailing_email_changelist"),
        {"action": "send_now", "_selected_action": ids},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == len(ids)
    assert not Email.objects.filter(sent_at__isnull=True).exists()
    staff_client.post(
        reverse("admin:mailing_email_changelist"),
        {"action": "send_now", "_selected_action": ids},
    )
    assert len(mail.outbox) == len(ids)


def test_email_admin_is_read_only(staff_client, history):
    email = Email.objects.first()
    body = staff_client.get(reverse("admin:mailing_email_change", args=[email.pk])).content
    assert 'name="subject"' not in body.decode()
    assert site.is_registered(Email)
