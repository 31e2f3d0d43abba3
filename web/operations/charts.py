"""The financer's view in pictures: server-rendered SVG bar charts (pygal: pure Python, no
JavaScript, LGPL, maintained since 2012), each with its data as a table for screen readers
and for whoever wants the exact figures.

A chart is an <img> whose source is its SVG as a data: URL: the page's Content-Security-
Policy forbids inline styles, which an inline <svg> from pygal carries (an image's own
document is not the page's), WeasyPrint draws the same <img> in the PDF report, and the
page needs no second request per chart. The image's `alt` says what the chart shows and
its main figures; the table beside it holds every number.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pygal
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.style import Style

from web.operations.pilotage import Pilotage

WIDTH = 640
# Dark enough for white figures on the bars and for 3:1 against the white background.
COLOURS = ("#00587a", "#9a4d00", "#5b2a86", "#1e6b30", "#8a1538")
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1f",
    foreground_strong="#1b1b1f",
    foreground_subtle="#767676",
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    value_colors=("#ffffff",) * len(COLOURS),
    font_family="'Liberation Sans', Arial, Helvetica, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    legend_font_size=15,
    title_font_size=17,
    no_data_font_size=20,
)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    image: str
    height: int
    header: list[str]
    rows: list[list]


def number(value, decimals: int = 0) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _bars(labels: list[str], series: list[tuple[str, list]], *, maximum=None, decimals=0):
    """A horizontal bar chart, first label on top, as a data: URL and its height."""
    legend = 26 * len(series) if len(series) > 1 else 0
    height = max(180, 80 + legend + len(labels) * (20 * len(series) + 16))
    chart = pygal.HorizontalBar(
        style=STYLE,
        width=WIDTH,
        height=height,
        js=[],
        print_values=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        show_x_guides=True,
        show_y_guides=False,
        truncate_label=-1,
        truncate_legend=-1,
        margin=12,
        range=(0, maximum) if maximum else None,
        # Counts are whole: no axis mark between two (« 0,2 »), a mark per unit at most.
        order_min=0 if decimals == 0 else None,
        y_labels=list(range(0, maximum + 1)) if maximum else None,
        no_data_text=_("Aucune donnée"),
        value_formatter=lambda value: number(value, 0 if float(value).is_integer() else 1),
        formatter=lambda value: number(value, decimals),
    )
    chart.x_labels = list(reversed(labels))
    for name, values in series:
        chart.add(name, list(reversed(values)))
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), height


def _chart(id, title, summary, labels, series, header, rows, **options) -> Chart:
    image, height = _bars(labels, series, **options)
    return Chart(
        id=id, title=title, summary=summary, image=image, height=height, header=header, rows=rows
    )


def places(board: Pilotage, by: str) -> Chart:
    rows = board.rows
    total = board.total
    return _chart(
        "places",
        _("Places offertes et places prises, par %(by)s") % {"by": by},
        _(
            "Diagramme en barres. Au total, %(offered)s places offertes et %(taken)s prises, "
            "soit un remplissage de %(rate)s\u00a0%%. Le détail suit dans le tableau."
        )
        % {
            "offered": number(total.offered),
            "taken": number(total.taken),
            "rate": number(total.fill_rate),
        },
        [row.label for row in rows],
        [
            (_("Places offertes"), [row.offered for row in rows]),
            (_("Places prises"), [row.taken for row in rows]),
        ],
        [by.capitalize(), _("Places offertes"), _("Places prises"), _("Remplissage")],
        [
            [row.label, number(row.offered), number(row.taken), _percent(row.fill_rate)]
            for row in [*rows, total]
        ],
    )


def _percent(value) -> str:
    return "—" if value is None else f"{number(value)}\u00a0%"


def waiting_and_lost(board: Pilotage, by: str) -> Chart:
    rows = board.rows
    total = board.total
    return _chart(
        "pressure",
        _("Liste d'attente, désistements tardifs et absences, par %(by)s") % {"by": by},
        _(
            "Diagramme en barres. Au total, %(waitlisted)s demandes passées par la liste "
            "d'attente (%(pressure)s par place offerte), %(late)s désistements tardifs et "
            "%(absent)s absences. Le détail suit dans le tableau."
        )
        % {
            "waitlisted": number(total.waitlisted),
            "pressure": number(total.pressure, 2),
            "late": number(total.late_withdrawals),
            "absent": number(total.no_shows),
        },
        [row.label for row in rows],
        [
            (_("En liste d'attente"), [row.waitlisted for row in rows]),
            (_("Désistements tardifs"), [row.late_withdrawals for row in rows]),
            (_("Absences"), [row.no_shows for row in rows]),
        ],
        [
            by.capitalize(),
            _("Demandes en liste d'attente"),
            _("par place offerte"),
            _("Désistements tardifs"),
            _("Absences"),
        ],
        [
            [
                row.label,
                number(row.waitlisted),
                number(row.pressure, 2),
                number(row.late_withdrawals),
                number(row.no_shows),
            ]
            for row in [*rows, total]
        ],
    )


def late_release(board: Pilotage, by: str, days: int) -> Chart:
    rows = board.rows
    total = board.total
    return _chart(
        "late-release",
        _("Places libérées moins de %(days)s jours avant le début, par %(by)s")
        % {"days": days, "by": by},
        _(
            "Diagramme en barres. Au total, %(offers)s places libérées tardivement proposées à "
            "la liste d'attente, dont %(saved)s sauvées (proposition acceptée). Le détail suit "
            "dans le tableau."
        )
        % {"offers": number(total.offers_made), "saved": number(total.places_saved)},
        [row.label for row in rows],
        [
            (_("Places proposées"), [row.offers_made for row in rows]),
            (_("Places sauvées"), [row.places_saved for row in rows]),
        ],
        [
            by.capitalize(),
            _("Places proposées"),
            _("Places sauvées"),
            _("Déclinées"),
            _("Expirées"),
        ],
        [
            [
                row.label,
                number(row.offers_made),
                number(row.places_saved),
                number(row.offers_declined),
                number(row.offers_expired),
            ]
            for row in [*rows, total]
        ],
    )


ITEM_LABELS = {
    ("hot", "objectives"): _("À chaud\u00a0: objectifs atteints"),
    ("hot", "content"): _("À chaud\u00a0: contenu"),
    ("hot", "trainer"): _("À chaud\u00a0: intervenant·e"),
    ("hot", "organisation"): _("À chaud\u00a0: organisation"),
    ("cold", "impact"): _("À froid\u00a0: effet sur la pratique"),
    ("employer", "impact"): _("Employeurs\u00a0: effet sur la pratique"),
}


def satisfaction(board: Pilotage, threshold: int) -> Chart:
    scores = board.total.satisfaction
    kinds = {kind.kind: kind for kind in scores.kinds}
    items = [(kinds[kind], item, str(label)) for (kind, item), label in ITEM_LABELS.items()]
    shown = [(label, kind.mean(item)) for kind, item, label in items if kind.mean(item)]
    hot = kinds["hot"]
    return _chart(
        "satisfaction",
        _("Satisfaction, moyenne sur 5"),
        _(
            "Diagramme en barres. %(answers)s réponses au questionnaire à chaud, moyenne "
            "générale %(overall)s sur 5. Les moyennes sur moins de %(threshold)s réponses ne "
            "sont pas montrées. Le détail suit dans le tableau."
        )
        % {
            "answers": number(hot.answers),
            "overall": number(hot.overall, 1),
            "threshold": threshold,
        },
        [label for label, _mean in shown],
        [(_("Moyenne sur 5"), [mean for _label, mean in shown])],
        [_("Question"), _("Réponses"), _("Taux de réponse"), _("Moyenne sur 5")],
        [
            [
                label,
                _("%(answers)s sur %(sent)s")
                % {"answers": number(kind.answers), "sent": number(kind.sent)},
                _percent(kind.response_rate),
                number(kind.mean(item), 1)
                if kind.mean(item) is not None
                else _("non communiqué (moins de %(threshold)s réponses)")
                % {"threshold": threshold}
                if kind.sent
                else "—",
            ]
            for kind, item, label in items
        ],
        maximum=5,
        decimals=1,
    )


def departments(board: Pilotage) -> Chart:
    distribution = board.distributions[0]
    absent = [label for label, count in distribution.rows if not count]
    return _chart(
        "departments",
        _("Participants par département"),
        _(
            "Diagramme en barres. %(total)s participants ; départements sans participant\u00a0: "
            "%(absent)s. Le détail suit dans le tableau."
        )
        % {"total": number(distribution.total), "absent": ", ".join(absent) or _("aucun")},
        [label for label, _count in distribution.rows],
        [(_("Participants"), [count for _label, count in distribution.rows])],
        [_("Département"), _("Participants")],
        [[label, number(count)] for label, count in distribution.rows],
    )


def mixes(board: Pilotage, by: str) -> Chart:
    rows = board.rows
    total = board.total
    return _chart(
        "mix",
        _("Mixité des sessions, par %(by)s") % {"by": by},
        _(
            "Diagramme en barres. %(poor)s sessions sur %(sessions)s à la mixité faible ; "
            "%(structures)s structures différentes par session en moyenne. Le détail suit dans "
            "le tableau."
        )
        % {
            "poor": number(total.poor_mix),
            "sessions": number(total.mixed_sessions),
            "structures": number(total.structures, 1),
        },
        [row.label for row in rows],
        [
            (_("Sessions à la mixité faible"), [row.poor_mix for row in rows]),
            (
                _("Autres sessions avec participants"),
                [row.mixed_sessions - row.poor_mix for row in rows],
            ),
        ],
        [
            by.capitalize(),
            _("Sessions avec participants"),
            _("Structures par session (moyenne)"),
            _("Départements par session (moyenne)"),
            _("Mixité faible"),
        ],
        [
            [
                row.label,
                number(row.mixed_sessions),
                number(row.structures, 1),
                number(row.departments, 1),
                f"{number(row.poor_mix)} ({_percent(row.poor_mix_rate)})",
            ]
            for row in [*rows, total]
        ],
    )
