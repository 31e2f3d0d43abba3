"""How many times Django's translation functions run during a piece of work.

Each translation looks its sentence up in every catalogue the site loads (11: Django's, each
application's, the project's); a page that asks again in each row for what it already said
pays for it in each row (docs/PERFORMANCE.md). Counted with `sys.setprofile`, over the real
catalogues."""

from __future__ import annotations

import sys

NAMES = frozenset({"gettext", "ngettext", "pgettext", "npgettext"})


def translations_during(work):
    """(what `work()` returned, how many translations it asked Django for)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if (
            event == "call"
            and frame.f_code.co_name in NAMES
            and frame.f_globals.get("__name__") == "django.utils.translation"
        ):
            count += 1

    sys.setprofile(profile)
    try:
        result = work()
    finally:
        sys.setprofile(None)
    return result, count
