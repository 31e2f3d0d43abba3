"""Reads of the Employer Space: permission-checking getters and the page's data (its
tables are `employer_requests`).

Every read goes through the structures the user approves for, so that another structure's
requests answer 404. The page is built in a fixed number of queries, whatever the number of
requests, employees or events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from catalog.models import MEMBER_ONLY_KINDS, ActionKind
from employers.models import ApproverInvitation, Membership, Structure
from employers.selectors import StructureDetails, structure_details

from .models import Registration, RegistrationStatus
from .selectors import QuotaUse, counted_in_quota_q

Status = RegistrationStatus


# --- permission-checking getters ----------------------------------------------------------------


def approved_structures(user) -> list[Structure]:
    """The structures `user` decides for, by name (their memberships, approvers and
    invitations: `employer_space`, from the shared cache)."""
    if not user.is_authenticated:
        return []
    return list(Structure.objects.filter(approvers=user).order_by("name", "pk"))


def structure_for_approver_or_404(user, structure_id) -> Structure:
    """A structure `user` approves for; any other answers 404."""
    return get_object_or_404(Structure, pk=structure_id, approvers=user)


def structure_for_export_or_404(user, structure_id) -> Structure:
    """A structure whose requests `user` may export: one they approve for; staff, any."""
    structures = (
        Structure.objects.all() if user.is_staff else Structure.objects.filter(approvers=user)
    )
    return get_object_or_404(structures, pk=structure_id)


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
    """Requests waiting for the employer: pending, or waitlisted (or offered a place freed
    late) member-only requests not yet pre-approved (the approver may pre-approve them)."""
    return Q(status=Status.PENDING_EMPLOYER) | Q(
        status__in=[Status.WAITLISTED, Status.OFFERED],
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
            # A range per year rather than EXTRACT(year) IN (…), which the planner cannot
            # estimate (it then loops over the catalogue's sessions).
            reduce(or_, (Q(session__starts_at__year=year) for year in {y for _, y in pairs})),
            user_id__in={user_id for user_id, _ in pairs},
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


def to_decide_counts(structures) -> dict[tuple[int, int | None], int]:
    """How many requests wait for a decision, per (structure id, user id)."""
    return {
        (structure_id, user_id): n
        for structure_id, user_id, n in Registration.objects.filter(
            to_decide_q(), structure__in=structures
        )
        .values_list("structure_id", "user_id")
        .annotate(n=Count("pk"))
        .order_by()
    }


@dataclass
class StructureSpace:
    """What the Employer Space shows for one structure besides the requests table."""

    structure: Structure
    year: int
    details: StructureDetails = field(default_factory=StructureDetails)
    requests_total: int = 0
    employees: list[User] = field(default_factory=list)

    @property
    def memberships(self) -> list[Membership]:
        return self.details.memberships

    @property
    def approvers(self) -> list[User]:
        return self.details.approvers

    @property
    def invitations(self) -> list[ApproverInvitation]:
        return self.details.invitations

    @property
    def current_membership(self) -> Membership | None:
        return next((m for m in self.memberships if m.year == self.year), None)


def employer_space(
    structures: list[Structure], people: list[User], *, rows=(), counts=None
) -> list[StructureSpace]:
    """One StructureSpace per structure of `structures` (those the user approves for): its
    number of requests to decide (`counts`: `to_decide_counts`, read here when not given),
    its employees among `people` (each with `quota`, this year's R6 use, and `to_decide`,
    their requests waiting for a decision), its memberships, approvers and pending
    invitations (`structure_details`, cached); each of `rows` (the requests shown) gets
    `quota`, its owner's R6 use in the session's year (None once anonymised). One query
    when the structures' details are cached, whatever the number of requests."""
    year = timezone.localdate().year
    details = structure_details(structures)
    spaces = {
        s.pk: StructureSpace(structure=s, year=year, details=details[s.pk]) for s in structures
    }
    if counts is None:
        counts = to_decide_counts(structures)
    for (structure_id, _user_id), n in counts.items():
        spaces[structure_id].requests_total += n
    employees = [person for person in people if person.structure_id in spaces]
    uses = quota_uses(
        {(employee.pk, year) for employee in employees}
        | {(row.user_id, session_year(row)) for row in rows if row.user_id}
    )
    for row in rows:
        row.quota = uses.get((row.user_id, session_year(row)))
    for employee in employees:
        employee.quota = uses[(employee.pk, year)]
        employee.to_decide = counts.get((employee.structure_id, employee.pk), 0)
        spaces[employee.structure_id].employees.append(employee)
    return list(spaces.values())
