"""Reads about structures and their memberships."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Membership, Structure


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
    return set(
        Membership.objects.filter(structure_id=structure_id, year__in=years).values_list(
            "year", flat=True
        )
    )


def members_for_year(year: int) -> QuerySet[Structure]:
    """Structures holding a membership for `year`."""
    return Structure.objects.members_for_year(year)
