"""django-allauth customisation: the professional profile is saved with the new user."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from mailing.outbox import queue_message

from . import services


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Save the user and their profile (and any structure they propose) in one
        transaction, so that a failure leaves no half-registered account."""
        from .forms import ProfileFieldsForm

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

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (confirmation, password reset…) go through the outbox and Celery,
        like every other email of the platform."""
        message = self.render_mail(template_prefix, email, context)
        queue_message(message, template=template_prefix.rsplit("/", 1)[-1])
