"""The shape of what the provider space and the staff screens send; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.forms import DescribedErrorsMixin
from enrollment.rules import MESSAGES, REASON_MAX_LENGTH, has_visible_text
from parcourspro.forms import PageForm

PRESENT = "present"
ABSENT = "absent"


class ReasonForm(DescribedErrorsMixin, PageForm):
    """A required reason (declining a request, cancelling a session)."""

    required_message = _("Indiquez le motif : il est obligatoire.")

    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if label:
            field.label = label
        if help_text:
            field.help_text = help_text
        field.error_messages["required"] = self.required_message

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.required_message, code="required")
        if not has_visible_text(reason):
            raise forms.ValidationError(MESSAGES["text_invisible"], code="invisible")
        return reason


class DeclineForm(ReasonForm):
    """« Décliner » (R10): the reason is sent to the professional and the employer."""

    required_message = _("Indiquez le motif du refus : il est transmis à la personne.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Motif du refus"))
        kwargs.setdefault(
            "help_text",
            _("Par exemple : les attentes exprimées ne correspondent pas aux objectifs."),
        )
        super().__init__(*args, **kwargs)


class CancelSessionForm(ReasonForm):
    """« Annuler les sessions sélectionnées »: the reason goes to every person registered."""

    required_message = _("Indiquez le motif de l'annulation : il est envoyé aux inscrits.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Motif de l'annulation"))
        kwargs.setdefault(
            "help_text", _("Il est envoyé à chaque personne inscrite et à son employeur.")
        )
        super().__init__(*args, **kwargs)


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
