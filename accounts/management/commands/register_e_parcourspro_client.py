"""Registers (or updates) e-ParcoursPro, the Moodle site, as an OpenID Connect client."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.oidc import E_PARCOURSPRO_NAME, register_e_parcourspro_client

# Moodle refuses a service base URL and endpoints that are not https
# (core\oauth2\issuer::validate_baseurl, core\oauth2\endpoint::validate_url: « sslonlyaccess »).
NOT_HTTPS = (
    "Attention : ParcoursPro est joint en {issuer}. Moodle refuse une « URL de base de "
    "service » et des points d'accès qui ne sont pas en https : servez ParcoursPro en https "
    "et fixez IDP_OIDC_ISSUER=https://… (docs/E-PARCOURSPRO.md § 1.2)."
)


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
            "--name",
            default=None,
            help=(
                f"Nom du client (par défaut « {E_PARCOURSPRO_NAME} » à la création ; un client "
                "existant garde le sien si l'option est omise)."
            ),
        )
        parser.add_argument(
            "--rotate-secret",
            action="store_true",
            help="Remplace le secret (l'ancien cesse aussitôt de fonctionner).",
        )

    def handle(
        self,
        *args,
        redirect_uri,
        client_id,
        name,
        rotate_secret,
        post_logout_redirect_uris,
        **options,
    ):
        try:
            client, secret = register_e_parcourspro_client(
                redirect_uri=redirect_uri,
                client_id=client_id,
                rotate_secret=rotate_secret,
                post_logout_redirect_uris=post_logout_redirect_uris,
                name=name,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        issuer = settings.IDP_OIDC_ISSUER or settings.SITE_URL
        self.stdout.write(f"Client name: {client.name}")
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
        self.stdout.write(f"Service base URL: {issuer}")
        self.stdout.write(f"Logo URL: {issuer}{reverse('elearning:logo')}")
        if not issuer.startswith("https://"):
            self.stdout.write(self.style.WARNING(NOT_HTTPS.format(issuer=issuer)))
