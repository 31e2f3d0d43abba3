"""Reads about structures and their memberships."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import Attachment, Membership, Structure


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
    """The requests to join each structure that wait for confirmation, oldest first."""
    by_structure: dict[int, list] = {pk: [] for pk in structure_ids}
    pending = (
        Attachment.objects.pending()
        .filter(structure_id__in=by_structure)
        .select_related("user")
        .order_by("requested_at", "pk")
    )
    for attachment in pending:
        by_structure[attachment.structure_id].append(attachment)
    return by_structure


def attached_people(structure_ids) -> dict[int, list]:
    """The people attached to each structure (its employees, its approvers among them)."""
    by_structure: dict[int, list] = {pk: [] for pk in structure_ids}
    people = (
        get_user_model()
        .objects.filter(structure_id__in=by_structure)
        .order_by("last_name", "first_name", "pk")
    )
    for person in people:
        by_structure[person.structure_id].append(person)
    return by_structure
