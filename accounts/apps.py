from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's « account » app is « Comptes » too: two sections of one name in the admin.
    verbose_name = "Utilisateurs et profils"

    def ready(self):
        from allauth.idp.oidc.models import Client

        from . import checks  # noqa: F401  (registers the system checks)
        from .email_addresses import follow_email_change
        from .oidc import forget_client_origins, revoke_tokens_of_inactive

        user = self.get_model("User")
        post_save.connect(follow_email_change, sender=user, dispatch_uid="accounts-email")
        post_save.connect(revoke_tokens_of_inactive, sender=user, dispatch_uid="accounts-oidc")
        post_save.connect(forget_client_origins, sender=Client, dispatch_uid="oidc-origins")
        post_delete.connect(forget_client_origins, sender=Client, dispatch_uid="oidc-origins-d")
