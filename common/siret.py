"""The SIRET: 14 digits with a Luhn key, shared by structures (employers) and providers
(catalog), which may not import each other."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_is_valid(digits: str) -> bool:
    """The Luhn checksum that every SIRET satisfies."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(value: str) -> str:
    return "".join(str(value or "").split())


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits whose Luhn checksum holds."""
    siret = normalize_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        raise ValidationError(
            _("Le SIRET doit comporter exactement 14 chiffres."), code="siret_format"
        )
    if not luhn_is_valid(siret):
        raise ValidationError(
            _("Ce SIRET n'est pas valide (clé de contrôle incorrecte). Vérifiez-le."),
            code="siret_checksum",
        )


def complete_siret(first_13_digits: str) -> str:
    """The valid SIRET that starts with these 13 digits (its 14th is the Luhn key); used to
    make demo, test and bench structures."""
    body = first_13_digits.zfill(13)[:13]
    return next(body + last for last in "0123456789" if luhn_is_valid(body + last))
