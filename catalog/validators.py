"""The provider's numéro de déclaration d'activité (NDA): 11 digits (Code du travail R6351-1)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_nda(value: str) -> str:
    return "".join(str(value or "").split())


def validate_nda(value: str) -> None:
    """An NDA is 11 digits (spaces allowed when typed, removed when saved)."""
    nda = normalize_nda(value)
    if len(nda) != 11 or not nda.isdigit():
        raise ValidationError(
            _("Le numéro de déclaration d'activité doit comporter exactement 11 chiffres."),
            code="nda_format",
        )
