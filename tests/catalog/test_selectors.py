"""Places and next sessions as the catalogue computes them."""

import datetime as dt

import pytest
from django.utils import timezone

from catalog import selectors
from catalog.models import Session
from enrollment.models import HOLDING_STATUSES, RegistrationStatus
from tests.factories import ActionFactory, SessionFactory, registration_in

pytestmark = pytest.mark.django_db


def test_place_statuses_are_enrollments_holding_statuses():
    """catalog keeps its own copy of the stable state names; it must match enrollment's."""
    assert set(selectors.PLACE_HOLDING_STATUSES) == {str(s) for s in HOLDING_STATUSES}
    assert selectors.WAITLIST_STATUS == RegistrationStatus.WAITLISTED


def test_places_count_holding_requests_only():
    session = SessionFactory(capacity=4)
    for status in ["pending_employer", "pending_provider", "confirmed"]:
        registration_in(session, status)
    for status in ["waitlisted", "waitlisted", "refused", "cancelled", "lapsed", "declined"]:
        registration_in(session, status)
    annotated = selectors.with_places(Session.objects.filter(pk=session.pk)).get()
    assert (annotated.places_held, annotated.places_waiting, annotated.places_left) == (3, 2, 1)


@pytest.mark.parametrize(
    "statuses",
    [
        [],
        ["confirmed"],
        ["waitlisted", "waitlisted"],
        ["pending_employer", "pending_provider", "confirmed", "offered", "waitlisted"],
        ["attended", "absent", "confirmed", "refused", "cancelled", "lapsed", "declined"],
        [str(status) for status in RegistrationStatus],
    ],
)
def test_places_counts_as_with_places_counts(statuses):
    """The action page counts its sessions' places in one grouped count (`places_counts`);
    it says what `with_places` says, for requests in any state and a session with none."""
    session, other, empty = SessionFactory(capacity=4), SessionFactory(), SessionFactory()
    for status in statuses:
        registration_in(session, status)
    registration_in(other, "confirmed")
    ids = [session.pk, other.pk, empty.pk]
    annotated = {
        pk: (held, waiting)
        for pk, held, waiting in selectors.with_places(
            Session.objects.filter(pk__in=ids)
        ).values_list("pk", "places_held", "places_waiting")
    }
    counted = selectors.places_counts(ids)
    assert {pk: counted.get(pk, (0, 0)) for pk in ids} == annotated
    held = sum(status in selectors.PLACE_TAKING_STATUSES for status in statuses)
    assert counted.get(session.pk, (0, 0)) == (held, statuses.count("waitlisted"))


def test_places_left_is_never_negative():
    session = SessionFactory(capacity=1)
    registration_in(session)
    registration_in(session)
    assert selectors.with_places(Session.objects.filter(pk=session.pk)).get().places_left == 0


def test_catalogue_lists_published_actions_with_upcoming_published_sessions():
    listed = SessionFactory().action
    SessionFactory(action=ActionFactory(is_published=False))
    SessionFactory(status=Session.Status.CANCELLED)
    past = timezone.now() - dt.timedelta(days=3)
    SessionFactory(starts_at=past, registration_deadline=past - dt.timedelta(days=1))
    ActionFactory()  # no session at all
    assert list(selectors.catalogue_actions()) == [listed]


def test_catalogue_orders_by_next_session_and_shows_the_next_three():
    now = timezone.now()
    late = ActionFactory(title="A tardive")
    soon = ActionFactory(title="B prochaine")
    SessionFactory(action=late, starts_at=now + dt.timedelta(days=90))
    for days in (50, 20, 10, 30):
        SessionFactory(action=soon, starts_at=now + dt.timedelta(days=days))
    actions = list(selectors.catalogue_actions())
    assert actions == [soon, late]
    starts = [s.starts_at for s in actions[0].next_sessions]
    assert starts == sorted(starts) and len(starts) == 3
    assert actions[0].next_start == starts[0]


def test_faq_groups_by_category_in_order_and_hides_drafts():
    from tests.factories import FaqEntryFactory

    FaqEntryFactory(category="membership", order=1, question="Q3")
    FaqEntryFactory(category="programme", order=2, question="Q1")
    FaqEntryFactory(category="membership", order=3, question="Q3 bis")
    FaqEntryFactory(category="programme", order=4, question="Brouillon", is_published=False)
    groups = selectors.faq_by_category()
    assert [(label, [e.question for e in entries]) for label, entries in groups] == [
        ("Adhésion", ["Q3", "Q3 bis"]),
        ("Le programme", ["Q1"]),
    ]
