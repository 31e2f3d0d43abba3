"""Parts of pages rendered by Jinja2 (web/jinja2.py) and written into a Django template."""

from __future__ import annotations

from django.template import engines
from django.utils.safestring import SafeString, mark_safe


def render_part(request, template_name: str, context: dict) -> SafeString:
    """A part of a page (templates/jinja2/`template_name`), for a Django template to write
    as it is: HTML escaped by Jinja2 (autoescape), with `csrf_input` for its forms."""
    html = engines["jinja2"].get_template(template_name).render(context, request)
    return mark_safe(html)  # noqa: S308 — rendered with autoescape
