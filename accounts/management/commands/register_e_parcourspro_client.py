"""Registers (or updates) e-ParcoursPro, the Moodle site, as an OpenID Connect client."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.oidc import register_e_parcourspro_client


class Command(BaseCommand):
    help = (
        "Enregistre e-ParcoursPro (Moodle) comme client OpenID Connect : client confidentiel, "
        "portées « openid profile email », sans écran de consentement. Idempotent ; le secret "
        "n'est affiché qu'à la création ou avec --rotate-secret."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--redirect-uri",
            required=True,
            help="Adresse de retour de Moodle : https://<moodle>/admin/oauth2callback.php",
        )
        parser.add_argument(
            "--client-id",
            default=settings.E_PARCOURSPRO_CLIENT_ID,
            help="Identifiant du client (par défaut : %(default)s).",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            dest="post_logout_redirect_uris",
            help=(
                "Adresse où Moodle peut renvoyer la personne après sa déconnexion, à "
                "l'identique (répétable ; par défaut la racine de Moodle : https://<moodle>/)."
            ),
        )
        parser.add_argument(
            "--rotate-secret",
            action="store_true",
            help="Remplace le secret (l'ancien cesse aussitôt de fonctionner).",
        )

    def handle(
        self, *args, redirect_uri, client_id, rotate_secret, post_logout_redirect_uris, **options
    ):
        try:
            client, secret = register_e_parcourspro_client(
                redirect_uri=redirect_uri,
                client_id=client_id,
                rotate_secret=rotate_secret,
                post_logout_redirect_uris=post_logout_redirect_uris,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Client ID: {client.id}")
        self.stdout.write(f"Redirect URI: {client.get_redirect_uris()[0]}")
        for address in client.get_post_logout_redirect_uris():
            self.stdout.write(f"Post-logout redirect URI: {address}")
        if secret:
            self.stdout.write(f"Client secret: {secret}")
            self.stdout.write(
                "Le secret n'est affiché qu'une fois (seule son empreinte est gardée) : "
                "recopiez-le dans Moodle."
            )
        else:
            self.stdout.write(
                "Client secret: (inchangé ; --rotate-secret pour en créer un nouveau)"
            )
