"""The races of « Exact rules », case 7, through the pages: a person never gets a 500."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from tests.factories import MemberEmployeeFactory, contact_of, session_of
from web.enrollment.forms import motivations_field_name

from .test_concurrency import run_in_parallel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL: set DATABASE_URL (CI does) to run the race tests",
    ),
]
Status = RegistrationStatus


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cart_post(client, user, sessions):
    data = dict(contact_of(user))
    data.update({motivations_field_name(s.pk): "Motivée pour cette action" for s in sessions})
    return lambda: client.post(reverse("enrollment:cart"), data)


@pytest.mark.parametrize("round_", range(8))
def test_approver_cart_and_acceptance_over_http(round_, member_structure):
    approver = member_structure.approver
    session, other = session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING)
    colleague = MemberEmployeeFactory(structure=member_structure)
    services.add_to_cart(colleague, session)
    [request] = services.submit_cart(
        colleague, contact=contact_of(colleague), motivations={session.pk: "Motivée"}
    )
    for s in (session, other):
        services.add_to_cart(approver, s)
    cart_client, space_client = logged_in(approver), logged_in(approver)

    results, errors = run_in_parallel(
        {
            "cart": cart_post(cart_client, approver, [session, other]),
            "approve": lambda: space_client.post(reverse("employers:approve", args=[request.pk])),
        }
    )

    assert errors == {}
    assert {key: r.status_code for key, r in results.items()} == {"cart": 302, "approve": 302}
    request.refresh_from_db()
    assert request.status == Status.PENDING_PROVIDER
    assert Registration.objects.filter(user=approver).count() == 2
