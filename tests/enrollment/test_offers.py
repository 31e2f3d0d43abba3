"""Late release (DESIGN.md, turn 3) through the services, the clock moved to each boundary on
the Paris wall clock: a place freed less than LATE_OFFER_DAYS before the start is offered to
the first eligible waiting request, held while the offer runs, and passed on when declined,
left unanswered, or refused because its owner became ineligible."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied

from catalog.models import ActionKind, Session
from catalog.selectors import with_places
from employers.models import Membership
from enrollment import services
from enrollment.employer_requests import is_to_decide
from enrollment.models import Offer, Registration, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.selectors import quota_use
from enrollment.services.offers import end_overdue_offers
from enrollment.services.waitlist import lapse_overdue_requests
from tests.factories import (
    MemberEmployeeFactory,
    RegistrationFactory,
    UserFactory,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
Status = RegistrationStatus
MINUTE = dt.timedelta(minutes=1)
# Friday 2 April 2027, 9:00: the clocks go forward on Sunday 28 March, inside the last week.
START = dt.datetime(2027, 4, 2, 9, 0, tzinfo=PARIS)
DEADLINE = dt.datetime(2027, 4, 1, 23, 59, tzinfo=PARIS)
SEVEN_DAYS_BEFORE = dt.datetime(2027, 3, 26, 9, 0, tzinfo=PARIS)


def at(moment):
    return time_machine.travel(moment, tick=False)


def fresh(registration) -> Registration:
    return Registration.objects.get(pk=registration.pk)


@pytest.fixture
def webinar():
    """A webinar of one place, held, with two people waiting: Anne first, then Bruno."""
    session = session_of(
        ActionKind.WEBINAR, starts_at=START, capacity=1, registration_deadline=DEADLINE
    )
    [holder] = register(UserFactory(), session)
    [anne] = register(UserFactory(first_name="Anne"), session)
    [bruno] = register(UserFactory(first_name="Bruno"), session)
    assert (holder.status, anne.status, bruno.status) == (
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    )
    return session, holder, anne, bruno


def free_the_place(holder, moment, callbacks):
    with at(moment), callbacks(execute=True):
        services.cancel(holder, by=holder.user, reason="Empêchement")


def offer_of(registration) -> Offer:
    return Offer.objects.filter(registration=registration).latest("made_at", "pk")


@pytest.mark.parametrize(
    "moment",
    [SEVEN_DAYS_BEFORE - MINUTE, SEVEN_DAYS_BEFORE],
    ids=["7_days_and_a_minute_before", "exactly_7_days_before"],
)
def test_a_place_freed_7_days_before_or_earlier_goes_to_the_waiting_list_as_before(
    webinar, moment, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, moment, django_capture_on_commit_callbacks)
    assert fresh(anne).status == Status.CONFIRMED
    assert fresh(bruno).status == Status.WAITLISTED
    assert not Offer.objects.exists()


def test_a_place_freed_a_minute_inside_the_7_days_is_offered_to_the_first_waiting(
    webinar, django_capture_on_commit_callbacks
):
    session, holder, anne, bruno = webinar
    mail.outbox.clear()
    moment = SEVEN_DAYS_BEFORE + MINUTE
    free_the_place(holder, moment, django_capture_on_commit_callbacks)

    offer = offer_of(anne)
    assert fresh(anne).status == Status.OFFERED
    assert offer.status == Offer.Status.OFFERED
    # 48 elapsed hours: Sunday 28 March at 10:01, the clocks having gone forward meanwhile.
    assert offer.expires_at == moment.astimezone(dt.UTC) + dt.timedelta(hours=48)
    assert offer.expires_at == dt.datetime(2027, 3, 28, 10, 1, tzinfo=PARIS)
    assert fresh(bruno).status == Status.WAITLISTED
    [email] = [m for m in mail.outbox if m.to == [anne.email]]
    assert "à accepter avant le dimanche 28 mars 2027 à 10" in email.subject
    body = email.body
    assert f"/mon-espace/places-proposees/{offer.pk}/accepter/" in body
    assert f"/mon-espace/places-proposees/{offer.pk}/indisponible/" in body
    assert "Sans réponse de votre part à cette date" in body
    # The place is held for Anne: the catalogue says full, nobody else is seated.
    assert with_places(Session.objects.filter(pk=session.pk)).get().places_left == 0
    with at(moment + MINUTE):
        [late_comer] = register(UserFactory(), session)
        assert late_comer.status == Status.WAITLISTED
        with pytest.raises(RuleViolation):
            services.promote(bruno, by=UserFactory(is_staff=True))
    assert fresh(bruno).status == Status.WAITLISTED


def test_accepted_a_minute_before_the_offer_ends(webinar, django_capture_on_commit_callbacks):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    offer = offer_of(anne)
    mail.outbox.clear()
    with at(offer.expires_at - MINUTE), django_capture_on_commit_callbacks(execute=True):
        services.accept_offer(offer, by=anne.user)
    assert fresh(anne).status == Status.CONFIRMED  # a short format: confirmed at once
    offer.refresh_from_db()
    assert (offer.status, offer.decided_at) == (Offer.Status.ACCEPTED, offer.expires_at - MINUTE)
    [email] = [m for m in mail.outbox if m.to == [anne.email]]
    assert email.attachments  # the convocation's calendar file
    assert fresh(bruno).status == Status.WAITLISTED
    events = list(fresh(anne).events.values_list("from_status", "to_status"))
    assert events[-2:] == [(Status.WAITLISTED, Status.OFFERED), (Status.OFFERED, Status.CONFIRMED)]


def test_at_the_offer_s_end_it_expires_and_the_place_passes_on(
    webinar, django_capture_on_commit_callbacks
):
    """Whoever touches the session first at the end (here, Anne's own late click) ends it;
    the refusal says why, and Bruno gets the next offer at once."""
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    offer = offer_of(anne)
    mail.outbox.clear()
    with (
        at(offer.expires_at),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuleViolation, match="délai pour accepter cette place est dépassé"),
    ):
        services.accept_offer(offer, by=anne.user)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    assert fresh(anne).status == Status.LAPSED
    assert fresh(bruno).status == Status.OFFERED
    assert offer_of(bruno).expires_at == offer.expires_at.astimezone(dt.UTC) + dt.timedelta(
        hours=48
    )
    assert {m.to[0] for m in mail.outbox} == {anne.email, bruno.email}


def test_the_periodic_task_ends_an_unanswered_offer(webinar, django_capture_on_commit_callbacks):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    offer = offer_of(anne)
    with at(offer.expires_at - MINUTE):
        assert end_overdue_offers() == 0
    assert fresh(anne).status == Status.OFFERED
    with at(offer.expires_at), django_capture_on_commit_callbacks(execute=True):
        assert end_overdue_offers() == 1
    assert (fresh(anne).status, fresh(bruno).status) == (Status.LAPSED, Status.OFFERED)


def test_48_hours_across_the_spring_change_end_an_hour_later_on_the_clock(
    webinar, django_capture_on_commit_callbacks
):
    """Offered on Saturday 27 March at 10:00 (winter time), the offer runs 48 elapsed hours:
    until Monday 29 March at 11:00 (summer time)."""
    _session, holder, anne, bruno = webinar
    free_the_place(
        holder, dt.datetime(2027, 3, 27, 10, 0, tzinfo=PARIS), django_capture_on_commit_callbacks
    )
    offer = offer_of(anne)
    assert offer.expires_at == dt.datetime(2027, 3, 29, 11, 0, tzinfo=PARIS)
    with at(dt.datetime(2027, 3, 29, 10, 59, tzinfo=PARIS)):
        services.accept_offer(offer, by=anne.user)
    assert fresh(anne).status == Status.CONFIRMED


def test_an_offer_never_runs_past_the_registration_deadline(
    webinar, django_capture_on_commit_callbacks
):
    """R9 closes the session at its deadline and lapses what waits: made 12 hours before
    it, the offer ends with it, and nobody is offered the place after it."""
    _session, holder, anne, bruno = webinar
    free_the_place(
        holder, dt.datetime(2027, 4, 1, 12, 0, tzinfo=PARIS), django_capture_on_commit_callbacks
    )
    offer = offer_of(anne)
    assert offer.expires_at == DEADLINE
    with at(DEADLINE), django_capture_on_commit_callbacks(execute=True):
        end_overdue_offers()
    assert (fresh(anne).status, fresh(bruno).status) == (Status.LAPSED, Status.LAPSED)
    assert not Offer.objects.filter(registration=bruno).exists()


def test_an_offer_never_runs_past_the_start(django_capture_on_commit_callbacks):
    session = session_of(ActionKind.WEBINAR, starts_at=START, capacity=1)
    Session.objects.filter(pk=session.pk).update(registration_deadline=START)
    [holder] = register(UserFactory(), session)
    [anne] = register(UserFactory(), session)
    free_the_place(holder, START - dt.timedelta(hours=5), django_capture_on_commit_callbacks)
    assert offer_of(anne).expires_at == START


def test_declining_passes_the_place_on_at_once(webinar, django_capture_on_commit_callbacks):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    with at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)):
        services.decline_offer(offer_of(anne), by=anne.user)
    anne = fresh(anne)
    assert (anne.status, anne.counted_in_quota) == (Status.CANCELLED, False)
    assert offer_of(anne).status == Offer.Status.DECLINED
    assert fresh(bruno).status == Status.OFFERED
    with pytest.raises(RuleViolation, match="déjà indiqué ne plus être disponible"):
        services.accept_offer(offer_of(anne), by=anne.user)


def test_only_the_person_answers_their_offer(webinar, django_capture_on_commit_callbacks):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    offer = offer_of(anne)
    for someone in (bruno.user, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            services.accept_offer(offer, by=someone)
        with pytest.raises(PermissionDenied):
            services.decline_offer(offer, by=someone)
    assert fresh(anne).status == Status.OFFERED


def test_a_withdrawal_from_mon_espace_closes_the_offer_and_passes_the_place_on(
    webinar, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = webinar
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    with at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=2)):
        services.cancel(fresh(anne), by=anne.user, reason="Autre engagement")
    assert offer_of(anne).status == Offer.Status.WITHDRAWN
    assert fresh(bruno).status == Status.OFFERED


# --- an action for members: the employer's acceptance, with its own short deadline (R4) ----


@pytest.fixture
def training(member_structure):
    """A training of one place, held; two employees of a member structure wait."""
    session = session_of(
        ActionKind.TRAINING, starts_at=START, capacity=1, registration_deadline=DEADLINE
    )
    holder = RegistrationFactory(session=session, status=Status.PENDING_PROVIDER)
    anne = MemberEmployeeFactory(structure=member_structure, first_name="Anne")
    bruno = MemberEmployeeFactory(structure=member_structure, first_name="Bruno")
    [first] = register(anne, session)
    [second] = register(bruno, session)
    assert (first.status, second.status) == (Status.WAITLISTED, Status.WAITLISTED)
    return session, holder, first, second


def test_accepting_asks_the_employer_who_has_24_hours(
    training, member_structure, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    moment = dt.datetime(2027, 3, 29, 10, 0, tzinfo=PARIS)
    free_the_place(holder, moment, django_capture_on_commit_callbacks)
    offer = offer_of(anne)
    mail.outbox.clear()
    with at(moment + dt.timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        services.accept_offer(offer, by=anne.user)
    offer.refresh_from_db()
    assert fresh(anne).status == Status.PENDING_EMPLOYER
    assert offer.approval_due_at == dt.datetime(2027, 3, 30, 11, 0, tzinfo=PARIS)
    [to_approver] = [m for m in mail.outbox if m.to == [member_structure.approver.email]]
    assert "votre réponse avant le mardi 30 mars 2027 à 11" in to_approver.subject
    assert "Sans réponse de votre part à cette date" in to_approver.body
    with at(offer.approval_due_at - MINUTE):
        services.approve(fresh(anne), by=member_structure.approver)
    assert fresh(anne).status == Status.PENDING_PROVIDER
    assert fresh(bruno).status == Status.WAITLISTED


def test_an_employer_who_does_not_answer_in_time_lets_the_place_pass_on(
    training, member_structure, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    moment = dt.datetime(2027, 3, 29, 10, 0, tzinfo=PARIS)
    free_the_place(holder, moment, django_capture_on_commit_callbacks)
    with at(moment + dt.timedelta(hours=1)):
        services.accept_offer(offer_of(anne), by=anne.user)
    due = offer_of(anne).approval_due_at
    with (
        at(due),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuleViolation, match="délai de réponse de l'employeur"),
    ):
        services.approve(fresh(anne), by=member_structure.approver)
    assert offer_of(anne).status == Offer.Status.APPROVAL_LAPSED
    assert fresh(anne).status == Status.LAPSED
    assert fresh(bruno).status == Status.OFFERED


def test_a_pre_approved_request_goes_straight_to_the_provider(
    training, member_structure, django_capture_on_commit_callbacks
):
    _session, holder, anne, _bruno = training
    services.approve(anne, by=member_structure.approver)  # pre-approved while waiting
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    with at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)):
        services.accept_offer(offer_of(anne), by=anne.user)
    assert fresh(anne).status == Status.PENDING_PROVIDER
    assert offer_of(anne).approval_due_at is None


def test_an_offer_to_someone_whose_quota_was_used_elsewhere_is_refused(
    training, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    for kind in (ActionKind.TRAINING,) * 3 + (ActionKind.DISCOVERY_MODULE,):
        RegistrationFactory(
            user=anne.user, session=session_of(kind, starts_at=START), status=Status.CONFIRMED
        )
    assert quota_use(anne.user_id, 2027).member_only == 4
    with (
        at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuleViolation, match="ne peut pas vous être attribuée") as refusal,
    ):
        services.accept_offer(offer_of(anne), by=anne.user)
    assert refusal.value.code == "quota"
    assert "limite de 4 actions" in refusal.value.message
    assert offer_of(anne).status == Offer.Status.INELIGIBLE
    assert fresh(anne).status == Status.WAITLISTED  # reconsidered if a quota frees
    assert fresh(bruno).status == Status.OFFERED


def test_an_offer_to_someone_whose_structure_is_no_longer_a_member_is_refused(
    training, member_structure, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    Membership.objects.filter(structure=member_structure, year=2027).delete()
    with (
        at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)),
        pytest.raises(RuleViolation, match="adhérente") as refusal,
    ):
        services.accept_offer(offer_of(anne), by=anne.user)
    assert refusal.value.code == "membership"
    assert fresh(anne).status == Status.WAITLISTED
    # Bruno, of the same structure, is not eligible either: nobody is offered the place.
    assert fresh(bruno).status == Status.WAITLISTED


def test_an_offer_to_someone_detached_from_the_structure_is_refused_and_closed(
    training, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    person = anne.user
    person.structure = None
    person.save(update_fields=["structure"])
    with (
        at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)),
        pytest.raises(RuleViolation, match="plus rattaché·e") as refusal,
    ):
        services.accept_offer(offer_of(anne), by=person)
    assert refusal.value.code == "attachment"
    anne = fresh(anne)
    assert (anne.status, anne.counted_in_quota) == (Status.CANCELLED, False)
    assert fresh(bruno).status == Status.OFFERED


def test_the_employer_may_refuse_an_offered_request(
    training, member_structure, django_capture_on_commit_callbacks
):
    _session, holder, anne, bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    with at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)):
        services.refuse(fresh(anne), by=member_structure.approver, reason="Pas cette semaine")
    assert fresh(anne).status == Status.REFUSED
    assert offer_of(anne).status == Offer.Status.WITHDRAWN
    assert fresh(bruno).status == Status.OFFERED


def test_an_offered_place_counts_in_no_quota(training, django_capture_on_commit_callbacks):
    _session, holder, anne, _bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    assert fresh(anne).status == Status.OFFERED
    assert quota_use(anne.user_id, 2027).member_only == 0


def test_the_hourly_lapse_at_the_deadline_ends_a_running_offer(
    webinar, django_capture_on_commit_callbacks
):
    """Found by the model-based test: the deadline's task alone must see an offered request."""
    _session, holder, anne, bruno = webinar
    free_the_place(
        holder, dt.datetime(2027, 4, 1, 20, 0, tzinfo=PARIS), django_capture_on_commit_callbacks
    )
    with at(DEADLINE):
        lapse_overdue_requests()
    assert (fresh(anne).status, fresh(bruno).status) == (Status.LAPSED, Status.LAPSED)
    assert offer_of(anne).status == Offer.Status.EXPIRED


def test_the_employer_may_pre_approve_an_offered_request(
    training, member_structure, django_capture_on_commit_callbacks
):
    """The Employer Space lists it to decide; accepted then, the place skips their step."""
    _session, holder, anne, _bruno = training
    free_the_place(holder, SEVEN_DAYS_BEFORE + MINUTE, django_capture_on_commit_callbacks)
    assert is_to_decide(fresh(anne))
    with at(SEVEN_DAYS_BEFORE + dt.timedelta(hours=1)):
        services.approve(fresh(anne), by=member_structure.approver)
        assert fresh(anne).status == Status.OFFERED
        services.accept_offer(offer_of(anne), by=anne.user)
    assert fresh(anne).status == Status.PENDING_PROVIDER
