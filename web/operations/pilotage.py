"""The financer's view of « Pilotage » (issue 28): what the programme achieved over the
sessions a `PilotageFilterSet` selects, in total and broken down by one dimension.

Every figure is counted by the database, in a fixed number of grouped queries whatever the
number of sessions (tests/surveys/test_pilotage_scale.py): sessions and places, requests
and what became of them, the history of the requests (waiting list, late releases), the
questionnaires, each session's mix, and the participants' profiles. Python only merges the
groups' rows (a dozen departments, themes or months), never the data's. Definitions, as the
page says them:

- places offered: the capacity of the sessions not cancelled; places taken: their requests
  holding a place or done (awaiting the employer or the provider, confirmed, present,
  absent); fill rate = taken / offered;
- waiting-list pressure: requests that went on the waiting list (at any time), per place;
- late withdrawals: withdrawals counted in the quota (R8); no-shows: participants marked
  absent;
- late release (DESIGN.md, turn 3): the offers made of places freed less than
  `LATE_OFFER_DAYS` before the start, and what became of them: places saved (offers
  accepted), declined, expired (no answer, or the employer's too late);
- satisfaction: means of the answers (1 to 5), none on fewer than
  `SURVEY_PRIVACY_THRESHOLD` answers;
- mix (Q9): participants (confirmed, then present) per session, their distinct structures,
  and the sessions whose mix is poor (`surveys.rules.poor_mix_reasons`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _

from catalog.models import ActionKind, Session
from common.choices import (
    QUOTA_STATUSES,
    Department,
    EmploymentStatus,
    FieldOfActivity,
    RegistrationStatus,
)
from enrollment.models import Offer, Registration, RegistrationEvent
from enrollment.rules import PROGRAMME_TIMEZONE
from surveys import mix
from surveys.models import Survey
from surveys.rules import MIX_STATUSES, rounded
from surveys.selectors import Satisfaction, satisfaction_aggregates, satisfaction_of

Status = RegistrationStatus
TOTAL = "total"


def _key(group: str, prefix: str) -> dict:
    """The group's key (and, for a row of another table, its name) seen from a model whose
    path to the session is `prefix`."""
    if group == "month":
        return {"key": TruncMonth(f"{prefix}starts_at", tzinfo=PROGRAMME_TIMEZONE)}
    if group in ("theme", "provider"):
        return {
            "key": F(f"{prefix}action__{group}_id"),
            "name": F(f"{prefix}action__{group}__name"),
        }
    if group == "kind":
        return {"key": F(f"{prefix}action__kind")}
    return {"key": F(f"{prefix}department")}


def _label(group: str, key, name: str | None) -> str:
    if group == "month":
        return formats.date_format(key, "F Y").capitalize() if key else ""
    if group == "kind":
        return str(ActionKind(key).label)
    if group == "department":
        return str(Department(key).label) if key else _("À distance ou non précisé")
    return name or ""


def _sort(group: str, key, label: str):
    order = list(ActionKind.values) if group == "kind" else None
    if order is not None:
        return order.index(key)
    if group in ("month", "department"):
        return (not key, key or "")  # remote sessions (no department) last
    return label.casefold()


def _grouped(queryset: QuerySet, group: str, prefix: str, aggregates: dict) -> dict:
    """{key: row} for each group, and {TOTAL: row} for all."""
    keys = _key(group, prefix)
    rows = {row["key"]: row for row in queryset.values(**keys).annotate(**aggregates).order_by()}
    rows[TOTAL] = queryset.aggregate(**aggregates)
    return rows


def _sessions(scope, base, group):
    return {
        **_grouped(
            scope,
            group,
            "",
            {"sessions": Count("pk"), "offered": Sum("capacity")},
        ),
        "cancelled": base.filter(status=Session.Status.CANCELLED).count(),
    }


def _registrations(scope, group):
    return _grouped(
        Registration.objects.filter(session__in=scope),
        group,
        "session__",
        {
            "requests": Count("pk"),
            "people": Count("user", distinct=True),
            "taken": Count("pk", filter=Q(status__in=QUOTA_STATUSES)),
            "late_withdrawals": Count(
                "pk", filter=Q(status=Status.CANCELLED, counted_in_quota=True)
            ),
            "no_shows": Count("pk", filter=Q(status=Status.ABSENT)),
            "present": Count("pk", filter=Q(status=Status.ATTENDED)),
        },
    )


def _history(scope, group):
    return _grouped(
        RegistrationEvent.objects.filter(registration__session__in=scope),
        group,
        "registration__session__",
        {
            "waitlisted": Count(
                "registration", distinct=True, filter=Q(to_status=Status.WAITLISTED)
            ),
        },
    )


def _offers(scope, group):
    """The late release's offers (`enrollment.models.Offer`) and their outcomes."""
    return _grouped(
        Offer.objects.filter(session__in=scope),
        group,
        "session__",
        {
            "offers_made": Count("pk"),
            "places_saved": Count("pk", filter=Q(status=Offer.Status.ACCEPTED)),
            "offers_declined": Count("pk", filter=Q(status=Offer.Status.DECLINED)),
            "offers_expired": Count(
                "pk",
                filter=Q(status__in=[Offer.Status.EXPIRED, Offer.Status.APPROVAL_LAPSED]),
            ),
        },
    )


