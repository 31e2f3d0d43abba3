"""The cart validation's read of a person's requests (`selectors.live_and_counted`, one query
under the user's lock, its predicates applied to each row) and « Mon espace »'s count from the
requests it lists (`selectors.counted_from`) answer what the quota's and the live requests'
own queries answer (R6, « Counted once »; one live request per session)."""

import datetime as dt

import pytest

from catalog.models import ActionKind
from enrollment import selectors
from enrollment.models import RegistrationStatus
from tests.factories import PARIS, RegistrationFactory, UserFactory, session_of

pytestmark = pytest.mark.django_db

Status = RegistrationStatus


def test_live_and_counted_agrees_with_the_quota_and_live_queries():
    """Every state, late-counted cancellations, a short format, the same session requested
    twice, and the Paris new year's night (a start at 00:30 on 1 January, Paris time, is in
    the new year while UTC still says the old one)."""
    user = UserFactory()
    year = dt.date.today().year + 1
    starts = [
        dt.datetime(year - 1, 12, 31, 23, 30, tzinfo=PARIS),
        dt.datetime(year, 1, 1, 0, 30, tzinfo=PARIS),
        dt.datetime(year, 6, 1, 9, 0, tzinfo=PARIS),
    ]
    sessions = []
    for kind in (ActionKind.TRAINING, ActionKind.PRACTICE_WORKSHOP, ActionKind.WEBINAR):
        for starts_at in starts:
            for status in Status:
                for late in (False, True) if status == Status.CANCELLED else (False,):
                    session = session_of(kind, starts_at=starts_at)
                    RegistrationFactory(
                        user=user, session=session, status=status, counted_in_quota=late
                    )
                    sessions.append(session)
    twice = sessions[0]  # a second, refused, request for the same session
    RegistrationFactory(user=user, session=twice, status=Status.REFUSED)
    RegistrationFactory(session=sessions[1])  # someone else's
    session_ids = {session.pk for session in sessions}
    expected_live = {pk for pk in session_ids if selectors.has_live_registration(user.pk, pk)}

    for years in ({year - 1, year}, {year}, {year - 1}):
        live, counted = selectors.live_and_counted(user.pk, session_ids, years)
        assert live == expected_live
        assert counted == selectors.counted_sessions_by_year(user.pk, years)
        # « Mon espace »'s count, from the requests it lists.
        assert selectors.counted_from(selectors.registrations_of(user), years) == counted
        assert all(counted[y].member_only and counted[y].trainings for y in years)  # not empty
