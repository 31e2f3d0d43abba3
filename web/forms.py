"""What the site's forms share: how a field is rendered, and a form per row of a list page."""

from __future__ import annotations

from pathlib import Path

import django.forms
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """Every `{{ field.as_field_group }}` of the site renders templates/forms/field.html.

    Django's own renderers read either its form templates and the apps' (DjangoTemplates) or
    settings.TEMPLATES (TemplatesSetting, which then misses Django's widget templates unless
    "django.forms" is an installed app). This one reads the project's template directories
    first, then Django's form templates and the apps'."""

    field_template_name = "forms/field.html"

    @cached_property
    def engine(self):
        project_dirs = [path for config in settings.TEMPLATES for path in config.get("DIRS", [])]
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*project_dirs, Path(django.forms.__file__).parent / "templates"],
                "NAME": "parcourspro-forms",
                "OPTIONS": {},
            }
        )


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
    role="alert" in templates/forms/field.html), since the page opens far from the row."""

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
