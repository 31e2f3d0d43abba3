"""Helpers shared by the catalogue tests: registrations made directly in the database."""

from django.utils import timezone

from enrollment.models import Registration
from tests.factories import UserFactory


def register(session, status="confirmed", user=None):
    """A registration of `user` (a new one by default) for `session` in `status`."""
    user = user or UserFactory()
    return Registration.objects.create(
        user=user,
        session=session,
        structure=user.structure,
        status=status,
        waitlist_reason="full" if status == "waitlisted" else "",
        submitted_at=timezone.now(),
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone="0556000000",
        job_title="Conseillère",
        motivations="Pour progresser.",
    )
