from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Inscriptions"

    def ready(self):
        from . import pending_choice, signals

        signals.connect()
        user_logged_in.connect(
            pending_choice.add_remembered_session, dispatch_uid="enrollment.pending_choice"
        )
