"""The catalogue's search form; the query itself is built by the selector."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog import selectors
from catalog.models import ActionKind, Session, Theme
from common.choices import Department

AUDIENCE_CHOICES = [
    (selectors.AUDIENCE_MEMBERS, _("Réservé aux adhérents")),
    (selectors.AUDIENCE_ALL, _("Ouvert à tous")),
]
SORT_CHOICES = [("date", _("Prochaine session")), ("title", _("Titre (A → Z)"))]


class CatalogueForm(forms.Form):
    """The catalogue's GET form: invalid values are reported in French and then ignored. It
    filters nothing itself: its valid part becomes the selector's criteria
    (`selectors.catalogue_actions`), which the cached listing is keyed by."""

    q = forms.CharField(label=_("Mots-clés"), required=False, max_length=200, strip=True)
    kind = forms.ChoiceField(
        label=_("Type d'action"),
        choices=[("", _("Tous les types")), *ActionKind.choices],
        required=False,
    )
    theme = forms.ModelChoiceField(
        label=_("Thématique"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les thématiques"),
    )
    department = forms.ChoiceField(
        label=_("Département"),
        choices=[("", _("Tous les départements")), *Department.choices],
        required=False,
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Présentiel et à distance")), *Session.Format.choices],
        required=False,
    )
    audience = forms.ChoiceField(
        label=_("Public"),
        choices=[("", _("Tous les publics")), *AUDIENCE_CHOICES],
        required=False,
    )
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    places = forms.BooleanField(
        label=_("Seulement les sessions avec des places disponibles"), required=False
    )
    tri = forms.ChoiceField(label=_("Trier par"), choices=SORT_CHOICES, required=False)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("du"), cleaned.get("au")
        if date_from and date_to and date_from > date_to:
            self.add_error("au", _("La date de fin doit être postérieure à la date de début."))
        return cleaned

    def criteria(self) -> selectors.CatalogueCriteria:
        """The valid part of the form, as the selector's criteria."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
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

    def actions(self):
        """The actions the search lists (the selector's query for the valid criteria)."""
        return selectors.catalogue_actions(self.criteria())
