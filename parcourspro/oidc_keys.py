"""The signing keys of the OpenID Connect provider, read by the settings (no Django here)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

# The current key signs: allauth signs with the key issued last, and a key without a date
# (the previous one) counts as the oldest.
CURRENT_KEY_ISSUED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def check_pem(pem: str, name: str) -> str:
    """`pem` if it is an RSA private key in PEM, else a clear ImproperlyConfigured."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"{name} is not an unencrypted PEM private key ({error}). Generate one with: "
            "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(f"{name} must be an RSA key (ID tokens are signed RS256).")
    return pem


def generate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def development_key(path: Path) -> str:
    """The development key stored in `path`, generated the first time (written atomically,
    so that parallel test workers agree on one key). A read-only checkout gets a key for this
    process only."""
    try:
        return check_pem(path.read_text(), str(path))
    except FileNotFoundError:
        pass
    pem = generate_pem()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".oidc-dev-key-")
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # creates `path` only if no other process did first
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return check_pem(path.read_text(), str(path))
    except OSError:
        return pem


def key_ring(current: str, previous: str) -> list[dict]:
    """allauth's IDP_OIDC_PRIVATE_KEYS: the current key signs; the previous one, during a
    rotation, is still published in the JWKS so that the tokens it signed stay verifiable."""
    if not current:
        return []
    ring = [{"pem": check_pem(current, "IDP_OIDC_PRIVATE_KEY"), "issued_at": CURRENT_KEY_ISSUED_AT}]
    if previous and previous != current:
        ring.append({"pem": check_pem(previous, "IDP_OIDC_PREVIOUS_PRIVATE_KEY")})
    return ring
