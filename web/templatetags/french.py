"""French typography in templates: `{% load french %}`.

{% blocktranslate with of_name=person|de_name %}La demande {{ of_name }}{% endblocktranslate %}
{{ title }} : {{ refusal|lcfirst }}
"""

from django import template

from common import text

register = template.Library()


@register.filter
def de_name(name):
    """« de Camille », « d'Inès »: « de » before a name, elided before a vowel or a mute h."""
    return text.de_name(name)


@register.filter(is_safe=True)
def lcfirst(sentence):
    """A sentence shown after a colon starts in lower case (names and acronyms excepted)."""
    return text.lowercase_first(sentence)
