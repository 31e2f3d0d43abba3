"""What the site's forms share: how a field is rendered, and a form per row of a list page."""

from __future__ import annotations

from pathlib import Path

import django.forms
from django import forms
from django.conf import settings
from django.forms.renderers import BaseRenderer
from django.forms.renderers import DjangoTemplates as DjangoTemplatesRenderer
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2 as Jinja2Backend
from django.utils.functional import cached_property


class FormRenderer(BaseRenderer):
    """Every `{{ field.as_field_group }}` of the site renders templates/jinja2/forms/field.html.

    A field's templates (the field, its label, its widget) are compiled by Jinja2, as Django's
    own Jinja2 form renderer does (documented): the project's templates/jinja2 first, then
    Django's (django/forms/jinja2). In the Django template language they were the costliest
    part of a form's page; in Jinja2 they cost a fifth (docs/PERFORMANCE.md). A template that
    only exists for the Django template language (the admin's widgets) is read as Django's
    DjangoTemplates renderer reads it: Django's form templates and the apps'. The pages
    themselves stay in the Django template language."""

    field_template_name = "forms/field.html"

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)  # the public renderer API

    @cached_property
    def jinja2(self):
        return Jinja2Backend(
            {
                "APP_DIRS": False,
                "DIRS": [
                    settings.BASE_DIR / "templates" / "jinja2",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "NAME": "parcourspro-forms-jinja2",
                "OPTIONS": {},
            }
        )

    @cached_property
    def django(self):
        return DjangoTemplatesRenderer()


class PageForm(forms.Form):
    """A form of the site's own pages: labels without Django's « : », required fields marked
    (label.required, to which site.css adds the « * »)."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RowForm:
    """A form repeated in each row of a list page (a refusal per request, an invitation per
    structure), its fields prefixed by the row: `refuse-12-reason`.

    After a failed POST the list page is shown again, with the bound form and its errors in
    its own row and blank forms in the others. Its errors are announced (`announce_errors`:
    role="alert" in templates/jinja2/forms/field.html), since the page opens far from the row."""

    def __init__(self, form_class, name: str):
        self.form_class = form_class
        self.name = name

    def prefix(self, row) -> str:
        return f"{self.name}-{row.pk}"

    def bind(self, request, row):
        """The form as posted from `row`."""
        form = self.form_class(request.POST, prefix=self.prefix(row))
        form.announce_errors = True
        return form

    def for_row(self, row, bound=None):
        """`bound` when it was posted from `row`, else a blank form."""
        if bound is not None and bound.prefix == self.prefix(row):
            return bound
        return self.form_class(prefix=self.prefix(row))
