"""The shape of what the provider space and the staff screens send; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.forms import ReasonForm

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


class AttendanceForm(forms.Form):
    """One « présent·e / absent·e » choice per participant, pre-filled from their status."""

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for registration in self.participants:
            initial = {"attended": PRESENT, "absent": ABSENT}.get(registration.status)
            self.fields[attendance_field_name(registration.pk)] = forms.ChoiceField(
                label=f"{registration.first_name} {registration.last_name}",
                choices=[(PRESENT, _("Présent·e")), (ABSENT, _("Absent·e"))],
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
            )

    def rows(self):
        """(registration, bound field) pairs, in the participants' order."""
        return [(r, self[attendance_field_name(r.pk)]) for r in self.participants]

    def marks(self) -> list[tuple[object, bool]]:
        """(registration, present) for each participant whose mark changes."""
        current = {"attended": PRESENT, "absent": ABSENT}
        result = []
        for registration in self.participants:
            value = self.cleaned_data.get(attendance_field_name(registration.pk))
            if value and value != current.get(registration.status):
                result.append((registration, value == PRESENT))
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
