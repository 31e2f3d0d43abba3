"""The oracle of the model-based test: the rules of DESIGN.md computed from the rows.

It reads registrations, sessions and memberships with plain queries and never calls the
services' helpers (nor imports their constants), so that it catches their mistakes. Each
`check_*` function is one invariant and says, when it fails, what broke and where.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied

from catalog.models import Session
from employers.models import Membership
from enrollment import services
from enrollment.models import Offer, Registration, RegistrationEvent
from enrollment.rules import RuleViolation

# --- the oracle's own reading of DESIGN.md (no import of the services' constants) -------------

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# An offered place (the late release, DESIGN.md turn 3) is held, and counts in no quota.
HOLDING = frozenset({"offered", "pending_employer", "pending_provider", "confirmed"})
COUNTED = (HOLDING - {"offered"}) | {"attended", "absent"}
WAITING = frozenset({"pending_employer", "waitlisted", "offered"})
CANCELLABLE = HOLDING | {"waitlisted"}
MEMBER_ONLY_KINDS = frozenset(
    {"training", "tutored_self_training", "practice_workshop", "discovery_module"}
)
STRUCTURE_CAP = 2
MEMBER_ONLY_QUOTA = 4
TRAINING_QUOTA = 3
EXPECTED_ERRORS = (RuleViolation, PermissionDenied)


def wall_days_before(instant: dt.datetime, days: int) -> dt.datetime:
    """`days` days before `instant` at the same Europe/Paris wall-clock time (Decisions, Days):
    arithmetic on an aware datetime of a ZoneInfo zone is wall-clock arithmetic."""
    return instant.astimezone(PARIS) - dt.timedelta(days=days)


def release_days() -> int:
    return settings.STRUCTURE_CAP_RELEASE_DAYS


def late_days() -> int:
    return settings.LATE_CANCELLATION_DAYS


def late_offer_days() -> int:
    return settings.LATE_OFFER_DAYS


# --- a snapshot of the rows the rules speak about ------------------------------------------


@dataclass(frozen=True)
class Req:
    id: int
    user_id: int | None
    session_id: int
    structure_id: int | None
    status: str
    submitted_at: dt.datetime
    counted_in_quota: bool
    named: bool

    @property
    def rank(self):
        return (self.submitted_at, self.id)


@dataclass(frozen=True)
class Sess:
    id: int
    label: str
    kind: str
    capacity: int
    starts_at: dt.datetime
    deadline: dt.datetime
    cancelled: bool
    cap_released_at: dt.datetime | None

    @property
    def member_only(self) -> bool:
        return self.kind in MEMBER_ONLY_KINDS

    @property
    def year(self) -> int:
        return self.starts_at.astimezone(PARIS).year

    @property
    def release(self) -> dt.datetime:
        return wall_days_before(self.starts_at, release_days())

    @property
    def late(self) -> dt.datetime:
        return wall_days_before(self.starts_at, late_days())

    @property
    def late_offer(self) -> dt.datetime:
        """From this instant (excluded), a freed place is offered, not given."""
        return wall_days_before(self.starts_at, late_offer_days())

    def is_open(self, now) -> bool:
        return not self.cancelled and now < self.deadline and now < self.starts_at

    def cap_released(self, now) -> bool:
        return now >= self.release


@dataclass(frozen=True)
class Off:
    id: int
    registration_id: int
    session_id: int
    status: str
    made_at: dt.datetime
    expires_at: dt.datetime


@dataclass
class State:
    now: dt.datetime
    reqs: dict[int, Req]
    sessions: dict[int, Sess]
    memberships: frozenset[tuple[int, int]]
    names: dict[int, str]
    structures: dict[int, str]
    offers: dict[int, Off] = field(default_factory=dict)
    by_session: dict[int, list[Req]] = field(default_factory=dict)
    counted: dict[tuple[int, int], set[int]] = field(default_factory=dict)

    def __post_init__(self):
        by_session = defaultdict(list)
        counted = defaultdict(set)
        for req in sorted(self.reqs.values(), key=lambda r: r.rank):
            by_session[req.session_id].append(req)
            session = self.sessions[req.session_id]
            is_counted = req.status in COUNTED or (
                req.status == "cancelled" and req.counted_in_quota
            )
            if req.user_id is not None and session.member_only and is_counted:
                counted[(req.user_id, session.year)].add(session.id)
        self.by_session = dict(by_session)
        self.counted = dict(counted)

    def of_session(self, session_id: int) -> list[Req]:
        return self.by_session.get(session_id, [])

    def holders(self, session_id: int) -> list[Req]:
        return [r for r in self.of_session(session_id) if r.status in HOLDING]

    def holder_ids(self, session_id: int) -> frozenset[int]:
        return frozenset(r.id for r in self.holders(session_id))

    def waitlist(self, session_id: int) -> list[Req]:
        return [r for r in self.of_session(session_id) if r.status == "waitlisted"]

    def counted_sessions(self, user_id: int, year: int) -> set[int]:
        return self.counted.get((user_id, year), set())

    def describe(self, req: Req) -> str:
        who = self.names.get(req.user_id, "compte supprimé") if req.user_id else "sans titulaire"
        where = self.structures.get(req.structure_id, "-")
        return f"#{req.id} {who} ({where}, {req.status})"

    def describe_all(self, reqs) -> str:
        return ", ".join(self.describe(r) for r in reqs) or "none"


def read_state(now, labels, names, structures) -> State:
    """The rows the invariants need, read with plain queries."""
    sessions = {
        row["id"]: Sess(
            id=row["id"],
            label=labels.get(row["id"], f"session {row['id']}"),
            kind=row["action__kind"],
            capacity=row["capacity"],
            starts_at=row["starts_at"],
            deadline=row["registration_deadline"],
            cancelled=row["status"] == "cancelled",
            cap_released_at=row["cap_released_at"],
        )
        for row in Session.objects.values(
            "id",
            "action__kind",
            "capacity",
            "starts_at",
            "registration_deadline",
            "status",
            "cap_released_at",
        )
    }
    reqs = {
        row["id"]: Req(
            id=row["id"],
            user_id=row["user_id"],
            session_id=row["session_id"],
            structure_id=row["structure_id"],
            status=row["status"],
            submitted_at=row["submitted_at"],
            counted_in_quota=row["counted_in_quota"],
            named=bool(row["first_name"] or row["last_name"] or row["email"]),
        )
        for row in Registration.objects.values(
            "id",
            "user_id",
            "session_id",
            "structure_id",
            "status",
            "submitted_at",
            "counted_in_quota",
            "first_name",
            "last_name",
            "email",
        )
    }
    memberships = frozenset(Membership.objects.values_list("structure_id", "year"))
    offers = {
        row[0]: Off(*row)
        for row in Offer.objects.values_list(
            "id", "registration_id", "session_id", "status", "made_at", "expires_at"
        )
    }
    return State(now, reqs, sessions, memberships, names, structures, offers)


def ineligibility(state: State, req: Req, *, ignoring=frozenset()) -> str | None:
    """Why the waitlisted `req` could not take a free place now (R2, R5, R6), or None when it
    could. `ignoring`: holders not counted in the structure cap (the requests being judged)."""
    session = state.sessions[req.session_id]
    if req.user_id is None:
        return "its owner deleted the account"
    if not session.is_open(state.now):
        return "the session is closed"
    if not session.member_only:
        return None
    year = session.year
    if req.structure_id is None or (req.structure_id, year) not in state.memberships:
        return f"the structure is not a member for {year}"
    used = state.counted_sessions(req.user_id, year) - {session.id}
    if len(used) >= MEMBER_ONLY_QUOTA:
        return f"the owner already has {len(used)} member-only sessions in {year}"
    trainings = [s for s in used if state.sessions[s].kind == "training"]
    if session.kind == "training" and len(trainings) >= TRAINING_QUOTA:
        return f"the owner already has {len(trainings)} trainings in {year}"
    if not session.cap_released(state.now):
        colleagues = [
            r
            for r in state.holders(session.id)
            if r.structure_id == req.structure_id and r.id not in ignoring
        ]
        if len(colleagues) >= STRUCTURE_CAP:
            return "2 colleagues hold places and the cap is not released"
    return None


# --- the invariants ---------------------------------------------------------------------------


def check_capacity(state: State) -> None:
    """1. No session has more requests holding a place than places (R7)."""
    for session in state.sessions.values():
        held = state.holders(session.id)
        assert len(held) <= session.capacity, (
            f"Invariant 1 (R7 capacity): {session.label} has {len(held)} requests holding a "
            f"place for {session.capacity} places: {state.describe_all(held)}"
        )


def check_structure_cap(
    before: State | None, after: State, staff_placed: set[int], staff_placed_now: set[int]
) -> None:
    """2. Before the cap release, at most 2 requests of a structure hold places in a member-only
    session, besides those placed by a staff promotion of that named request (R5)."""
    for session in after.sessions.values():
        if not session.member_only or session.cap_released(after.now):
            continue
        by_structure = defaultdict(list)
        for req in after.holders(session.id):
            if req.structure_id is not None:
                by_structure[req.structure_id].append(req)
        for structure_id, held in by_structure.items():
            regular = [r for r in held if r.id not in staff_placed]
            assert len(regular) <= STRUCTURE_CAP, (
                f"Invariant 2 (R5 cap): {len(regular)} requests of "
                f"{after.structures.get(structure_id)} hold places in {session.label} before its "
                f"cap release ({session.release:%Y-%m-%d %H:%M %Z}), none placed by a staff "
                f"promotion: {after.describe_all(regular)}"
            )
            if before is None:
                continue
            placed_now = [
                r
                for r in held
                if r.id not in before.holder_ids(session.id) and r.id not in staff_placed_now
            ]
            by_staff_now = [r for r in held if r.id in staff_placed_now]
            assert not placed_now or len(held) - len(by_staff_now) <= STRUCTURE_CAP, (
                f"Invariant 2 (R5 cap): {after.describe_all(placed_now)} got a place in "
                f"{session.label} before its cap release while colleagues already held 2: "
                f"{after.describe_all(held)} (only a staff promotion of a named request may "
                "override the cap)"
            )


def check_quota(state: State) -> None:
    """3. At most 4 member-only sessions, of which 3 trainings, per person and calendar year of
    the start; a session counts once, however many requests for it (R6, Counted once)."""
    for (user_id, year), session_ids in state.counted.items():
        labels = sorted(state.sessions[s].label for s in session_ids)
        assert len(session_ids) <= MEMBER_ONLY_QUOTA, (
            f"Invariant 3 (R6 quota): {state.names.get(user_id)} has {len(session_ids)} "
            f"member-only sessions counted in {year}: {labels}"
        )
        trainings = sorted(
            state.sessions[s].label for s in session_ids if state.sessions[s].kind == "training"
        )
        assert len(trainings) <= TRAINING_QUOTA, (
            f"Invariant 3 (R6 quota): {state.names.get(user_id)} has {len(trainings)} trainings "
            f"counted in {year}: {trainings}"
        )


def check_quota_refusal(state: State, user_id: int, session_id: int, what: str) -> None:
    """3. A refusal for the quota means the quota is really used up (each session once)."""
    session = state.sessions[session_id]
    used = state.counted_sessions(user_id, session.year) - {session_id}
    trainings = [s for s in used if state.sessions[s].kind == "training"]
    over = len(used) >= MEMBER_ONLY_QUOTA or (
        session.kind == "training" and len(trainings) >= TRAINING_QUOTA
    )
    assert over, (
        f"Invariant 3 (R6 counted once): {what} for {session.label} was refused for the quota, "
        f"but {state.names.get(user_id)} has {len(used)} other member-only sessions counted in "
        f"{session.year} ({len(trainings)} trainings): "
        f"{sorted(state.sessions[s].label for s in used)}"
    )


def check_free_places_go_to_waitlist(state: State, stale: set[int]) -> None:
    """4. No free place in an open session while one of its waitlisted requests is eligible
    (R7, Decisions: Order). `stale`: sessions whose eligibility changed by the clock or a
    membership row only, which no service has touched since (nothing could have run)."""
    for session in state.sessions.values():
        if session.id in stale or not session.is_open(state.now):
            continue
        free = session.capacity - len(state.holders(session.id))
        if free <= 0:
            continue
        for req in state.waitlist(session.id):
            assert ineligibility(state, req) is not None, (
                f"Invariant 4 (R7 order): {session.label} has {free} free place(s) while "
                f"{state.describe(req)} waits and is eligible (holders: "
                f"{state.describe_all(state.holders(session.id))})"
            )


def check_waitlist_order(
    before: State | None, after: State, staff_placed_now: set[int], *, single_service: bool
) -> None:
    """4. A place never goes to a request while an older eligible waitlisted request waits for
    it. Eligible after the step, ignoring the places being judged; after a step of several
    services (tasks, races), also eligible before it, since it may have become eligible only
    after the place was given."""
    if before is None:
        return
    for session in after.sessions.values():
        if not session.is_open(before.now):
            continue
        previously = before.holder_ids(session.id)
        newcomers = [
            r
            for r in after.holders(session.id)
            if r.id not in previously and r.id not in staff_placed_now
        ]
        if not newcomers:
            continue
        newcomer_ids = frozenset(r.id for r in newcomers)
        for req in after.waitlist(session.id):
            old = before.reqs.get(req.id)
            if old is None or old.status != "waitlisted":
                continue
            if ineligibility(after, req, ignoring=newcomer_ids) is not None:
                continue
            if not single_service and ineligibility(before, old) is not None:
                continue
            younger = [n for n in newcomers if n.rank > req.rank]
            assert not younger, (
                f"Invariant 4 (R7 order): in {session.label}, {after.describe_all(younger)} got "
                f"a place while the older {after.describe(req)} was eligible and still waits"
            )


def check_late_approval(session: Sess, req_before: str, error, status_after: str, now) -> None:
    """5. An acceptance at or after the deadline is refused and the request lapses (R9)."""
    assert isinstance(error, RuleViolation), (
        f"Invariant 5 (R9 deadline): approve() of a request {req_before} of {session.label} at "
        f"{now.astimezone(PARIS):%Y-%m-%d %H:%M %Z}, at or after its deadline "
        f"({session.deadline.astimezone(PARIS):%Y-%m-%d %H:%M %Z}), was accepted "
        f"(now {status_after})"
    )
    assert status_after == "lapsed", (
        f"Invariant 5 (R9 deadline): approve() after the deadline of {session.label} was refused "
        f"but the request is still {status_after}, not lapsed"
    )


def check_deadline_lapses(state: State, touched: set[int]) -> None:
    """5. Once a service touched a session after its deadline, none of its requests waits for
    the employer or for a place (R9: whatever the order in which tasks run)."""
    for session_id in touched:
        session = state.sessions[session_id]
        waiting = [r for r in state.of_session(session_id) if r.status in WAITING]
        assert not waiting, (
            f"Invariant 5 (R9 deadline): a service ran on {session.label} after its deadline "
            f"({session.deadline.astimezone(PARIS):%Y-%m-%d %H:%M %Z}) yet "
            f"{state.describe_all(waiting)} still wait"
        )


def check_histories(state: State) -> None:
    """6. Every registration's history is a path of TRANSITIONS from nothing to its status."""
    paths = defaultdict(list)
    for registration_id, from_status, to_status in RegistrationEvent.objects.order_by(
        "registration_id", "at", "id"
    ).values_list("registration_id", "from_status", "to_status"):
        paths[registration_id].append((from_status or None, to_status))
    for req in state.reqs.values():
        path = paths.get(req.id, [])
        current = None
        for from_status, to_status in path:
            assert from_status == current and to_status in services.TRANSITIONS[current], (
                f"Invariant 6 (history): {state.describe(req)} has the history {path}, "
                f"where {from_status} → {to_status} does not follow {current}"
            )
            current = to_status
        assert current == req.status, (
            f"Invariant 6 (history): {state.describe(req)} has the history {path}, which ends "
            f"at {current}"
        )


