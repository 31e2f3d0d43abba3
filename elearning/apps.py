from django.apps import AppConfig


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = "e-ParcoursPro"

    def ready(self):
        from django.db.models.signals import post_save

        from catalog.models import Session
        from enrollment.hooks import registration_moved

        from . import services

        registration_moved.connect(
            services.record_on_move, dispatch_uid="elearning.record_enrolment_jobs"
        )
        post_save.connect(
            services.follow_session_dates, sender=Session, dispatch_uid="elearning.session_dates"
        )
