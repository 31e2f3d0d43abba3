"""django-allauth customisation: the professional profile is saved with the new user,
allauth's emails speak as the programme, in its layout, through the outbox, and its messages
name a person by their name (`user_display`, ACCOUNT_USER_DISPLAY)."""

import html
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import services
from employers import attachments
from mailing.outbox import queue_message
from web.accounts.forms import ProfileFieldsForm


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Save the user and their profile (and any structure they propose) in one
        transaction, so that a failure leaves no half-registered account."""
        user = super().save_user(request, user, form, commit=False)
        if not isinstance(form, ProfileFieldsForm):
            if commit:
                user.save()
            return user
        if commit:
            with transaction.atomic():
                user.save()
                services.register_profile(user, form.profile_data())
        else:
            for name, value in form.profile_data().items():
                if name in services.PROFILE_FIELDS:
                    setattr(user, name, value)
        return user

    def confirm_email(self, request, email_address):
        """The person proved they own the address: what was waiting for it is sent now (their
        request to join a structure, to its approvers: nothing goes on behalf of an address
        not verified)."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed and email_address.primary:
            attachments.address_confirmed(email_address.user)
        return confirmed

    def set_password(self, user, password):
        """allauth's password change and reset: the password is written, nothing else of the
        row (allauth saves the whole user, from the copy read at the start of the request: a
        confirmation of the person's attachment made meanwhile was undone)."""
        user.set_password(password)
        user.save(update_fields=["password"])

    def get_logout_redirect_url(self, request):
        """After a logout asked by e-ParcoursPro (allauth's OpenID Connect logout) that
        goes back to no registered address: the page that says the person is logged out
        (or still logged in, if they chose to stay), with the client's own address."""
        match = request.resolver_match
        if match is not None and match.view_name == "idp:oidc:logout":
            url = reverse("accounts:logged_out")
            client_id = request.POST.get("client_id") or request.GET.get("client_id")
            return f"{url}?{urlencode({'client': client_id})}" if client_id else url
        return super().get_logout_redirect_url(request)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        """allauth's messages (« Connecté·e en tant que … », « Vous êtes déconnecté·e. »)
        rendered from what allauth gives them (`message_context`) without the request:
        rendered with it, as allauth does, every context processor ran for a line of text,
        the header's statement included, on each login and logout."""
        if message is None and message_template:
            try:
                rendered = render_to_string(message_template, message_context or {}).strip()
            except TemplateDoesNotExist:
                return
            if not rendered:
                return
            message = html.unescape(rendered)
        super().add_message(request, level, extra_tags=extra_tags, message=message)

    def get_current_site(self):
        """The programme, where allauth names « the site »: django.contrib.sites is not used,
        and a request's host is no name to greet people with."""
        return SimpleNamespace(name="ParcoursPro", domain=urlsplit(settings.SITE_URL).netloc)

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (confirmation, password reset…) go through the outbox and Celery,
        like every other email of the platform, with what the programme's layout
        (templates/emails/base.html) and templates/account/email/ need."""
        context = {
            "email": email,
            "current_site": self.get_current_site(),
            "SITE_URL": settings.SITE_URL,
            "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        queue_message(message, template=template_prefix.rsplit("/", 1)[-1])


def user_display(user) -> str:
    """How allauth's messages name a person (« Connecté·e en tant que Camille Durand. »): their
    name, or their address when they gave none; never both (`User.__str__`, for staff's lists)."""
    return user.get_full_name() or user.email