def check_late_cancellation(session: Sess, status_before: str, counted: bool, now) -> None:
    """8. A cancellation counts in the quota exactly when late (after start − 10 days, Paris
    wall-clock) and the request had been accepted or needed no acceptance (R8)."""
    expected = (
        session.member_only
        and status_before in {"pending_provider", "confirmed"}
        and now > session.late
    )
    assert counted == expected, (
        f"Invariant 8 (R8 late cancellation): cancelling a {status_before} request of "
        f"{session.label} at {now.astimezone(PARIS):%Y-%m-%d %H:%M %Z} (late from "
        f"{session.late:%Y-%m-%d %H:%M %Z}) gave counted_in_quota={counted}, expected {expected}"
    )


def check_deleted_accounts(state: State) -> None:
    """9. A deleted account leaves no live request for an upcoming session and no name."""
    for req in state.reqs.values():
        if req.user_id is not None:
            continue
        session = state.sessions[req.session_id]
        assert not (req.status in CANCELLABLE and state.now < session.starts_at), (
            f"Invariant 9 (personal data): {state.describe(req)} of {session.label} is still "
            "live after its owner's account was deleted"
        )
        assert not req.named, (
            f"Invariant 9 (personal data): {state.describe(req)} of {session.label} keeps its "
            "owner's name or email after the account was deleted"
        )


