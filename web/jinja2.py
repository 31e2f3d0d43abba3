"""The Jinja2 environment of the pages' repeated parts (the `jinja2` engine of TEMPLATES).

The pages stay in the Django template language. Their longest loops — the Employer Space's
rows of requests and its sections per structure, « Mon espace »'s requests — are Jinja2
templates (templates/jinja2/…), rendered by the view and written into the page
(`web.parts.render_part`): the Django template
language resolved each variable of each row through its lookups and contexts, which made the
loops half of the page's CPU (docs/PERFORMANCE.md). The filters and functions below are the
project's and Django's own, so that a row says what the Django template said.
"""

from __future__ import annotations

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from jinja2 import ChainableUndefined, Environment

from common.choices import choice_label
from web.templatetags import catalog_tags, enrollment_tags, french


def url(name: str, *args, **kwargs) -> str:
    """`{{ url("employers:invite", structure.pk) }}`: Django's reverse."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def date(value, arg=None) -> str:
    """Django's `date` filter, in the site's time zone as the Django template language gives
    it (`expects_localtime`)."""
    return defaultfilters.date(timezone.template_localtime(value), arg)


def environment(**options) -> Environment:
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # A missing value writes nothing, as in the Django template language these parts come
    # from, with DEBUG on or off (Django's backend would write `{{ name }}` with DEBUG on).
    options["undefined"] = ChainableUndefined
    env = Environment(**options)  # noqa: S701 — the backend turns autoescape on
    # Django's gettext: the site's French catalogue, as {% translate %} reads it; %(name)s
    # placeholders filled by Jinja2 (newstyle), each value escaped.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(
        url=url,
        choice_label=choice_label,
        static=static,
        audience_badge=catalog_tags.audience_badge,
        status_badge=enrollment_tags.status_badge,
    )
    env.filters.update(
        at=french.at,
        capfirst=defaultfilters.capfirst,
        date=date,
        day=french.day,
        duration_text=catalog_tags.duration_text,
        text_blocks=catalog_tags.text_blocks,
        truncatewords=defaultfilters.truncatewords,
        urlencode=defaultfilters.urlencode,
        joining_link=enrollment_tags.joining_link,
        moment=catalog_tags.moment,
        places_text=catalog_tags.places_text,
        session_dates=catalog_tags.session_dates,
        where=catalog_tags.where,
        lcfirst=french.lcfirst,
        floatformat=defaultfilters.floatformat,
        linebreaks=defaultfilters.linebreaks_filter,
    )
    return env
