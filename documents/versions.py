"""The one way a document gets a version: rendered outside any transaction, stored in a short
one if nothing moved meanwhile (DESIGN.md, turn 3: no PDF under a lock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from . import rendering
from .models import Document

# Renderings of one version before giving up (what it says kept changing meanwhile).
ATTEMPTS = 3


class Superseded(Exception):
    """What the document says changed at every attempt: the caller (a task) tries later."""


@dataclass(frozen=True)
class Draft:
    """What the next version of a document would say: its `source` (compared with the latest
    version's: equal, no new version), its template, context (but the version) and file name."""

    source: dict
    template: str
    context: dict
    filename: str


def latest(queryset: QuerySet[Document]) -> Document | None:
    return queryset.order_by("-version").first()


def store_next_version(
    versions: QuerySet[Document],
    draft_of: Callable[[Document | None, int], Draft | None],
    new: Callable[..., Document],
    *,
    stored: Callable[[Document], None] | None = None,
) -> Document | None:
    """The latest version of a document, or the next one when what the document says changed.

    `draft_of(latest, next version number)` reads what the document would say now (None: no
    document to make); `new(**fields)` makes the unsaved version. The PDF is rendered and
    written to the storage outside any transaction; then, in a short one, the version is
    stored if nothing moved meanwhile: the latest version is still the one it follows and the
    document still says what was rendered. Otherwise it is dropped and the comparison made
    again: the version another worker stored is returned when it says the same, else the next
    one is rendered (`ATTEMPTS` times, then `Superseded`). `stored(version)` runs in the
    transaction that stores a new version, once per version (its emails are recorded with
    it). Idempotent."""
    for _attempt in range(ATTEMPTS):
        current = latest(versions)
        version = current.version + 1 if current else 1
        draft = draft_of(current, version)
        if draft is None or (current is not None and current.source == draft.source):
            return current
        content = rendering.render_pdf(draft.template, {**draft.context, "version": version})
        document = new(version=version, source=draft.source, sha256=rendering.sha256(content))
        document.file.save(draft.filename, ContentFile(content), save=False)
        try:
            with transaction.atomic():
                if _still(versions, current, draft_of, draft, version):
                    document.save()
                    if stored is not None:
                        stored(document)
                    return document
        except IntegrityError:  # another worker stored this version number meanwhile
            pass
        document.file.delete(save=False)
    raise Superseded(f"{draft.template}: what it says kept changing while it was rendered")


def _still(versions, current, draft_of, draft: Draft, version: int) -> bool:
    """Nothing moved since `draft` was read: same latest version, same source."""
    now_latest = latest(versions)
    if getattr(now_latest, "pk", None) != getattr(current, "pk", None):
        return False
    again = draft_of(current, version)
    return again is not None and again.source == draft.source


def name_of(*parts) -> str:
    return "-".join(slugify(str(part)) for part in parts if part) + ".pdf"
