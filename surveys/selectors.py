"""Reads of the questionnaires: permission-checking getters, the ones a person has to
answer, and the satisfaction aggregates (counted by the database, shown to providers and
employers only from `SURVEY_PRIVACY_THRESHOLD` answers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import Session
from employers.models import Structure

from . import rules
from .models import Survey

Kind = Survey.Kind
SCORE_ITEMS = ("objectives", "content", "trainer", "organisation", "impact")


def _surveys() -> QuerySet[Survey]:
    return Survey.objects.select_related(
        "session__action__provider", "structure", "respondent", "answer"
    )


def survey_by_token_or_404(token: str) -> Survey:
    """The questionnaire of an email's link: whoever holds the token answers it."""
    return get_object_or_404(_surveys(), token=token)


def answerable_by(user) -> Q:
    """Questionnaires `user` answers: their own, and their structures' as an approver."""
    return Q(respondent=user) | Q(kind=Kind.EMPLOYER, structure__approvers=user)


def survey_of_user_or_404(user, pk) -> Survey:
    """A questionnaire of the logged-in person (« Mon espace »); any other answers 404."""
    return get_object_or_404(_surveys().filter(answerable_by(user)).distinct(), pk=pk)


# What « Mon espace » says of a questionnaire to answer (surveys/_to_answer.html), and no
# more: the statement's 43 columns cost more to build and read than the rest of it.
LISTED = ("kind", "closes_at", "session__starts_at", "session__ends_at", "session__action__title")


def to_answer(user, *, now: dt.datetime | None = None, approver: bool = True) -> list[Survey]:
    """The person's questionnaires still open and unanswered, the one closing first first.

    `approver=False` when the caller knows that the person approves for no structure (the
    header's statement of every page says it): only their own questionnaires are read, a
    statement without the structures' subquery nor their columns."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    open_ones = Survey.objects.filter(answered_at__isnull=True, closes_at__gt=now)
    if approver:
        # `answerable_by` with the structures as a subquery: no join to multiply rows, so no
        # DISTINCT; only what « Mon espace » shows is joined.
        approved = Structure.objects.filter(approvers=user).values("pk")
        surveys = (
            open_ones.filter(Q(respondent=user) | Q(kind=Kind.EMPLOYER, structure__in=approved))
            .select_related("session__action", "structure")
            .only(*LISTED, "structure__name")
        )
    else:
        surveys = open_ones.filter(respondent=user).select_related("session__action").only(*LISTED)
    return list(surveys.order_by("closes_at", "pk"))


def may_answer(user, survey: Survey) -> bool:
    if survey.kind == Kind.EMPLOYER:
        return survey.structure.approvers.filter(pk=user.pk).exists()
    return survey.respondent_id == user.pk


# --- aggregates ------------------------------------------------------------------------------


def satisfaction_aggregates(prefix: str = "") -> dict:
    """For `.aggregate()` or `.values(...).annotate()` on surveys (`prefix` = "" ) or on a
    model reaching them (`prefix` = "surveys__"): per kind, questionnaires sent, answers, and
    the mean of each item."""
    aggregates = {}
    for kind in Kind.values:
        of_kind = Q(**{f"{prefix}kind": kind})
        aggregates[f"{kind}_sent"] = Count(f"{prefix}pk", filter=of_kind)
        aggregates[f"{kind}_answers"] = Count(f"{prefix}answer", filter=of_kind)
        for item in rules.ITEMS[kind]:
            aggregates[f"{kind}_{item}"] = Avg(f"{prefix}answer__{item}", filter=of_kind)
    return aggregates


@dataclass(frozen=True)
class KindScores:
    """One kind of questionnaire over a set of sessions."""

    kind: str
    sent: int
    answers: int
    means: dict = field(default_factory=dict)
    threshold: int = 3

    @property
    def label(self) -> str:
        return Kind(self.kind).label

    @property
    def shown(self) -> bool:
        return rules.shows_aggregate(self.answers, threshold=self.threshold)

    @property
    def response_rate(self) -> int | None:
        return rules.rounded(100 * self.answers / self.sent) if self.sent else None

    def mean(self, item: str) -> float | None:
        """The item's mean, to one decimal, or None below the privacy threshold."""
        value = self.means.get(item)
        return rules.rounded(value, 1) if self.shown and value is not None else None

    @property
    def rounded(self) -> dict:
        """Each item's `mean`, for the templates."""
        return {item: self.mean(item) for item in rules.ITEMS[self.kind]}

    @property
    def overall(self) -> float | None:
        """The mean of the items' means (each item weighs the same)."""
        values = [
            float(self.means[item])
            for item in rules.ITEMS[self.kind]
            if self.means.get(item) is not None
        ]
        return rules.rounded(sum(values) / len(values), 1) if self.shown and values else None


@dataclass(frozen=True)
class Satisfaction:
    hot: KindScores
    cold: KindScores
    employer: KindScores

    @property
    def kinds(self) -> list[KindScores]:
        return [self.hot, self.cold, self.employer]


def satisfaction_of(row: dict, threshold: int | None = None) -> Satisfaction:
    """A row of `satisfaction_aggregates()` as `Satisfaction`."""
    if threshold is None:
        threshold = settings.SURVEY_PRIVACY_THRESHOLD
    kinds = {
        kind: KindScores(
            kind=kind,
            sent=row.get(f"{kind}_sent") or 0,
            answers=row.get(f"{kind}_answers") or 0,
            means={item: row.get(f"{kind}_{item}") for item in rules.ITEMS[kind]},
            threshold=threshold,
        )
        for kind in Kind.values
    }
    return Satisfaction(**kinds)


@dataclass(frozen=True)
class SessionSatisfaction:
    session: object
    satisfaction: Satisfaction


def _pooled(overall: dict, rows: list[dict], threshold: int) -> dict:
    """`overall` with each mean pooled from the sessions showing theirs only: a mean over all
    answers, less the shown sessions' own, would give away a session's hidden one."""
    pooled = dict(overall)
    for kind in Kind.values:
        shown = [row for row in rows if (row[f"{kind}_answers"] or 0) >= threshold]
        for item in rules.ITEMS[kind]:
            rated = [row for row in shown if row[f"{kind}_{item}"] is not None]
            weight = sum(row[f"{kind}_answers"] for row in rated)
            pooled[f"{kind}_{item}"] = (
                sum(float(row[f"{kind}_{item}"]) * row[f"{kind}_answers"] for row in rated) / weight
                if weight
                else None
            )
    return pooled


def provider_satisfaction(user) -> tuple[Satisfaction, list[SessionSatisfaction]]:
    """The satisfaction of the sessions of `user`'s providers: over all of them (questionnaires
    and answers counted, means pooled from the sessions that show theirs), and per session
    with questionnaires (most recent first). Three queries; every mean is withheld below the
    privacy threshold."""
    threshold = settings.SURVEY_PRIVACY_THRESHOLD
    surveys = Survey.objects.filter(session__action__provider__users=user)
    rows = list(surveys.values("session").annotate(**satisfaction_aggregates()).order_by())
    overall = surveys.aggregate(**satisfaction_aggregates())
    by_session = {row["session"]: satisfaction_of(row) for row in rows}
    sessions = (
        Session.objects.filter(pk__in=by_session)
        .select_related("action")
        .order_by("-starts_at", "-pk")
    )
    return (
        satisfaction_of(_pooled(overall, rows, threshold)),
        [SessionSatisfaction(s, by_session[s.pk]) for s in sessions],
    )