def _surveys(scope, group):
    return _grouped(
        Survey.objects.filter(session__in=scope), group, "session__", satisfaction_aggregates()
    )


def _mixes(scope, group):
    """The sessions with participants, grouped: each correlated subquery of `with_mix` is
    inlined wherever the aggregates name it, so the total is the groups' sum (every figure
    here adds up) rather than a second pass over the sessions."""
    with_participants = scope.filter(
        Exists(Registration.objects.filter(session=OuterRef("pk"), status__in=MIX_STATUSES))
    )
    rows = {
        row["key"]: row
        for row in mix.with_mix(with_participants)
        .values(**_key(group, ""))
        .annotate(
            participants=Sum("mix_participants"),
            mixed_sessions=Count("pk"),
            structures_sum=Sum("mix_structures"),
            departments_sum=Sum("mix_departments"),
            poor_mix=Count("pk", filter=mix.poor_mix_q()),
        )
        .order_by()
    }
    rows[TOTAL] = {
        name: sum(row[name] or 0 for row in rows.values())
        for name in (
            "participants",
            "mixed_sessions",
            "structures_sum",
            "departments_sum",
            "poor_mix",
        )
    }
    for row in rows.values():
        for name in ("structures", "departments"):
            row[name] = (
                row[f"{name}_sum"] / row["mixed_sessions"] if row["mixed_sessions"] else None
            )
    return rows


@dataclass
class Row:
    """One group's figures (or the total's)."""

    key: object
    label: str
    sessions: int = 0
    offered: int = 0
    requests: int = 0
    people: int = 0
    taken: int = 0
    present: int = 0
    late_withdrawals: int = 0
    no_shows: int = 0
    waitlisted: int = 0
    offers_made: int = 0
    places_saved: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    participants: int = 0
    mixed_sessions: int = 0
    structures: float | None = None
    departments: float | None = None
    poor_mix: int = 0
    satisfaction: Satisfaction | None = None

    @property
    def fill_rate(self) -> int | None:
        """Places taken per place offered, in whole percent."""
        return rounded(100 * self.taken / self.offered) if self.offered else None

    @property
    def pressure(self) -> float | None:
        """Requests that went on the waiting list, per place offered."""
        return rounded(self.waitlisted / self.offered, 2) if self.offered else None

    @property
    def poor_mix_rate(self) -> int | None:
        return rounded(100 * self.poor_mix / self.mixed_sessions) if self.mixed_sessions else None


@dataclass
class Distribution:
    """Participants by one of their characteristics (department, field, status)."""

    title: str
    rows: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(count for _label, count in self.rows)


@dataclass
class Pilotage:
    group: str
    total: Row
    rows: list[Row]
    cancelled: int
    distributions: list[Distribution]


NUMBERS = (
    "sessions",
    "offered",
    "requests",
    "people",
    "taken",
    "present",
    "late_withdrawals",
    "no_shows",
    "waitlisted",
    "offers_made",
    "places_saved",
    "offers_declined",
    "offers_expired",
    "participants",
    "mixed_sessions",
    "poor_mix",
)


def _row(key, label, parts: list[dict]) -> Row:
    values = {}
    for part in parts:
        values.update(part.get(key) or {})
    row = Row(key=key, label=label)
    for name in NUMBERS:
        setattr(row, name, values.get(name) or 0)
    for name in ("structures", "departments"):
        value = values.get(name)
        setattr(row, name, rounded(value, 1))
    row.satisfaction = satisfaction_of(values)
    return row


def _distribution(scope, title: str, expression, labels) -> Distribution:
    counts = (
        Registration.objects.filter(session__in=scope, status__in=MIX_STATUSES)
        .values(value=expression)
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {row["value"] or "": row["n"] for row in counts}
    rows = [(str(label), found.pop(value, 0)) for value, label in labels]
    if found:
        rows.append((_("Non renseigné"), sum(found.values())))
    return Distribution(title=title, rows=rows)


def pilotage(base: QuerySet[Session], group: str) -> Pilotage:
    """The figures of the sessions `base` selects (cancelled ones only counted as such),
    broken down by `group`. Fifteen queries, whatever their number."""
    scope = base.exclude(status=Session.Status.CANCELLED)
    sessions = _sessions(scope, base, group)
    parts = [
        sessions,
        _registrations(scope, group),
        _history(scope, group),
        _offers(scope, group),
        _surveys(scope, group),
        _mixes(scope, group),
    ]
    names = {}
    for part in parts:
        for key, values in part.items():
            if key not in (TOTAL, "cancelled") and isinstance(values, dict):
                names.setdefault(key, values.get("name"))
    rows = [_row(key, _label(group, key, name), parts) for key, name in names.items()]
    rows.sort(key=lambda row: _sort(group, row.key, row.label))
    distributions = [
        _distribution(
            scope,
            _("Participants par département"),
            mix.participant_department(),
            Department.choices,
        ),
        _distribution(
            scope,
            _("Participants par champ d'activité"),
            F("user__field_of_activity"),
            FieldOfActivity.choices,
        ),
        _distribution(
            scope,
            _("Participants par situation professionnelle"),
            F("user__employment_status"),
            EmploymentStatus.choices,
        ),
    ]
    return Pilotage(
        group=group,
        total=_row(TOTAL, _("Total"), parts),
        rows=rows,
        cancelled=sessions["cancelled"],
        distributions=distributions,
    )
