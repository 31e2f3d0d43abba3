from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """The provider space, convocations, attendance and staff operations (issue 6)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = _("Pilotage et prestataires")
