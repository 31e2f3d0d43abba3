"""How passwords are stored: Argon2id (Django's own hasher, argon2-cffi), at a cost chosen
for this project (issue 26; the figures in docs/DEPLOYMENT.md, Sizing)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, 4 passes, 1 lane: twice OWASP's minimum (19 MiB,
    2 passes, 1 lane), so never weaker than the PBKDF2-SHA256 at 1,000,000 iterations it
    replaces (OWASP rates its 600,000 as the equal of 19 MiB × 2), at a fifth of its CPU.
    A hash made with other parameters is upgraded at the next login (`must_update`)."""

    time_cost = 4
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
