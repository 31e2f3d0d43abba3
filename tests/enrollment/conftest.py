import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from tests.factories import (
    ActionFactory,
    MemberEmployeeFactory,
    SessionFactory,
    StructureFactory,
    UserFactory,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def contact_of(user):
    return {
        "first_name": user.first_name or "Camille",
        "last_name": user.last_name or "Martin",
        "email": user.email,
        "phone": user.phone or "05 56 00 00 00",
        "job_title": user.job_title or "Conseillère",
    }


def register(user, *sessions, motivations="Je souhaite approfondir ma pratique."):
    """Add sessions to the cart and validate it, as the pages do."""
    for session in sessions:
        services.add_to_cart(user, session)
    return services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={session.pk: motivations for session in sessions},
    )


def session_of(kind=ActionKind.TRAINING, *, days=40, capacity=12, starts_at=None, **kwargs):
    starts_at = starts_at or timezone.now() + dt.timedelta(days=days)
    duration = 2 if kind == ActionKind.TRAINING else 1
    return SessionFactory(
        action=ActionFactory(kind=kind, duration_days=duration),
        starts_at=starts_at,
        capacity=capacity,
        **kwargs,
    )


def next_year_start(month=3, day=15):
    return dt.datetime(timezone.localdate().year + 1, month, day, 9, 0, tzinfo=PARIS)


@pytest.fixture
def member_structure():
    structure = StructureFactory()
    approver = UserFactory(structure=structure, email="employeur@example.test")
    structure.approvers.add(approver)
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="base")
    structure.approver = approver
    return structure


@pytest.fixture
def employee(member_structure):
    return MemberEmployeeFactory(structure=member_structure)


@pytest.fixture
def colleagues(member_structure):
    return [MemberEmployeeFactory(structure=member_structure) for _ in range(3)]
