from django.apps import AppConfig


class ElearningConfig(AppConfig):
    name = "elearning"
    verbose_name = "e-ParcoursPro"

    def ready(self):
        # Django's own signals of lower apps (a session saved, by staff in the admin or by a
        # service; a person's address or name changed): the enrolments and the e-ParcoursPro
        # account follow them. Imported here, once the apps are loaded.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from catalog.models import Session

        from . import account_changes, services

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
