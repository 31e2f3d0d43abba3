"""The release a cached page or fragment belongs to (web.catalog.pages, web.catalog.fragments)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

# What goes into a page besides its rows. Directories under BASE_DIR that hold no part of a
# page (tests, benchmarks, documentation, the virtualenv, collected static files) are left
# out of the release's digest.
_RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo"}
_NOT_RELEASE = {"tests", "bench", "docs", "staticfiles", "media", "node_modules", "demo"}
_SETTINGS_SHOWN = (
    "PROGRAMME_CONTACT_EMAIL",
    "PROGRAMME_CONTACT_PHONE",
    "PROGRAMME_CONTACT_HOURS",
    "MEMBERSHIP_CONTACT_EMAIL",
    "E_PARCOURSPRO_URL",
    "RECOMMENDED_LEAD_DAYS",
    "TIME_ZONE",
    "DEBUG",
)
_release: list[str] = []


def site_release() -> str:
    """A digest of everything a page is made of besides its rows: the project's code,
    templates and compiled translations, the static files' manifest and the settings every
    page shows. Computed once per process: a deployment that changes any of them starts new
    processes, which never read the pages of the previous one from the shared cache."""
    if not _release:
        digest = hashlib.sha1(usedforsecurity=False)
        base = Path(settings.BASE_DIR)
        for path in sorted(_release_files(base)):
            digest.update(str(path.relative_to(base)).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:  # unreadable: named, not read (a page never fails on it)
                digest.update(b"unreadable")
        digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
        digest.update(repr([getattr(settings, name, None) for name in _SETTINGS_SHOWN]).encode())
        _release.append(digest.hexdigest()[:12])
    return _release[0]


def _release_files(base: Path):
    for child in base.iterdir():
        if child.name.startswith(".") or child.name in _NOT_RELEASE:
            continue
        if child.is_dir():
            yield from (
                path
                for path in child.rglob("*")
                if path.suffix in _RELEASE_SUFFIXES and path.is_file()
            )
        elif child.suffix in _RELEASE_SUFFIXES:
            yield child
