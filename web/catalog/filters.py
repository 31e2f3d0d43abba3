"""The catalogue's search form (django-filter); the query itself is built by the selector."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog import selectors
from catalog.models import Action, ActionKind, Session, Theme
from common.choices import Department

AUDIENCE_CHOICES = [
    (selectors.AUDIENCE_MEMBERS, _("Réservé aux adhérents")),
    (selectors.AUDIENCE_ALL, _("Ouvert à tous")),
]
SORT_CHOICES = [("date", _("Prochaine session")), ("title", _("Titre (A → Z)"))]


class CatalogueFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("du"), cleaned.get("au")
        if date_from and date_to and date_from > date_to:
            self.add_error("au", _("La date de fin doit être postérieure à la date de début."))
        return cleaned


def _noop(queryset, name, value):
    return queryset


class CatalogueFilterSet(django_filters.FilterSet):
    """Fields of the GET form; invalid values are reported in French and then ignored."""

    q = django_filters.CharFilter(label=_("Mots-clés"), method=_noop, max_length=200, strip=True)
    kind = django_filters.ChoiceFilter(
        label=_("Type d'action"),
        choices=ActionKind.choices,
        method=_noop,
        empty_label=_("Tous les types"),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Thématique"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        method=_noop,
        empty_label=_("Toutes les thématiques"),
    )
    department = django_filters.ChoiceFilter(
        label=_("Département"),
        choices=Department.choices,
        method=_noop,
        empty_label=_("Tous les départements"),
    )
    format = django_filters.ChoiceFilter(
        label=_("Format"),
        choices=Session.Format.choices,
        method=_noop,
        empty_label=_("Présentiel et à distance"),
    )
    audience = django_filters.ChoiceFilter(
        label=_("Public"),
        choices=AUDIENCE_CHOICES,
        method=_noop,
        empty_label=_("Tous les publics"),
    )
    du = django_filters.DateFilter(
        label=_("Du"), method=_noop, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = django_filters.DateFilter(
        label=_("Au"), method=_noop, widget=forms.DateInput(attrs={"type": "date"})
    )
    places = django_filters.BooleanFilter(
        label=_("Seulement les sessions avec des places disponibles"),
        method=_noop,
        widget=forms.CheckboxInput,
    )
    tri = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=SORT_CHOICES, method=_noop, empty_label=None
    )

    class Meta:
        model = Action
        fields: list[str] = []
        form = CatalogueFilterForm

    def criteria(self) -> selectors.CatalogueCriteria:
        """The valid part of the form, as the selector's criteria."""
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        theme = data.get("theme")
        return selectors.CatalogueCriteria(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            theme_id=theme.pk if theme else None,
            department=data.get("department") or "",
            format=data.get("format") or "",
            audience=data.get("audience") or "",
            date_from=data.get("du"),
            date_to=data.get("au"),
            places_only=bool(data.get("places")),
            sort=data.get("tri") or "date",
        )

    def active_filters(self) -> int:
        """How many criteria other than the keywords and the order restrict the results."""
        criteria = self.criteria()
        return sum(
            bool(value)
            for value in (
                criteria.kind,
                criteria.theme_id,
                criteria.department,
                criteria.format,
                criteria.audience,
                criteria.date_from,
                criteria.date_to,
                criteria.places_only,
            )
        )

    def filter_queryset(self, queryset):
        return selectors.catalogue_actions(self.criteria())
