"""Profile forms: the professional fields asked at signup and edited on the profile page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import User
from accounts.services import PROFILE_FIELDS, StructureProposal
from common.choices import Department, EmploymentStatus, FieldOfActivity
from common.identifiers import MESSAGES as IDENTIFIER_MESSAGES
from common.identifiers import normalize_phone, normalize_siret, validate_phone, validate_siret
from employers.attachments import pending_attachment
from employers.models import Structure

ERRORS = {
    "phone": IDENTIFIER_MESSAGES["phone_format"],
    "structure_missing": _(
        "Indiquez votre structure (son nom ou son SIRET), ou proposez-la ci-dessous si elle "
        "n'est pas dans la liste."
    ),
    "independent_missing": _(
        "Indiquez la structure dont vous dépendez (nom ou SIRET) ou, si vous exercez seul·e, "
        "votre propre SIRET dans « Proposer une structure »."
    ),
    "structure_both": _(
        "Choisissez une structure existante ou proposez-en une nouvelle, mais pas les deux : "
        "videz l'un des deux champs."
    ),
    "structure_not_found": _(
        "Aucune structure validée ne correspond à « %(query)s ». Vérifiez l'orthographe ou le "
        "SIRET, ou proposez votre structure ci-dessous."
    ),
    "siret_not_found": _(
        "Aucune structure validée ne porte le SIRET %(siret)s. Vérifiez-le, ou proposez votre "
        "structure ci-dessous."
    ),
    "structure_ambiguous": _(
        "Plusieurs structures correspondent à « %(query)s » : %(names)s. Saisissez le nom "
        "complet ou le SIRET de la vôtre."
    ),
    "proposal_name": _("Indiquez le nom de la structure que vous proposez."),
    "proposal_siret": _("Indiquez le SIRET de la structure (14 chiffres)."),
    "independent_siret": _("En tant qu'indépendant·e, indiquez votre SIRET (14 chiffres)."),
    "proposal_department": _("Indiquez le département de la structure."),
    "siret_listed": _(
        "Cette structure est déjà référencée : saisissez « %(label)s » dans le champ "
        "« Votre structure » au lieu de la proposer."
    ),
    "siret_taken": _(
        "Ce SIRET est déjà enregistré sur ParcoursPro. Contactez l'équipe du programme "
        "(%(contact)s) pour être rattaché·e à cette structure."
    ),
}

_AMBIGUOUS_SHOWN = 5


def _blank_choice(choices, label):
    return [("", label), *choices]


class ProfileFieldsForm(forms.Form):
    """The professional profile (DESIGN.md, accounts) and the structure it belongs to.

    Employees and independents name a validated structure by its name or SIRET, or propose
    one; an independent working alone proposes their own SIRET. Job seekers have none.
    `profile_data()` gives what `accounts.services` saves."""

    required_css_class = "required"

    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        widget=forms.TextInput({"autocomplete": "tel", "type": "tel"}),
    )
    job_title = forms.CharField(
        label=_("Fonction"),
        max_length=150,
        help_text=_("Par exemple : conseiller·ère en insertion professionnelle."),
        widget=forms.TextInput({"autocomplete": "organization-title"}),
    )
    employment_status = forms.ChoiceField(
        label=_("Votre situation professionnelle"),
        choices=EmploymentStatus.choices,
        widget=forms.RadioSelect({"class": "js-employment-status"}),
    )
    field_of_activity = forms.ChoiceField(
        label=_("Votre champ d'activité"),
        choices=_blank_choice(FieldOfActivity.choices, _("— Choisissez —")),
    )
    department = forms.ChoiceField(
        label=_("Département où vous exercez"),
        choices=_blank_choice(Department.choices, _("— Choisissez —")),
    )
    structure_query = forms.CharField(
        label=_("Votre structure : nom ou SIRET"),
        required=False,
        max_length=200,
        help_text=_(
            "Salarié·e ou indépendant·e rattaché·e à une structure : saisissez son nom ou son "
            "SIRET (14 chiffres). Des suggestions s'affichent pendant la saisie."
        ),
        widget=forms.TextInput(
            {"autocomplete": "off", "class": "js-structure-search", "list": "structure-suggestions"}
        ),
    )
    new_structure_name = forms.CharField(
        label=_("Nom de la structure"),
        required=False,
        max_length=200,
        help_text=_("Indépendant·e : laissez vide pour utiliser vos prénom et nom."),
    )
    new_structure_siret = forms.CharField(
        label=_("SIRET de la structure"),
        required=False,
        max_length=20,
        help_text=_("14 chiffres, espaces acceptés."),
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    new_structure_department = forms.ChoiceField(
        label=_("Département de la structure"),
        required=False,
        choices=_blank_choice(Department.choices, _("— Le même que le vôtre —")),
    )

    def current_structure(self) -> Structure | None:
        """The structure the user already has (none at signup)."""
        return None

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_phone(phone)
        return phone

    def clean_new_structure_siret(self) -> str:
        siret = normalize_siret(self.cleaned_data["new_structure_siret"])
        if siret:
            validate_siret(siret)
        return siret

    def clean(self):
        cleaned = super().clean()
        cleaned["structure"] = None
        cleaned["proposal"] = None
        status = cleaned.get("employment_status")
        if status in (EmploymentStatus.EMPLOYEE, EmploymentStatus.INDEPENDENT):
            self._clean_structure(cleaned, status)
        return cleaned

    def _clean_structure(self, cleaned: dict, status: str) -> None:
        query = (cleaned.get("structure_query") or "").strip()
        name = (cleaned.get("new_structure_name") or "").strip()
        siret = cleaned.get("new_structure_siret") or ""
        proposing = bool(name or siret or self.has_error("new_structure_siret"))
        if query and proposing:
            self.add_error("structure_query", ValidationError(ERRORS["structure_both"]))
        elif query:
            self._resolve_query(cleaned, query)
        elif proposing:
            self._clean_proposal(cleaned, status, name, siret)
        else:
            key = "independent_missing" if status == EmploymentStatus.INDEPENDENT else None
            self.add_error(
                "structure_query",
                ValidationError(ERRORS[key or "structure_missing"], code="structure_missing"),
            )

    def _resolve_query(self, cleaned: dict, query: str) -> None:
        lookup = selectors.resolve_structure(query, current=self.current_structure())
        if lookup.structure is not None:
            cleaned["structure"] = lookup.structure
            return
        if lookup.searched_siret:
            error = ValidationError(
                ERRORS["siret_not_found"], code="not_found", params={"siret": lookup.searched_siret}
            )
        elif lookup.candidates:
            shown = lookup.candidates[:_AMBIGUOUS_SHOWN]
            names = ", ".join(selectors.structure_label(s) for s in shown)
            if len(lookup.candidates) > _AMBIGUOUS_SHOWN:
                names += " …"
            error = ValidationError(
                ERRORS["structure_ambiguous"],
                code="ambiguous",
                params={"query": query, "names": names},
            )
        else:
            error = ValidationError(
                ERRORS["structure_not_found"], code="not_found", params={"query": query}
            )
        self.add_error("structure_query", error)

    def _clean_proposal(self, cleaned: dict, status: str, name: str, siret: str) -> None:
        independent = status == EmploymentStatus.INDEPENDENT
        department = cleaned.get("new_structure_department") or ""
        if not independent and not name:
            self.add_error("new_structure_name", ValidationError(ERRORS["proposal_name"]))
        if not independent and not department:
            self.add_error(
                "new_structure_department", ValidationError(ERRORS["proposal_department"])
            )
        if not siret:
            if not self.has_error("new_structure_siret"):
                key = "independent_siret" if independent else "proposal_siret"
                self.add_error("new_structure_siret", ValidationError(ERRORS[key]))
            return
        existing = Structure.objects.filter(siret=siret).first()
        if existing is not None and existing != self.current_structure():
            joinable = (
                not existing.is_validated
                and not existing.is_independent
                and status == EmploymentStatus.EMPLOYEE
            )
            if not joinable:
                self.add_error("new_structure_siret", self._taken_error(existing))
                return
        if not self.has_error("new_structure_name") and not self.has_error(
            "new_structure_department"
        ):
            cleaned["proposal"] = StructureProposal(
                name=name, siret=siret, department=department or cleaned.get("department", "")
            )

    @staticmethod
    def _taken_error(existing: Structure) -> ValidationError:
        if selectors.selectable_structures().filter(pk=existing.pk).exists():
            return ValidationError(
                ERRORS["siret_listed"],
                code="siret_listed",
                params={"label": selectors.structure_label(existing)},
            )
        return ValidationError(
            ERRORS["siret_taken"],
            code="siret_taken",
            params={"contact": settings.PROGRAMME_CONTACT_EMAIL},
        )

    def profile_data(self) -> dict:
        """What `accounts.services.register_profile` / `update_profile` save."""
        data = {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
        data["structure"] = self.cleaned_data["structure"]
        data["proposal"] = self.cleaned_data["proposal"]
        return data


class SignupProfileForm(ProfileFieldsForm):
    """Base of allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS): email and passwords are
    added by allauth. The profile is saved by `AccountAdapter.save_user`, in the same
    transaction as the user."""

    def signup(self, request, user):
        """Nothing left to do: the adapter saved the profile with the user."""


class ProfileForm(ProfileFieldsForm, forms.ModelForm):
    """The profile page. The view saves through `accounts.services.update_profile`.

    The structure field shows the person's structure, or the structure they asked to join
    while an approver has not confirmed it (issue 25: an empty field made the unchanged
    profile fail with « Indiquez votre structure »). It carries what the page showed
    (`show_hidden_initial`), so that `structure_changed()` tells whether the person changed it,
    whatever happened meanwhile: an unchanged field never undoes a confirmation or a
    detachment made since the page was shown (issue 23)."""

    STRUCTURE_FIELDS = (
        "structure_query",
        "new_structure_name",
        "new_structure_siret",
        "new_structure_department",
    )

    class Meta:
        model = User
        fields = PROFILE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = pending_attachment(self.instance)
        self.fields["structure_query"].show_hidden_initial = True
        shown = self.current_structure()
        if shown is not None:
            self.initial["structure_query"] = selectors.structure_label(shown)

    def current_structure(self) -> Structure | None:
        """The person's structure, or the one they asked to join (so that it resolves even
        if it no longer shows in the search)."""
        if self.instance.structure is not None:
            return self.instance.structure
        return self.pending.structure if self.pending is not None else None

    def structure_changed(self) -> bool:
        """Whether the person changed the structure the page showed them."""
        return any(name in self.changed_data for name in self.STRUCTURE_FIELDS)

    def save(self, commit=True):
        raise NotImplementedError("Save through accounts.services.update_profile().")
