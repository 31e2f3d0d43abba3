"""The provider's numéro de déclaration d'activité (NDA), read by `common.identifiers`; named
here for the migrations that use this path."""

from common.identifiers import normalize_nda, validate_nda

__all__ = ["normalize_nda", "validate_nda"]
