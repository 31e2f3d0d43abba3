"""Cart validation with less work under the session's lock (issue 16, item 3): what it reads
before the lock, or counts once under it, stays exact when the cart or the places change
between the two."""

import pytest

from catalog.models import ActionKind, Session
from enrollment import services
from enrollment.models import CartItem, Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.services import cart as cart_service
from mailing import delivery
from mailing.models import Email
from tests.factories import (
    MemberEmployeeFactory,
    RegistrationFactory,
    contact_of,
    member_structure_with_approver,
    session_of,
)

Status = RegistrationStatus
MOTIVATION = "Je souhaite approfondir ma pratique."


def employee(n):
    return MemberEmployeeFactory(structure=member_structure_with_approver(f"boss-{n}@example.org"))


def submit(user, *sessions):
    return services.submit_cart(
        user, contact=contact_of(user), motivations={s.pk: MOTIVATION for s in sessions}
    )


def before_the_lock(monkeypatch, change):
    """Run `change()` once, after the cart's read and before the transaction that locks the
    session (in a transactional test, committed as another request's change would be)."""
    calls = []
    read_members = cart_service.member_years

    def changed_then_read(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            change()
        return read_members(*args, **kwargs)

    monkeypatch.setattr(cart_service, "member_years", changed_then_read)
    return calls


@pytest.mark.django_db(transaction=True)
def test_an_item_removed_between_the_read_and_the_lock_is_retried_and_exact(monkeypatch):
    """The cart read before the lock lost an item meanwhile: the deletion under the lock
    finds fewer items than read (`LockSetChanged`), and the new try submits what is left."""
    user = employee(1)
    kept, removed = session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING)
    for session in (kept, removed):
        services.add_to_cart(user, session)
    calls = before_the_lock(monkeypatch, lambda: CartItem.objects.filter(session=removed).delete())
    [registration] = submit(user, kept, removed)
    assert len(calls) == 2
    assert registration.session_id == kept.pk
    assert list(Registration.objects.values_list("session_id", flat=True)) == [kept.pk]
    assert not CartItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_cart_read_by_the_page_that_changed_since_is_read_again():
    """The page passes the cart it read (`cart=`); an item removed since (another tab) is
    not submitted: the validation reads the cart again and submits what is in it."""
    user = employee(3)
    kept, removed = session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING)
    for session in (kept, removed):
        services.add_to_cart(user, session)
    page_read = cart_service.read_cart(user)
    CartItem.objects.filter(session=removed).delete()
    [registration] = services.submit_cart(
        user,
        contact=contact_of(user),
        motivations={kept.pk: MOTIVATION, removed.pk: MOTIVATION},
        cart=page_read,
    )
    assert registration.session_id == kept.pk
    assert list(Registration.objects.values_list("session_id", flat=True)) == [kept.pk]
    assert not CartItem.objects.exists()


@pytest.mark.django_db
def test_a_cart_validated_meanwhile_is_an_empty_cart_and_nothing_is_written(monkeypatch):
    """A second click whose cart was read before the first validation committed: under the
    lock its items are gone, and it is told the cart is empty, as when it reads it empty."""
    user = employee(2)
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(user, session)
    before_the_lock(monkeypatch, lambda: CartItem.objects.all().delete())
    with pytest.raises(RuleViolation) as refused:
        submit(user, session)
    assert refused.value.code == "empty_cart"
    assert not Registration.objects.exists()
    assert not Email.objects.exists()


@pytest.mark.django_db
def test_a_refused_cart_keeps_its_items():
    """The items are deleted before the checks: a refusal rolls the deletion back."""
    user = employee(3)
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(user, session)
    with pytest.raises(services.CartRefused):
        services.submit_cart(user, contact=contact_of(user), motivations={})
    assert CartItem.objects.filter(cart__user=user, session=session).exists()
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_places_given_to_the_waiting_list_count_for_the_new_request():
    """The places are counted once under the lock: those the waiting list gets before the
    new request (R7) are added, so the last free place is not given twice."""
    session = session_of(ActionKind.TRAINING, capacity=1)
    RegistrationFactory(session=session, user=employee(4), status=Status.PENDING_EMPLOYER)
    waiting = RegistrationFactory(session=session, user=employee(5), status=Status.WAITLISTED)
    # A place frees without its waiting list being served yet (e.g. before the task runs).
    Session.objects.filter(pk=session.pk).update(capacity=2)
    user = employee(6)
    services.add_to_cart(user, session)
    [registration] = submit(user, session)
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_EMPLOYER
    assert registration.status == Status.WAITLISTED
    assert Registration.objects.filter(session=session).holding().count() == 2


@pytest.mark.django_db
def test_the_structure_cap_counts_colleagues_once_under_the_lock():
    """R5: the colleagues holding places are counted in the same statement as the places;
    a third employee of the structure waits."""
    session = session_of(ActionKind.TRAINING, capacity=12)
    first = employee(7)
    colleagues = [MemberEmployeeFactory(structure=first.structure) for _ in range(2)]
    for person in (first, colleagues[0]):
        services.add_to_cart(person, session)
        [held] = submit(person, session)
        assert held.status == Status.PENDING_EMPLOYER
    services.add_to_cart(colleagues[1], session)
    [third] = submit(colleagues[1], session)
    assert third.status == Status.WAITLISTED
    assert third.waitlist_reason == "structure_cap"


@pytest.mark.django_db
def test_a_validations_emails_are_each_sent_once_after_the_commit(
    monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    """The acknowledgement and the approver's email: each handed to its own task after the
    commit, delivered once."""
    delivered = []
    deliver = delivery.deliver

    def spy(email_id):
        delivered.append(email_id)
        return deliver(email_id)

    monkeypatch.setattr(delivery, "deliver", spy)
    user = employee(8)
    session = session_of(ActionKind.TRAINING)
    services.add_to_cart(user, session)
    with django_capture_on_commit_callbacks(execute=True):
        submit(user, session)
        assert delivered == []  # not before the commit
    emails = Email.objects.filter(concerns=user)
    assert emails.count() == 2
    assert sorted(delivered) == sorted(emails.values_list("pk", flat=True))
    assert all(email.sent_at for email in emails)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.to for e in emails)
