from django.apps import AppConfig


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = "e-ParcoursPro"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from catalog.models import Session
        from enrollment.hooks import registration_moved

        from . import account_changes, services

        registration_moved.connect(
            services.record_on_move, dispatch_uid="elearning.record_enrolment_jobs"
        )
        post_save.connect(
            services.follow_session_dates, sender=Session, dispatch_uid="elearning.session_dates"
        )
        # A person's address or name changed (profile, allauth's email change, the admin):
        # their e-ParcoursPro account follows.
        user = get_user_model()
        pre_save.connect(
            account_changes.notice_account_change,
            sender=user,
            dispatch_uid="elearning.account_before",
        )
        post_save.connect(
            account_changes.follow_account_change,
            sender=user,
            dispatch_uid="elearning.account_after",
        )
