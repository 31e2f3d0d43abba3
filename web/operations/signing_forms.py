"""The shape of what the electronic attendance's pages send; the services decide."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

from web.enrollment.forms import ReasonForm
from web.forms import PageForm

PRESENT = "present"
ABSENT = "absent"
DATA_URL_PREFIX = "data:image/png;base64,"


class CorrectionForm(ReasonForm):
    """« Corriger » one participant's presence for one half-day, with a reason."""

    required_message = _("Indiquez le motif de la correction\u00a0: il est tracé.")
    label = _("Motif de la correction")
    help_text = _("Par exemple\u00a0: a oublié de signer, arrivé·e à 10\u00a0h 30, parti·e à midi.")
    rows = 2

    presence = forms.ChoiceField(
        label=_("Présence"),
        choices=[(PRESENT, _("Présent·e")), (ABSENT, _("Absent·e"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez présent·e ou absent·e.")},
    )

    field_order = ["presence", "reason"]


class ConnectionsForm(PageForm):
    """At a distance: who was connected, ticked from the videoconference's report."""

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connected"] = forms.MultipleChoiceField(
            label=_("Participants connectés"),
            choices=[(str(r.pk), f"{r.first_name} {r.last_name}") for r in participants],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )

    def connected(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data.get("connected", [])}


class SignForm(PageForm):
    """« Je signe »: the drawing (a PNG data URL the page's script writes) is optional; the
    page works without JavaScript."""

    drawing = forms.CharField(required=False, widget=forms.HiddenInput, max_length=300_000)

    def drawing_bytes(self) -> bytes:
        value = self.cleaned_data.get("drawing") or ""
        if not value.startswith(DATA_URL_PREFIX):
            return b""
        try:
            return base64.b64decode(value.removeprefix(DATA_URL_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            return b"not a png"  # refused by the service, with its message
