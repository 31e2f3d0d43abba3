"""What the emails' sentences need to name a request's session inside a translatable string."""

from django import template
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from common.text import elides

register = template.Library()


@register.filter(needs_autoescape=True)
def session_line(registration, autoescape=True):
    """The session of `registration` as the emails name it (title, kind, dates, place), for a
    `{% blocktranslate with session=r|session_line %}`: `emails/_session.html` in an HTML
    email, `emails/_session.txt` (not escaped) in a text one."""
    if autoescape:
        return mark_safe(render_to_string("emails/_session.html", {"r": registration}).strip())
    text = get_template("emails/_session.txt").template
    return text.render(Context({"r": registration}, autoescape=False)).strip()


@register.filter(needs_autoescape=True)
def of_session_line(registration, autoescape=True):
    """« de `session_line` », elided before a title that starts with a vowel (« s'est
    désisté·e d'« Animer un atelier » », « de « Conduire… » »)."""
    line = session_line(registration, autoescape=autoescape)
    of = "d'" if elides(registration.session.action.title) else "de "
    return mark_safe(of + line) if autoescape else of + line
