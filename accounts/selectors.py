"""Reads for accounts: finding the structure a professional works for."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from common.identifiers import digits_typed, is_digits, siret_in_text
from employers.models import Structure

SEARCH_LIMIT = 10


def structure_label(structure: Structure) -> str:
    """The text shown in suggestions and put back in the search field: name and SIRET."""
    return f"{structure.name} (SIRET {structure.siret})"


def selectable_structures() -> QuerySet[Structure]:
    """Structures a professional may pick: validated ones, except independents' one-person
    structures that already have their professional."""
    return (
        Structure.objects.validated()
        .exclude(kind=Structure.Kind.INDEPENDENT, employees__isnull=False)
        .distinct()
        .order_by("name", "siret")
    )


def search_structures(query: str, *, limit: int = SEARCH_LIMIT) -> list[Structure]:
    """Selectable structures whose name contains `query` or whose SIRET starts with it."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    siret = siret_in_text(query)
    if siret:
        return list(selectable_structures().filter(siret=siret)[:limit])
    digits = digits_typed(query)
    condition = Q(name__icontains=query)
    if is_digits(digits):
        condition |= Q(siret__startswith=digits)
    return list(selectable_structures().filter(condition)[:limit])


@dataclass
class StructureLookup:
    """The outcome of resolving the text typed in the « nom ou SIRET » field."""

    structure: Structure | None = None
    candidates: list[Structure] = field(default_factory=list)
    searched_siret: str | None = None


def resolve_structure(query: str, *, current: Structure | None = None) -> StructureLookup:
    """Find the one structure meant by `query`: an exact SIRET, an exact name, or the only
    name containing it. `current` (the user's structure) matches even while it awaits
    validation, so that a profile can be saved unchanged."""
    query = (query or "").strip()
    siret = siret_in_text(query)
    if siret:
        if current is not None and current.siret == siret:
            return StructureLookup(structure=current, searched_siret=siret)
        found = selectable_structures().filter(siret=siret).first()
        return StructureLookup(structure=found, searched_siret=siret)
    if current is not None and current.name.casefold() == query.casefold():
        return StructureLookup(structure=current)
    exact = list(selectable_structures().filter(name__iexact=query)[:2])
    if len(exact) == 1:
        return StructureLookup(structure=exact[0])
    if len(exact) > 1:
        return StructureLookup(candidates=list(selectable_structures().filter(name__iexact=query)))
    matches = list(selectable_structures().filter(name__icontains=query)[: SEARCH_LIMIT + 1])
    if len(matches) == 1:
        return StructureLookup(structure=matches[0])
    return StructureLookup(candidates=matches)
