"""The shape of what the provider space and the staff screens send; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common import typography
from web.enrollment.forms import ReasonForm

PRESENT = "present"
ABSENT = "absent"


class DeclineForm(ReasonForm):
    """« Décliner » (R10): the reason is sent to the professional and the employer."""

    required_message = _("Indiquez le motif du refus : il est transmis à la personne.")
    label = _("Motif du refus")
    help_text = _("Par exemple : les attentes exprimées ne correspondent pas aux objectifs.")


class CancelSessionForm(ReasonForm):
    """« Annuler les sessions sélectionnées »: the reason goes to every person registered."""

    required_message = _("Indiquez le motif de l'annulation : il est envoyé aux inscrits.")
    label = _("Motif de l'annulation")
    help_text = _("Il est envoyé à chaque personne inscrite et à son employeur.")


def attendance_field_name(registration_id: int) -> str:
    return f"presence_{registration_id}"


def half_days_field_name(registration_id: int) -> str:
    return f"demi_journees_{registration_id}"


class AttendanceForm(forms.Form):
    """Per participant: « présent·e / absent·e » for the session, and the half-days attended
    (a multi-half-day session). Present with no half-day ticked means every half-day;
    absent, none. Pre-filled from what is recorded."""

    def __init__(self, *args, participants, half_days, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        self.half_days = list(half_days)
        self.every = {(h.day, h.half) for h in self.half_days}
        choices = [
            (h.key, f"{typography.day(h.day, weekday=True, year=False)} — {h.label}")
            for h in self.half_days
        ]
        for registration in self.participants:
            initial = {"attended": PRESENT, "absent": ABSENT}.get(registration.status)
            self.fields[attendance_field_name(registration.pk)] = forms.ChoiceField(
                label=f"{registration.first_name} {registration.last_name}",
                choices=[(PRESENT, _("Présent·e")), (ABSENT, _("Absent·e"))],
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
            )
            if len(self.half_days) > 1:
                self.fields[half_days_field_name(registration.pk)] = forms.MultipleChoiceField(
                    label=_("Demi-journées suivies"),
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    initial=[
                        h.key
                        for h in self.half_days
                        if (h.day, h.half) in self.recorded(registration)
                    ],
                )

    absent_with_half_days = _(
        "« Absent·e » avec des demi-journées cochées : décochez-les, ou choisissez "
        "« Présent·e » pour les demi-journées suivies."
    )

    def clean(self):
        """Absent with half-days ticked says two things at once: refused, nothing saved."""
        cleaned = super().clean()
        for registration in self.participants:
            halves = half_days_field_name(registration.pk)
            if cleaned.get(attendance_field_name(registration.pk)) == ABSENT and cleaned.get(
                halves
            ):
                self.add_error(halves, self.absent_with_half_days)
        return cleaned

    def contradictions(self) -> list[str]:
        """The participants marked absent with half-days ticked (after `is_valid`)."""
        return [
            f"{r.first_name} {r.last_name}"
            for r in self.participants
            if self.absent_with_half_days in self.errors.get(half_days_field_name(r.pk), [])
        ]

    def recorded(self, registration) -> set:
        """The half-days recorded present; every one for a participant marked present
        before half-days were recorded."""
        rows = list(registration.half_days.all())
        if rows:
            return {(row.day, row.half) for row in rows if row.present}
        return set(self.every) if registration.status == "attended" else set()

    def rows(self):
        """(registration, presence field, half-days field or None), in the participants' order."""
        return [
            (
                r,
                self[attendance_field_name(r.pk)],
                self[half_days_field_name(r.pk)] if len(self.half_days) > 1 else None,
            )
            for r in self.participants
        ]

    def marks(self) -> list[tuple[object, set]]:
        """(registration, half-days present) for each participant whose attendance changes."""
        keys = {h.key: (h.day, h.half) for h in self.half_days}
        result = []
        for registration in self.participants:
            value = self.cleaned_data.get(attendance_field_name(registration.pk))
            ticked = {
                keys[key]
                for key in self.cleaned_data.get(half_days_field_name(registration.pk)) or []
                if key in keys
            }
            if value == ABSENT:
                present = set()
            elif value == PRESENT:
                present = ticked or set(self.every)
            elif ticked:
                present = ticked
            else:
                continue
            marked = registration.status in {"attended", "absent"}
            if not marked or present != self.recorded(registration):
                result.append((registration, present))
        return result


class StructureRefusalForm(ReasonForm):
    """« Refuser pour la structure » (admin, R4): staff refuse in the employer's place, with
    the reason that is sent to the person."""

    required_message = _(
        "Indiquez le motif du refus : il est obligatoire et transmis à la personne. "
        "Aucune demande n'a été refusée."
    )
    label = _("Motif du refus")
    help_text = _("Il est envoyé à la personne avec la décision, comme le motif d'un employeur.")
    rows = 4
