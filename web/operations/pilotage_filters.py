"""The financer's view's GET form (django-filter): a year or a range of session starts, a
department, a theme, a provider, a kind of action, and what the figures are broken down by."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ActionKind, Provider, Session, Theme
from common.choices import Department
from web.forms import PageForm

FIRST_YEAR = 2024  # the platform's first programme year
GROUPS = {
    "department": _("Département de la session"),
    "theme": _("Thématique"),
    "provider": _("Prestataire"),
    "kind": _("Type d'action"),
    "month": _("Mois"),
}
DEFAULT_GROUP = "department"


def _noop(queryset, name, value):
    return queryset


class PilotageForm(PageForm):
    required_css_class = ""


class PilotageFilterSet(django_filters.FilterSet):
    """Filters the sessions whose figures are counted. Without a year, a start or an end in
    the query string, the current calendar year is shown."""

    year = django_filters.ChoiceFilter(
        field_name="starts_at",
        lookup_expr="year",
        label=_("Année"),
        empty_label=_("Toutes (ou les dates ci-dessous)"),
    )
    start = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        label=_("Sessions commençant à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        label=_("et jusqu'au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    department = django_filters.ChoiceFilter(
        field_name="department",
        choices=Department.choices,
        label=_("Département"),
        empty_label=_("Tous les départements"),
    )
    theme = django_filters.ModelChoiceFilter(
        field_name="action__theme",
        queryset=Theme.objects.order_by("name"),
        label=_("Thématique"),
        empty_label=_("Toutes les thématiques"),
    )
    provider = django_filters.ModelChoiceFilter(
        field_name="action__provider",
        queryset=Provider.objects.order_by("name"),
        label=_("Prestataire"),
        empty_label=_("Tous les prestataires"),
    )
    kind = django_filters.ChoiceFilter(
        field_name="action__kind",
        choices=ActionKind.choices,
        label=_("Type d'action"),
        empty_label=_("Tous les types"),
    )
    group = django_filters.ChoiceFilter(
        method=_noop, choices=list(GROUPS.items()), label=_("Ventiler par"), empty_label=None
    )

    class Meta:
        model = Session
        fields: list[str] = []
        form = PilotageForm

    def __init__(self, data=None, *, now=None):
        data = data.copy() if data is not None else {}
        this_year = timezone.localtime(now).year
        if not any(data.get(name) is not None for name in ("year", "start", "end")):
            data["year"] = str(this_year)
        data.setdefault("group", DEFAULT_GROUP)
        super().__init__(data, queryset=Session.objects.all())
        self.filters["year"].extra["choices"] = [
            (str(year), str(year)) for year in range(this_year + 1, FIRST_YEAR - 1, -1)
        ]

    @property
    def breakdown(self) -> str:
        self.form.is_valid()
        group = getattr(self.form, "cleaned_data", {}).get("group")
        return group if group in GROUPS else DEFAULT_GROUP

    def period(self) -> dict:
        """The valid period criteria, to say in words what the figures cover."""
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        return {name: data.get(name) for name in ("year", "start", "end")}
