"""The financer's view as a table for a spreadsheet: one row per group and the total, every
figure of the page and the satisfaction by group (CSV through `web.csvsafe`, `exports`)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from web.operations.pilotage import Pilotage, Row


def _decimal(value, decimals: int = 1):
    """A decimal as French spreadsheets read it (« 4,5 »), or "" when there is none."""
    if value is None:
        return ""
    return formats.number_format(value, decimals, use_l10n=True)


def _cells(row: Row) -> list:
    hot, cold, employer = row.satisfaction.kinds
    return [
        row.label,
        row.sessions,
        row.offered,
        row.taken,
        "" if row.fill_rate is None else row.fill_rate,
        row.requests,
        row.people,
        row.waitlisted,
        _decimal(row.pressure, 2),
        row.late_withdrawals,
        row.no_shows,
        row.offers_made,
        row.places_saved,
        row.offers_declined,
        row.offers_expired,
        row.participants,
        _decimal(row.structures),
        _decimal(row.departments),
        row.poor_mix,
        hot.sent,
        hot.answers,
        *(
            _decimal(hot.mean(item))
            for item in ("objectives", "content", "trainer", "organisation")
        ),
        cold.sent,
        cold.answers,
        _decimal(cold.mean("impact")),
        employer.sent,
        employer.answers,
        _decimal(employer.mean("impact")),
    ]


def table(board: Pilotage, by: str) -> tuple[list[str], list[list]]:
    header = [
        by.capitalize(),
        _("Sessions"),
        _("Places offertes"),
        _("Places prises"),
        _("Remplissage (%)"),
        _("Demandes"),
        _("Personnes"),
        _("Demandes passées par la liste d'attente"),
        _("Liste d'attente par place offerte"),
        _("Désistements tardifs"),
        _("Absences"),
        _("Places libérées tardivement, proposées"),
        _("Places sauvées (propositions acceptées)"),
        _("Propositions déclinées"),
        _("Propositions expirées"),
        _("Participants"),
        _("Structures par session (moyenne)"),
        _("Départements par session (moyenne)"),
        _("Sessions à la mixité faible"),
        _("Questionnaires à chaud envoyés"),
        _("Réponses à chaud"),
        _("Objectifs atteints (sur 5)"),
        _("Contenu (sur 5)"),
        _("Intervenant·e (sur 5)"),
        _("Organisation (sur 5)"),
        _("Questionnaires à froid envoyés"),
        _("Réponses à froid"),
        _("Effet sur la pratique (sur 5)"),
        _("Questionnaires employeurs envoyés"),
        _("Réponses des employeurs"),
        _("Effet observé par les employeurs (sur 5)"),
    ]
    return header, [_cells(row) for row in [*board.rows, board.total]]
