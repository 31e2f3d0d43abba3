"""The shape of what the cart and « Mon espace » pages send; the services apply the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import typography
from enrollment.rules import MESSAGES, MOTIVATIONS_MAX_LENGTH, REASON_MAX_LENGTH, has_visible_text
from web.forms import PageForm

__all__ = ["MOTIVATIONS_MAX_LENGTH", "REASON_MAX_LENGTH"]


def motivations_field_name(session_id: int) -> str:
    return f"motivations_{session_id}"


class DescribedErrorsMixin:
    """Tie each field's error text (and help text) to its input with aria-describedby, so that
    screen readers announce it; templates give them the ids `<id>_error` and `<id>_helptext`."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field = self.fields[name]
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_error"]
            if field.help_text:
                ids.append(f"{auto_id}_helptext")
            field.widget.attrs["aria-describedby"] = " ".join(ids)


class CartSubmitForm(DescribedErrorsMixin, PageForm):
    """« Valider mon panier » (Q7): contact details, then one motivations text per cart item.

    Built from the cart items, so that the fields follow the cart: `items` are `CartItem`s
    with their session and action loaded.
    """

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        error_messages={"required": _("Indiquez votre prénom.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        error_messages={"required": _("Indiquez votre nom.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        error_messages={"required": _("Indiquez un numéro de téléphone où vous joindre.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    job_title = forms.CharField(
        label=_("Fonction"),
        max_length=150,
        error_messages={"required": _("Indiquez votre fonction.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")

    def __init__(self, items, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        action_ids = [item.session.action_id for item in self.items]
        for item in self.items:
            title = item.session.action.title
            if action_ids.count(item.session.action_id) > 1:
                # Two sessions of one action: the date tells their fields apart.
                start = typography.day(timezone.localtime(item.session.starts_at).date())
                title = _("%(title)s, session du %(start)s") % {"title": title, "start": start}
            self.fields[motivations_field_name(item.session_id)] = forms.CharField(
                label=_("Vos motivations et attentes pour « %(title)s »") % {"title": title},
                help_text=(
                    _(
                        "Le prestataire les lit avant de confirmer votre inscription : dites ce "
                        "que vous attendez de cette action et en quoi elle sert votre pratique."
                    )
                    if item.session.action.is_member_only
                    # A short format is confirmed within the places, without anyone's review.
                    else _(
                        "Dites en quelques mots ce que vous en attendez. L'inscription à ce "
                        "format court est confirmée dans la limite des places, sans validation "
                        "de votre employeur ni du prestataire."
                    )
                ),
                max_length=MOTIVATIONS_MAX_LENGTH,
                error_messages={
                    "required": _("Décrivez vos motivations et vos attentes pour « %(title)s ».")
                    % {"title": title},
                    "max_length": _(
                        "Vos motivations tiennent en %(limit_value)d caractères au plus "
                        "(actuellement %(show_value)d)."
                    ),
                },
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @classmethod
    def initial_from(cls, user, items=(), contact_draft=None) -> dict[str, str]:
        """What pre-fills the form: the contact details typed earlier (`contact_draft`) or
        else the profile's, and each item's motivations draft."""
        initial = {name: getattr(user, name, "") or "" for name in cls.CONTACT_FIELDS}
        initial.update(
            {name: value for name, value in (contact_draft or {}).items() if name in initial}
        )
        for item in items:
            initial[motivations_field_name(item.session_id)] = item.motivations_draft
        return initial

    @classmethod
    def drafts_from(cls, data) -> tuple[dict[int, str], dict[str, str]]:
        """What a POST of the cart form holds, valid or not: the motivations by session id and
        the contact details, only the fields it sends (another item's remove button posts
        the whole form, so that nothing typed is lost)."""
        motivations = {}
        for name, value in data.items():
            prefix, _sep, session_id = name.partition("_")
            # At most 18 digits: a larger id would overflow the database's integer.
            if (
                prefix == "motivations"
                and session_id.isascii()
                and session_id.isdigit()
                and len(session_id) < 19
            ):
                motivations[int(session_id)] = value
        contact = {
            name: data[name][: cls.base_fields[name].max_length]
            for name in cls.CONTACT_FIELDS
            if name in data
        }
        return motivations, contact

    def contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS]

    def item_fields(self):
        """(cart item, its motivations field), in cart order."""
        return [(item, self[motivations_field_name(item.session_id)]) for item in self.items]

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            name = motivations_field_name(item.session_id)
            if cleaned.get(name) and not has_visible_text(cleaned[name]):
                self.add_error(name, MESSAGES["text_invisible"])
        return cleaned

    def contact(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.CONTACT_FIELDS}

    def motivations(self) -> dict[int, str]:
        return {
            item.session_id: self.cleaned_data[motivations_field_name(item.session_id)]
            for item in self.items
        }


class ReasonForm(DescribedErrorsMixin, PageForm):
    """A required reason (a withdrawal, a refusal, a decline, a cancelled session): visible
    text of at most REASON_MAX_LENGTH characters, as the services require."""

    required_message = _("Indiquez le motif : il est obligatoire.")
    label = _("Motif")
    help_text = ""
    rows = 3

    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Le motif tient en %(limit_value)d caractères au plus "
                "(actuellement %(show_value)d)."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label or self.label
        field.help_text = help_text or self.help_text
        field.widget.attrs["rows"] = self.rows
        field.error_messages["required"] = self.required_message

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.required_message, code="required")
        if not has_visible_text(reason):
            raise forms.ValidationError(MESSAGES["text_invisible"], code="invisible")
        return reason


class CancelForm(ReasonForm):
    """« Me désister » (Q11): the reason is required."""

    required_message = _("Indiquez le motif de votre désistement : il est obligatoire.")
    label = _("Motif de votre désistement")
    help_text = _("Il est transmis à votre employeur et à l'équipe du programme.")
    rows = 4


class LeaveWaitlistForm(CancelForm):
    """« Quitter la liste d'attente »: the same withdrawal (R8), worded for a waiting list."""

    required_message = _("Indiquez pourquoi vous quittez la liste d'attente : c'est obligatoire.")
    label = _("Pourquoi quittez-vous la liste d'attente ?")
    help_text = _("Votre réponse est transmise à l'équipe du programme.")


class DeleteAccountForm(PageForm):
    """Deleting one's account is confirmed with the password."""

    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe pour confirmer.")},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Mot de passe incorrect : votre compte n'a pas été supprimé.")
            )
        return password
