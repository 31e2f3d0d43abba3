"""Each session's mix (Q9), counted by the database: the participants (confirmed, then
present), their distinct structures, departments, fields of activity and employment
statuses, and how many come from the largest structure.

`with_mix(sessions)` annotates any queryset of sessions (one correlated subquery per
measure, on the registrations' (session, status) index), so that a list of sessions, the
admin's, the dashboard's or a year of them grouped by department, reads its mix in the same
query. `poor_mix_q()` is `rules.poor_mix_reasons` said in SQL, for counting poor sessions
without reading them (tests/surveys/test_mix.py checks that the two agree on its table).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf

from enrollment.models import Registration

from . import rules

MEASURES = ("participants", "structures", "departments", "fields", "statuses", "largest")


def participant_department(prefix: str = ""):
    """A participant's department: where they work, else their structure's (an anonymised
    request keeps its structure)."""
    return Coalesce(
        NullIf(f"{prefix}user__department", Value("")),
        NullIf(f"{prefix}structure__department", Value("")),
    )


def _mix_participants():
    return Registration.objects.filter(
        session=OuterRef("pk"), status__in=rules.MIX_STATUSES
    ).order_by()


def _count(aggregate) -> Coalesce:
    counts = _mix_participants().values("session").annotate(n=aggregate).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def with_mix(sessions: QuerySet) -> QuerySet:
    """`sessions` with `mix_participants`, `mix_structures`, `mix_departments`,
    `mix_fields`, `mix_statuses` and `mix_largest` (participants of the largest structure)."""
    largest = (
        _mix_participants()
        .filter(structure__isnull=False)
        .values("structure")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values("n")[:1]
    )
    return sessions.annotate(
        mix_participants=_count(Count("pk")),
        mix_structures=_count(Count("structure", distinct=True)),
        mix_departments=_count(Count(participant_department(), distinct=True)),
        mix_fields=_count(Count(NullIf("user__field_of_activity", Value("")), distinct=True)),
        mix_statuses=_count(Count(NullIf("user__employment_status", Value("")), distinct=True)),
        mix_largest=Coalesce(Subquery(largest, output_field=IntegerField()), Value(0)),
    )


def thresholds() -> dict:
    return {
        "max_structure_share": settings.MIX_MAX_STRUCTURE_SHARE,
        "min_participants": settings.MIX_MIN_PARTICIPANTS,
        "single_department_from": settings.MIX_SINGLE_DEPARTMENT_FROM,
    }


def poor_mix_q() -> Q:
    """On `with_mix` sessions: `rules.poor_mix_reasons` is not empty."""
    limits = thresholds()
    return Q(
        mix_participants__gte=limits["min_participants"],
        mix_largest__gt=F("mix_participants") * limits["max_structure_share"] / 100.0,
    ) | Q(mix_participants__gte=limits["single_department_from"], mix_departments=1)


@dataclass(frozen=True)
class Mix:
    participants: int
    structures: int
    departments: int
    fields: int
    statuses: int
    largest: int
    reasons: tuple[str, ...]

    @property
    def largest_share(self) -> int:
        """The largest structure's share of the participants, in whole percent."""
        return rules.rounded(100 * self.largest / self.participants) if self.participants else 0

    @property
    def is_poor(self) -> bool:
        return bool(self.reasons)


def mix_of(session) -> Mix:
    """The mix of a session read through `with_mix`, judged by the rule."""
    values = {name: getattr(session, f"mix_{name}") for name in MEASURES}
    reasons = rules.poor_mix_reasons(
        participants=values["participants"],
        largest_structure=values["largest"],
        departments=values["departments"],
        **thresholds(),
    )
    return Mix(**values, reasons=tuple(reasons))
