import datetime as dt

import pytest
import time_machine

from catalog.models import ActionKind
from tests.factories import (
    PARIS,
    MemberEmployeeFactory,
    confirmed,
    next_year_start,
    provider_user_of,
    session_of,
    with_programme,
)


@pytest.fixture(autouse=True)
def _documents_on(documents_enabled):
    """Every test here generates documents."""


@pytest.fixture
def training(member_structure):
    """A one-day training, 9:00–17:00 Paris time, next year."""
    starts = next_year_start()
    session = session_of(ActionKind.TRAINING, starts_at=starts)
    session.ends_at = starts.replace(hour=17)
    session.save()
    return with_programme(session)


@pytest.fixture
def self_training(member_structure):
    """A tutored self-training on e-ParcoursPro, two days of 9:00–12:30."""
    starts = next_year_start(month=4, day=6)
    session = session_of(ActionKind.TUTORED_SELF_TRAINING, starts_at=starts, format="remote")
    session.ends_at = dt.datetime(starts.year, 4, 7, 12, 30, tzinfo=PARIS)
    session.location = ""
    session.save()
    return with_programme(session)


@pytest.fixture
def participant_of(member_structure, django_capture_on_commit_callbacks):
    """A confirmed participant of the structure, the documents' tasks run."""

    def make(session, **fields):
        user = MemberEmployeeFactory(structure=member_structure, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            return confirmed(session, user)

    return make


@pytest.fixture
def provider_user(training):
    return provider_user_of(training)


@pytest.fixture
def after():
    """Travel to just after a session's end."""

    def travel(session):
        return time_machine.travel(session.ends_at + dt.timedelta(hours=1), tick=False)

    return travel
