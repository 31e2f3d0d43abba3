"""Reads of the Employer Space: permission-checking getters and the page's data.

Every read goes through the structures the user approves for, so that another structure's
requests answer 404. The page is built in a fixed number of queries, whatever the number of
requests, employees or events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from catalog.models import MEMBER_ONLY_KINDS, ActionKind
from employers.models import ApproverInvitation, Membership, Structure

from .models import Registration, RegistrationEvent, RegistrationStatus
from .selectors import QuotaUse, counted_in_quota_q, with_waitlist_positions

Status = RegistrationStatus

HISTORY_LIMIT = 100
REQUESTS_PER_PAGE = 50  # the page stays light with hundreds of pending requests


# --- permission-checking getters ----------------------------------------------------------------


def approved_structures(user) -> list[Structure]:
    """The structures `user` decides for, with their memberships, by name."""
    if not user.is_authenticated:
        return []
    return list(
        Structure.objects.filter(approvers=user)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.order_by("-year")),
            Prefetch("approvers", queryset=User.objects.order_by("last_name", "first_name")),
        )
        .order_by("name", "pk")
    )


def structure_for_approver_or_404(user, structure_id) -> Structure:
    """A structure `user` approves for; any other answers 404."""
    return get_object_or_404(Structure, pk=structure_id, approvers=user)


def _registrations_for_approver(user) -> QuerySet[Registration]:
    return Registration.objects.filter(structure__approvers=user).select_related(
        "session__action", "user", "structure"
    )


def registration_for_approver_or_404(user, registration_id) -> Registration:
    """A request of a structure `user` approves for; anyone else's answers 404."""
    return get_object_or_404(_registrations_for_approver(user), pk=registration_id)


def registrations_for_approver_or_404(user, registration_ids) -> list[Registration]:
    """Several requests, all of structures `user` approves for, else 404 (nothing decided)."""
    ids = set(registration_ids)
    registrations = list(_registrations_for_approver(user).filter(pk__in=ids).order_by("pk"))
    if len(registrations) != len(ids):
        raise Http404("Demande introuvable.")
    return registrations


def invitation_by_token_or_404(token: str) -> ApproverInvitation:
    return get_object_or_404(ApproverInvitation.objects.select_related("structure"), token=token)


# --- the page -----------------------------------------------------------------------------------


def to_decide_q() -> Q:
    """Requests waiting for the employer: pending, or waitlisted member-only requests not yet
    pre-approved (the approver may pre-approve them)."""
    return Q(status=Status.PENDING_EMPLOYER) | Q(
        status=Status.WAITLISTED,
        employer_approved_at__isnull=True,
        session__action__kind__in=MEMBER_ONLY_KINDS,
    )


def session_year(registration: Registration) -> int:
    return timezone.localtime(registration.session.starts_at).year


