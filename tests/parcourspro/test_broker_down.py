"""A broker that is down never makes a person wait: a cart validation publishes its emails
after the commit, the publish gives up at once (CELERY_TASK_PUBLISH_RETRY_POLICY,
CELERY_BROKER_TRANSPORT_OPTIONS), and the emails, recorded in the database, are left for the
sweep. Before issue 23 each publish waited 0.6 s (kombu's default policy: 3 retries, 0.2 s
apart).

The broker is a Redis of the test's own (tests/integration/private_redis.py), stopped half-way:
its port then refuses connections, and the app's pool holds connections to a server that is
gone, as in production.
"""

import statistics
import time

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration
from mailing.models import Email
from tests.factories import (
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    session_of,
)
from tests.integration.private_redis import private_redis  # noqa: F401 — a fixture
from tests.integration.test_celery_worker import broker

pytestmark = pytest.mark.django_db

CARTS = 3
# What a validation may take more with the broker down than with it up.
AT_MOST_LONGER = 0.3


def cart_in(client, n: int):
    """An employee of a member structure with an approver, logged in, with a training in the
    cart: its validation records two emails (the approver's, the acknowledgement)."""
    structure = StructureFactory()
    structure.approvers.add(UserFactory(structure=structure, email=f"employeur.{n}@example.test"))
    employee = MemberEmployeeFactory(structure=structure, email=f"salarie.{n}@example.test")
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(employee, session)
    client.force_login(employee)
    data = {**contact_of(employee), f"motivations_{session.pk}": "Mieux accompagner."}
    return employee, data


def validation_time(client, django_capture_on_commit_callbacks, n: int) -> float:
    employee, data = cart_in(client, n)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrollment:cart"), data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    assert Registration.objects.filter(user=employee).count() == 1
    return elapsed


def test_a_cart_validation_does_not_wait_for_a_broker_that_is_down(
    client,
    django_capture_on_commit_callbacks,
    private_redis,  # noqa: F811 — the fixture imported above
):
    with broker(private_redis.url()):
        validation_time(client, django_capture_on_commit_callbacks, 0)  # warms the pool up
        up = [validation_time(client, django_capture_on_commit_callbacks, n) for n in (1, 2, 3)]
        sent_before = Email.objects.count()

        private_redis.stop()
        down = [validation_time(client, django_capture_on_commit_callbacks, n) for n in (4, 5, 6)]

    slower = statistics.median(down) - statistics.median(up)
    assert slower < AT_MOST_LONGER, f"broker up {up}, down {down}"
    # Nothing lost: the emails of the validations made with the broker down are recorded,
    # unsent, for the sweep.
    left = Email.objects.order_by("pk")[sent_before:]
    assert len(left) == 2 * CARTS and all(email.sent_at is None for email in left)
