"""The Jinja2 environment of the pages' repeated parts (the `jinja2` engine of TEMPLATES).

The pages stay in the Django template language. Their longest loops — the Employer Space's
rows of requests and its sections per structure — are Jinja2 templates
(templates/jinja2/…), rendered by the view and written into the page: the Django template
language resolved each variable of each row through its lookups and contexts, which made the
loops half of the page's CPU (docs/PERFORMANCE.md). The filters and functions below are the
project's and Django's own, so that a row says what the Django template said.
"""

from __future__ import annotations

from django.template import defaultfilters, engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from jinja2 import Environment

from web.templatetags import enrollment_tags, french


def url(name: str, *args, **kwargs) -> str:
    """`{{ url("employers:invite", structure.pk) }}`: Django's reverse."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)  # noqa: S701 — the backend turns autoescape on
    # Django's gettext: the site's French catalogue, as {% translate %} reads it; %(name)s
    # placeholders filled by Jinja2 (newstyle), each value escaped.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(url=url, static=static, status_badge=enrollment_tags.status_badge)
    env.filters.update(
        day=french.day,
        lcfirst=french.lcfirst,
        floatformat=defaultfilters.floatformat,
        linebreaks=defaultfilters.linebreaks_filter,
    )
    return env


def render_part(request, template_name: str, context: dict) -> SafeString:
    """A part of a page (templates/jinja2/`template_name`), for a Django template to write
    as it is: HTML escaped by Jinja2 (autoescape), with `csrf_input` for its forms."""
    html = engines["jinja2"].get_template(template_name).render(context, request)
    return mark_safe(html)  # noqa: S308 — rendered with autoescape
