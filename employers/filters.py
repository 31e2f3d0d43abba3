"""The GET forms of the Employer Space's tables (django-filter): who, what, when, which state,
and the order; the queries themselves are `enrollment.employer_requests`'."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ActionKind
from enrollment import employer_requests as tables
from enrollment.models import Registration, RegistrationStatus
from parcourspro.forms import PageForm

# The URL's parameters that a table keeps from one page to the next (filters, order, page).
KEPT = ("status", "employee", "kind", "year", "structure", "sort", "page")

REQUEST_STATUSES = [
    (tables.TO_DECIDE, _("À traiter")),
    (tables.ALL, _("Toutes les demandes")),
    *RegistrationStatus.choices,
]
DECISION_STATUSES = [("", _("Toutes les décisions")), *tables.Decision.choices]


def _noop(queryset, name, value):
    return queryset


class TableFilterForm(PageForm):
    required_css_class = ""


class TableFilterSet(django_filters.FilterSet):
    """Fields of a table's GET form; invalid values are reported in French and then ignored.

    The choices come from the page: `people` (employees and requesters), `years`,
    `structures` (the approver's; the filter is shown when they have several)."""

    sorts: dict = {}
    default_sort = ""

    employee = django_filters.ChoiceFilter(
        label=_("Salarié·e"), method=_noop, empty_label=_("Tous les salariés")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type d'action"),
        choices=ActionKind.choices,
        method=_noop,
        empty_label=_("Tous les types"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Année de la session"), method=_noop, empty_label=_("Toutes les années")
    )
    structure = django_filters.ChoiceFilter(
        label=_("Structure"), method=_noop, empty_label=_("Toutes vos structures")
    )
    sort = django_filters.CharFilter(method=_noop, widget=forms.HiddenInput)

    class Meta:
        model = Registration
        fields: list[str] = []
        form = TableFilterForm

    def __init__(self, data, *, people, years, structures):
        super().__init__(data, queryset=Registration.objects.none())
        self.filters["employee"].extra["choices"] = [
            (str(person.pk), person.get_full_name() or person.email) for person in people
        ]
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in years]
        self.filters["structure"].extra["choices"] = [(str(s.pk), s.name) for s in structures]
        self.several_structures = len(structures) > 1

    def criteria(self) -> tables.Criteria:
        """The valid part of the form, as the selectors' criteria."""
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        sort = data.get("sort") or ""
        return tables.Criteria(
            status=data.get("status") or "",
            employee_id=int(data["employee"]) if data.get("employee") else None,
            kind=data.get("kind") or "",
            year=int(data["year"]) if data.get("year") else None,
            structure_id=int(data["structure"]) if data.get("structure") else None,
            sort=sort if sort.lstrip("-") in self.sorts else self.default_sort,
        )

    def visible_fields(self):
        """The form's fields as the page shows them (the structure only when several)."""
        shown = ["status", "employee", "kind", "year"]
        if self.several_structures:
            shown.append("structure")
        return [self.form[name] for name in shown]


class RequestFilterSet(TableFilterSet):
    sorts = tables.REQUEST_SORTS
    default_sort = tables.REQUEST_DEFAULT_SORT

    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=REQUEST_STATUSES, method=_noop, empty_label=None
    )


class DecisionFilterSet(TableFilterSet):
    sorts = tables.DECISION_SORTS
    default_sort = tables.DECISION_DEFAULT_SORT

    status = django_filters.ChoiceFilter(
        label=_("Décision"), choices=DECISION_STATUSES, method=_noop, empty_label=None
    )
