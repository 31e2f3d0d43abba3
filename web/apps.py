from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The pages, above every domain app (STYLE.md, turn 3): the public site, « Mon espace »,
    the Employer Space, the provider space, the staff's dashboard and the Django admin, with
    their forms, filters, exports, template tags, middleware and context processors. Domain
    code never imports it."""

    name = "web"
    verbose_name = _("Pages et administration")

    def ready(self):
        from .enrollment import pending_choice

        user_logged_in.connect(
            pending_choice.add_remembered_session, dispatch_uid="web.enrollment.pending_choice"
        )
