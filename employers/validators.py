"""The SIRET's validators, from `common.identifiers` (providers and profiles read SIRETs too);
named here for the migrations and the imports that use this path."""

from common.identifiers import complete_siret, luhn_is_valid, normalize_siret, validate_siret

__all__ = ["complete_siret", "luhn_is_valid", "normalize_siret", "validate_siret"]
