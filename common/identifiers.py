"""French identifiers typed by people — SIRET, NDA, postcode, phone — read by one function.

`digits_typed` turns what was typed or pasted into the identifier's characters: NFKC
normalisation (full-width digits become 0-9, a non-breaking or narrow no-break space a
space), then no spaces, dots, dashes or brackets. Each identifier is then checked on ASCII
digits only (`re.fullmatch("[0-9]{14}")`…): `str.isdigit()` accepts any script's digits,
which the database's constraints refuse (a 500, once). Every refusal is a French message.

Shared by structures (employers), providers (catalog) and profiles (accounts), which may
not import each other.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# After NFKC: any space (non-breaking ones included), dots, hyphens and dashes, minus sign,
# brackets (« +33 (0)5 … »).
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212()]+")

MESSAGES = {
    "siret_format": _("Le SIRET doit comporter exactement 14 chiffres."),
    "siret_checksum": _("Ce SIRET n'est pas valide (clé de contrôle incorrecte). Vérifiez-le."),
    "nda_format": _("Le numéro de déclaration d'activité doit comporter exactement 11 chiffres."),
    "postcode_format": _("Le code postal doit comporter exactement 5 chiffres."),
    "phone_format": _(
        "Indiquez un numéro de téléphone d'au moins 10 chiffres (par exemple 05 56 00 00 00)."
    ),
    "digits_0_9": _(
        "Saisissez les chiffres de 0 à 9 (des chiffres d'une autre écriture ne sont pas acceptés)."
    ),
}


def digits_typed(value) -> str:
    """`value` NFKC-normalised, without spaces, dots, dashes nor brackets: « 732 829 320
    00074 », « 732.829.320.00074 » or full-width digits give « 73282932000074 »."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value or "")))


def is_digits(value: str) -> bool:
    """Whether `value` is digits 0-9 only (`str.isdigit()` says yes to any script's)."""
    return re.fullmatch(r"[0-9]+", value) is not None


def validate_filled(instance, checks: dict) -> None:
    """A model's `clean()`: each of `checks` (field name → validator) on its field of
    `instance` when it is filled; the refusals raised together, by field."""
    errors = {}
    for name, validate in checks.items():
        if value := getattr(instance, name):
            try:
                validate(value)
            except ValidationError as error:
                errors[name] = error
    if errors:
        raise ValidationError(errors)


def _refuse(value: str, code: str):
    """The format's refusal; digits of another script (Arabic-Indic…) are named as such."""
    if value and value.isdigit() and not value.isascii():
        message = f"{MESSAGES[code]} {MESSAGES['digits_0_9']}"
        raise ValidationError(message, code=code)
    raise ValidationError(MESSAGES[code], code=code)


# SIRET: 14 digits with a Luhn key.


def luhn_is_valid(digits: str) -> bool:
    """The Luhn checksum that every SIRET satisfies (`digits`: ASCII digits)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(value) -> str:
    return digits_typed(value)


def validate_siret(value) -> None:
    """A SIRET is 14 digits (0-9) whose Luhn checksum holds; spaces, dots and dashes typed
    between them are dropped first."""
    siret = normalize_siret(value)
    if not re.fullmatch(r"[0-9]{14}", siret):
        _refuse(siret, "siret_format")
    if not luhn_is_valid(siret):
        raise ValidationError(MESSAGES["siret_checksum"], code="siret_checksum")


_SIRET_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{14})(?![0-9])")
_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[\s.\-\u2010-\u2015\u2212]+(?=[0-9])")


def siret_in_text(text) -> str | None:
    """The SIRET written in a text (« Tremplin (SIRET 732 829 320 00074) »): 14 digits 0-9
    in a row once NFKC-normalised, spaces, dots or dashes between them allowed."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    match = _SIRET_IN_TEXT.search(_BETWEEN_DIGITS.sub("", text))
    return match.group(1) if match else None


def complete_siret(first_13_digits: str) -> str:
    """The valid SIRET that starts with these 13 digits (its 14th is the Luhn key); used to
    make demo, test and bench structures."""
    body = first_13_digits.zfill(13)[:13]
    return next(body + last for last in "0123456789" if luhn_is_valid(body + last))


# NDA: the provider's numéro de déclaration d'activité, 11 digits (Code du travail R6351-1).


def normalize_nda(value) -> str:
    return digits_typed(value)


def validate_nda(value) -> None:
    """An NDA is 11 digits (0-9); spaces, dots and dashes typed between them are dropped."""
    nda = normalize_nda(value)
    if not re.fullmatch(r"[0-9]{11}", nda):
        _refuse(nda, "nda_format")


# Postcode: 5 digits.


def normalize_postcode(value) -> str:
    return digits_typed(value)


def validate_postcode(value) -> None:
    postcode = normalize_postcode(value)
    if not re.fullmatch(r"[0-9]{5}", postcode):
        _refuse(postcode, "postcode_format")


# Phone: kept as typed for people to read (spaces collapsed), at least 10 digits (0-9), an
# international « + » first allowed.


def normalize_phone(value) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value or "")).split())


def validate_phone(value) -> None:
    digits = digits_typed(value)
    if not re.fullmatch(r"\+?[0-9]{10,}", digits):
        _refuse(digits.removeprefix("+"), "phone_format")
