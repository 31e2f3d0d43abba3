"""Shapes of the Employer Space's input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.forms import ReasonForm
from parcourspro.forms import PageForm


class RefuseForm(ReasonForm):
    """Refusing a request needs a reason (R4); it is sent to the employee."""

    required_message = _("Indiquez le motif du refus : il est transmis à la personne concernée.")
    label = _("Motif du refus")
    help_text = _("Le motif est transmis au salarié ou à la salariée par courriel.")


# The largest primary key the database holds (bigint): beyond it a lookup overflows.
MAX_ID = 2**63 - 1


class IdListField(forms.Field):
    """A list of positive integers posted under one name (checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not all(isinstance(item, str) and item.isascii() and item.isdigit() for item in value):
            raise forms.ValidationError(_("Sélection invalide."))
        ids = [int(item) for item in value]
        if any(not 0 < item <= MAX_ID for item in ids):
            raise forms.ValidationError(_("Sélection invalide."))
        return list(dict.fromkeys(ids))


class BulkApproveForm(forms.Form):
    registrations = IdListField(
        error_messages={
            "required": _(
                "Cochez au moins une demande avant de cliquer sur « Accepter la sélection »."
            )
        }
    )


class InviteApproverForm(PageForm):
    email = forms.EmailField(
        label=_("Adresse électronique de la personne à inviter"),
        help_text=_(
            "Elle recevra un lien pour créer son compte ou se connecter, puis pourra accepter "
            "ou refuser les demandes de la structure."
        ),
        error_messages={
            "required": _("Indiquez l'adresse électronique de la personne à inviter."),
            "invalid": _("Cette adresse électronique n'est pas valide : vérifiez-la."),
        },
    )


class AttachmentRefusalForm(ReasonForm):
    """Refusing someone's request to join the structure: the reason is sent to them."""

    required_message = _("Indiquez le motif du refus : il est transmis à la personne.")
    label = _("Motif du refus")
    help_text = _("Par exemple : cette personne ne travaille pas dans notre structure.")


class DetachForm(PageForm):
    """Detaching someone who left the structure: an optional reason, sent to them."""

    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=2000,
        help_text=_("Il est transmis à la personne."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
