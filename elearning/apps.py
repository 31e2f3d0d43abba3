from django.apps import AppConfig


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = "e-ParcoursPro"

    def ready(self):
        # Django's own signal of a lower app (a session saved, by staff in the admin or by a
        # service): the enrolments follow its dates. Imported here, once the apps are loaded.
        from django.db.models.signals import post_save

        from catalog.models import Session

        from . import services

        post_save.connect(
            services.follow_session_dates, sender=Session, dispatch_uid="elearning.session_dates"
        )