def check_offers(state: State) -> None:
    """10. Late release: a request is « offered » exactly while it has one running offer,
    made less than LATE_OFFER_DAYS before the start (Paris wall clock) and ending no later
    than the deadline and the start. With invariant 1 (an offered place is held), nobody
    else takes an offered place while its offer runs."""
    running = defaultdict(list)
    for offer in state.offers.values():
        if offer.status == "offered":
            running[offer.registration_id].append(offer)
    for req in state.reqs.values():
        offers = running.get(req.id, [])
        expected = 1 if req.status == "offered" else 0
        assert len(offers) == expected, (
            f"Invariant 10 (late release): {state.describe(req)} has {len(offers)} running "
            f"offers, expected {expected}"
        )
        for offer in offers:
            session = state.sessions[req.session_id]
            assert offer.made_at > session.late_offer, (
                f"Invariant 10 (late release): {state.describe(req)} was offered a place of "
                f"{session.label} at {offer.made_at.astimezone(PARIS):%Y-%m-%d %H:%M %Z}, "
                f"not less than {late_offer_days()} days before the start"
            )
            assert offer.expires_at <= min(session.deadline, session.starts_at), (
                f"Invariant 10 (late release): the offer to {state.describe(req)} runs until "
                f"{offer.expires_at.astimezone(PARIS):%Y-%m-%d %H:%M %Z}, past the deadline "
                f"or the start of {session.label}"
            )


def check_late_release(before: State | None, after: State, staff_placed_now: set[int]) -> None:
    """10. Less than LATE_OFFER_DAYS before the start, a waitlisted request that gets a
    place gets an offer first (never the place silently), staff's promotion of a named
    request excepted; earlier, it gets the place as before, with no offer."""
    if before is None:
        return
    for req in after.reqs.values():
        old = before.reqs.get(req.id)
        if old is None or old.status != "waitlisted" or req.status not in HOLDING:
            continue
        if req.id in staff_placed_now:
            continue
        session = after.sessions[req.session_id]
        late = before.now > session.late_offer or after.now > session.late_offer
        early = after.now <= session.late_offer
        if late and not early:
            assert req.status == "offered", (
                f"Invariant 10 (late release): {after.describe(req)} left the waiting list of "
                f"{session.label} less than {late_offer_days()} days before the start without "
                "an offer"
            )
        elif early:
            assert req.status != "offered", (
                f"Invariant 10 (late release): {after.describe(req)} was offered a place of "
                f"{session.label} more than {late_offer_days()} days before the start"
            )
