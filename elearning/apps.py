from django.apps import AppConfig


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = "e-ParcoursPro"

    def ready(self):
        from enrollment.hooks import registration_moved

        from . import services

        registration_moved.connect(
            services.record_on_move, dispatch_uid="elearning.record_enrolment_jobs"
        )
