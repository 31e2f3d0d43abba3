from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Inscriptions"

    def ready(self):
        from employers.models import Structure

        from . import signals

        m2m_changed.connect(
            signals.approvers_changed,
            sender=Structure.approvers.through,
            dispatch_uid="enrollment.structure_left_without_approver",
        )