def quota_uses(pairs) -> dict[tuple[int, int], QuotaUse]:
    """R6 use for each (user id, year) pair, in one query (same count as `quota_use`)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = (
        Registration.objects.filter(
            counted_in_quota_q(),
            user_id__in={user_id for user_id, _ in pairs},
            session__starts_at__year__in={year for _, year in pairs},
            session__action__kind__in=MEMBER_ONLY_KINDS,
        )
        .annotate(year=ExtractYear("session__starts_at"))
        .order_by()
        .values("user_id", "year")
        .annotate(
            # A session counts once however many requests were made for it (R6).
            member_only=Count("session", distinct=True),
            trainings=Count(
                "session", distinct=True, filter=Q(session__action__kind=ActionKind.TRAINING)
            ),
        )
    )
    counted = {(row["user_id"], row["year"]): row for row in rows}
    uses = {}
    for user_id, year in pairs:
        row = counted.get((user_id, year), {})
        uses[(user_id, year)] = QuotaUse(
            year=year,
            member_only=row.get("member_only", 0),
            trainings=row.get("trainings", 0),
        )
    return uses


def requests_to_decide(structures, *, page: int = 1) -> list[Registration]:
    """One page (REQUESTS_PER_PAGE) of the requests of `structures` waiting for a decision,
    oldest first, each with its `quota` (R6 use of the session's year) and
    `waitlist_position`."""
    start = (max(page, 1) - 1) * REQUESTS_PER_PAGE
    requests = with_waitlist_positions(
        Registration.objects.filter(to_decide_q(), structure__in=structures)
        .select_related("session__action", "user", "structure")
        .order_by("submitted_at", "pk")[start : start + REQUESTS_PER_PAGE]
    )
    uses = quota_uses((r.user_id, session_year(r)) for r in requests)
    for registration in requests:
        registration.quota = uses[(registration.user_id, session_year(registration))]
    return requests


def requests_to_decide_counts(structures) -> dict[int, int]:
    """How many requests wait for a decision, per structure id."""
    return dict(
        Registration.objects.filter(to_decide_q(), structure__in=structures)
        .values_list("structure_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def decision_history(structures, *, limit: int = HISTORY_LIMIT) -> list[RegistrationEvent]:
    """Decisions on the requests of `structures`, newest first: those made by one of the
    structure's approvers (acceptance, pre-acceptance, refusal) and lapses at the deadline."""
    by_approver = Structure.approvers.through.objects.filter(
        structure_id=OuterRef("registration__structure_id"), user_id=OuterRef("by_id")
    )
    return list(
        RegistrationEvent.objects.filter(registration__structure__in=structures)
        .filter(
            (Exists(by_approver) & ~Q(by_id=F("registration__user_id")))
            | Q(to_status=Status.LAPSED)
        )
        .select_related("registration__session__action", "registration__user", "by")
        .order_by("-at", "-pk")[:limit]
    )


def employees_of(structures) -> list[User]:
    """The structures' employees, each with `registrations` of this year and next (newest
    session first)."""
    year = timezone.localdate().year
    return list(
        User.objects.filter(structure__in=structures)
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(
                    session__starts_at__year__gte=year, session__starts_at__year__lte=year + 1
                )
                .select_related("session__action")
                .order_by("-session__starts_at", "-pk"),
            )
        )
        .order_by("last_name", "first_name", "email")
    )


def pending_invitations(structures) -> list[ApproverInvitation]:
    return list(
        ApproverInvitation.objects.pending()
        .filter(structure__in=structures)
        .order_by("-created_at", "-pk")
    )


@dataclass
class StructureSpace:
    """What the Employer Space shows for one structure."""

    structure: Structure
    year: int
    requests: list[Registration] = field(default_factory=list)
    requests_total: int = 0
    history: list[RegistrationEvent] = field(default_factory=list)
    employees: list[User] = field(default_factory=list)
    invitations: list[ApproverInvitation] = field(default_factory=list)

    @property
    def memberships(self) -> list[Membership]:
        return list(self.structure.memberships.all())

    @property
    def current_membership(self) -> Membership | None:
        return next((m for m in self.memberships if m.year == self.year), None)


@dataclass
class RequestsPage:
    number: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * REQUESTS_PER_PAGE < self.total

    @property
    def count(self) -> int:
        return max(1, -(-self.total // REQUESTS_PER_PAGE))


def employer_space(user, structures: list[Structure], *, page: int = 1):
    """The Employer Space of `user` for `structures` (those they approve for): one
    StructureSpace per structure, and the page of requests shown."""
    year = timezone.localdate().year
    spaces = {s.pk: StructureSpace(structure=s, year=year) for s in structures}
    counts = requests_to_decide_counts(structures)
    for structure_id, total in counts.items():
        spaces[structure_id].requests_total = total
    pages = RequestsPage(number=1, total=sum(counts.values()))
    pages.number = min(max(page, 1), pages.count)
    for registration in requests_to_decide(structures, page=pages.number):
        registration.is_own = registration.user_id == user.pk
        spaces[registration.structure_id].requests.append(registration)
    for event in decision_history(structures):
        spaces[event.registration.structure_id].history.append(event)
    for employee in employees_of(structures):
        spaces[employee.structure_id].employees.append(employee)
    by_structure = defaultdict(list)
    for invitation in pending_invitations(structures):
        by_structure[invitation.structure_id].append(invitation)
    for structure_id, invitations in by_structure.items():
        spaces[structure_id].invitations = invitations
    return list(spaces.values()), pages
