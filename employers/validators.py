"""The SIRET validators, now in `common.siret` (providers need them too); re-exported so that
existing imports and migrations keep working."""

from common.siret import complete_siret, luhn_is_valid, normalize_siret, validate_siret

__all__ = ["complete_siret", "luhn_is_valid", "normalize_siret", "validate_siret"]
