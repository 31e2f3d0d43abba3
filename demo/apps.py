from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo of DESIGN.md (`manage.py seed_demo`): no models, only data and its seeding."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = _("Démonstration")
