"""The login form: allauth's, its « remember me » box in the programme's words with the
lifetime it gives (issue 26). Apart from web.accounts.forms, which allauth's own forms
import (ACCOUNT_SIGNUP_FORM_CLASS): this one imports them."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def remember_help_text() -> str:
    days = settings.SESSION_COOKIE_AGE // (24 * 3600)
    return ngettext(
        "Votre connexion est gardée %(days)d jour sur cet appareil ; sans cette case, elle "
        "prend fin à la fermeture du navigateur. Ne la cochez pas sur un ordinateur partagé.",
        "Votre connexion est gardée %(days)d jours sur cet appareil ; sans cette case, elle "
        "prend fin à la fermeture du navigateur. Ne la cochez pas sur un ordinateur partagé.",
        days,
    ) % {"days": days}


class LoginForm(AllauthLoginForm):
    """allauth's login form (ACCOUNT_FORMS), with « Rester connecté·e » and its lifetime."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        remember = self.fields.get("remember")
        if remember is not None:  # absent when ACCOUNT_SESSION_REMEMBER decides for everyone
            remember.label = _("Rester connecté·e")
            remember.help_text = remember_help_text()
