"""Reads about structures and their memberships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import QuerySet

from .models import ApproverInvitation, Attachment, Membership, Structure

# Memory hygiene only: every key names the structure's version.
DETAILS_TIMEOUT = 24 * 3600


def is_member(structure_id: int | None, year: int) -> bool:
    """Whether the structure holds a membership for the calendar year `year` (Q3)."""
    if structure_id is None:
        return False
    return Membership.objects.filter(structure_id=structure_id, year=year).exists()


def member_years(structure_id: int | None, years: Iterable[int]) -> set[int]:
    """The years among `years` for which the structure is a member, in one query."""
    years = set(years)
    if structure_id is None or not years:
        return set()
    memberships = Membership.objects.filter(structure_id=structure_id, year__in=years)
    return set(memberships.order_by().values_list("year", flat=True))


def members_for_year(year: int) -> QuerySet[Structure]:
    """Structures holding a membership for `year`."""
    return Structure.objects.members_for_year(year)


def attachment_requests(structure_ids) -> dict[int, list]:
    """The requests to join each structure that wait for confirmation, oldest first, with
    what the Employer Space says of each (its date, who asks: name, email, job title) and no
    more: the statement's 25 columns cost more to build and read than the rest of it."""
    by_structure: dict[int, list] = {pk: [] for pk in structure_ids}
    pending = (
        Attachment.objects.pending()
        .filter(structure_id__in=by_structure)
        .select_related("user")
        .only(
            "structure_id",
            "requested_at",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__job_title",
        )
        .order_by("requested_at", "pk")
    )
    for attachment in pending:
        by_structure[attachment.structure_id].append(attachment)
    return by_structure


@dataclass
class StructureDetails:
    """What the Employer Space shows of a structure besides its requests and employees: its
    memberships (newest first), its approvers (by name) and its pending invitations (newest
    first)."""

    memberships: list = field(default_factory=list)
    approvers: list = field(default_factory=list)
    invitations: list = field(default_factory=list)


def _details_key(structure: Structure) -> str:
    return f"employers:structure:{structure.pk}:{structure.version}"


def _read_details(structure_ids) -> dict[int, StructureDetails]:
    details = {pk: StructureDetails() for pk in structure_ids}
    for membership in Membership.objects.filter(structure_id__in=details).order_by("-year"):
        details[membership.structure_id].memberships.append(membership)
    links = (
        Structure.approvers.through.objects.filter(structure_id__in=details)
        .select_related("user")
        .only("structure_id", "user__first_name", "user__last_name", "user__email")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    for link in links:
        details[link.structure_id].approvers.append(link.user)
    invitations = (
        ApproverInvitation.objects.pending()
        .filter(structure_id__in=details)
        .order_by("-created_at", "-pk")
    )
    for invitation in invitations:
        details[invitation.structure_id].invitations.append(invitation)
    return details


def structure_details(structures) -> dict[int, StructureDetails]:
    """`StructureDetails` of each of `structures` (read with their `version`), by structure
    id, from the shared cache under the structure's version: none of it is ever older than
    the structure row read (the database bumps the version in the transaction of each change
    of them, migration employers/0005; a miss reads them after that row). Three queries for
    the structures missing, none when all are cached."""
    keys = {_details_key(structure): structure.pk for structure in structures}
    found = cache.get_many(keys)
    details = {keys[key]: value for key, value in found.items()}
    missing = [pk for key, pk in keys.items() if key not in found]
    if missing:
        read = _read_details(missing)
        details.update(read)
        by_pk = {pk: key for key, pk in keys.items()}
        cache.set_many({by_pk[pk]: read[pk] for pk in missing}, DETAILS_TIMEOUT)
    return details
