"""System checks of the OpenID Connect provider's configuration."""

from django.conf import settings
from django.core.checks import Warning, register


@register("parcourspro")
def check_oidc_key(app_configs, **kwargs):
    if settings.IDP_OIDC_ENABLED:
        return []
    return [
        Warning(
            "IDP_OIDC_PRIVATE_KEY is not set: the OpenID Connect provider is off and "
            "e-ParcoursPro cannot sign anyone in with ParcoursPro credentials.",
            hint="Set IDP_OIDC_PRIVATE_KEY to an RSA private key in PEM "
            "(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048); "
            "see docs/E-PARCOURSPRO.md.",
            id="accounts.W001",
        )
    ]
