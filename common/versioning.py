"""The abstract base of the rows whose rendered fragments or reads are cached (catalogue
actions and sessions, structures)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """A row whose `version` counts its changes (bumped in the transaction of each change by
    the database's triggers, migrations catalog/0008, enrollment/0006 and employers/0005). An
    ordinary save never writes the field: written from a copy read earlier, it would go back
    to a number that already names other contents."""

    version = models.PositiveBigIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name != "version"
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)
