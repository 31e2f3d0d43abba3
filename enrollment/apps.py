from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Inscriptions"

    def ready(self):
        from . import signals

        signals.connect()
