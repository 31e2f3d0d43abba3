"""French typography in templates: `{% load french %}`.

{% blocktranslate with of_name=person|de_name %}La demande {{ of_name }}{% endblocktranslate %}
{{ title }} : {{ refusal|lcfirst }}
{{ start|hour }} → « 9 h 30 »; {{ day|day }} → « 1er février 2027 »;
{{ day|day:"weekday" }} → « lundi 1er février 2027 »; {{ day|day:"short" }} → « 1er févr. 2027 »;
{{ instant|at }} → « 1er février 2027 à 9 h 30 » (Paris time)
"""

import datetime as dt

from django import template
from django.utils import timezone

from common import text, typography

register = template.Library()


@register.filter
def de_name(name):
    """« de Camille », « d'Inès »: « de » before a name, elided before a vowel or a mute h."""
    return text.de_name(name)


@register.filter(is_safe=True)
def lcfirst(sentence):
    """A sentence shown after a colon starts in lower case (names and acronyms excepted)."""
    return text.lowercase_first(sentence)


def _local(value):
    """An aware datetime in Paris time (the site's time zone); a date or time as it is."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def hour(value):
    """« 9 h », « 9 h 30 »."""
    return typography.hour(_local(value)) if value else ""


@register.filter
def day(value, options=""):
    """« 1er février 2027 »; options « weekday », « short », « noyear », comma-separated."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    flags = {option.strip() for option in options.split(",")}
    return typography.day(
        value, weekday="weekday" in flags, short="short" in flags, year="noyear" not in flags
    )


@register.filter
def at(value, options=""):
    """« 1er février 2027 à 9 h 30 », in Paris time; options as `day`."""
    if not value:
        return ""
    flags = {option.strip() for option in options.split(",")}
    return typography.moment(_local(value), weekday="weekday" in flags, short="short" in flags)


@register.filter(is_safe=True)
def spaced(value):
    """A text (an attribute, a value computed in Python) with its non-breaking spaces."""
    return typography.spaced(str(value))
