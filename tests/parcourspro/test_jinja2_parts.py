"""The Jinja2 engine of the pages' parts (web/jinja2.py) behaves as the Django template
language they come from."""

from django.conf import settings
from django.template.backends.jinja2 import Jinja2
from django.test import override_settings


def engine() -> Jinja2:
    """A new engine from the project's settings (the one in `engines` is built once)."""
    [params] = [dict(t) for t in settings.TEMPLATES if t.get("NAME") == "jinja2"]
    params["OPTIONS"] = dict(params["OPTIONS"])
    del params["BACKEND"]
    return Jinja2(params)


def test_a_missing_value_writes_nothing_with_debug_on_or_off():
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            template = engine().from_string("[{{ missing }}|{{ row.missing.deeper }}]")
            assert template.render({"row": object()}) == "[|]"


def test_values_are_escaped_and_texts_are_the_catalogues():
    template = engine().from_string('{{ value }} {{ _("Inscriptions closes") }}')
    assert template.render({"value": "<b>&"}) == "&lt;b&gt;&amp; Inscriptions closes"
