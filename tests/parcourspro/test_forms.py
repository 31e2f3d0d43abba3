"""Every field of the site renders templates/jinja2/forms/field.html (web.forms)."""

from types import SimpleNamespace

from django import forms
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test import RequestFactory

from web.forms import PageForm, RowForm


class ReasonForm(PageForm):
    reason = forms.CharField(label="Motif", help_text="Il est transmis à la personne.")
    choice = forms.ChoiceField(
        label="Présence", choices=[("p", "Présent·e"), ("a", "Absent·e")], widget=forms.RadioSelect
    )


def test_a_field_in_error_names_its_help_and_error_to_its_input():
    html = ReasonForm(data={})["reason"].as_field_group()
    assert '<div class="form-row has-error">' in html
    assert '<label for="id_reason" class="required">Motif</label>' in html
    assert '<div class="helptext" id="id_reason_helptext">Il est transmis' in html
    assert '<ul class="errorlist" id="id_reason_error">' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert "role=" not in html


def test_a_radio_group_is_a_fieldset_with_its_legend():
    html = ReasonForm()["choice"].as_field_group()
    assert "<fieldset>" in html and '<legend class="required">Présence</legend>' in html
    assert '<label for="id_choice_0">' in html


def test_the_bound_form_of_a_row_stays_in_its_row_and_announces_its_errors():
    rows = [SimpleNamespace(pk=12), SimpleNamespace(pk=13)]
    row_form = RowForm(ReasonForm, "decline")
    request = RequestFactory().post("/", {"decline-13-reason": " "})
    bound = row_form.bind(request, rows[1])
    assert not bound.is_valid()
    blank, in_error = (row_form.for_row(row, bound) for row in rows)
    assert in_error is bound and not blank.is_bound and blank.prefix == "decline-12"
    html = in_error["reason"].as_field_group()
    assert '<div role="alert"><ul class="errorlist" id="id_decline-13-reason_error">' in html


def test_a_field_is_written_by_jinja2_and_an_admin_widget_by_django_templates():
    """The renderer reads a field's templates compiled by Jinja2 (the site's fields), and the
    templates only the Django template language has (the admin's widgets) from Django."""
    renderer = get_default_renderer()
    assert isinstance(renderer.get_template("forms/field.html"), Jinja2Template)
    assert isinstance(renderer.get_template("django/forms/widgets/text.html"), Jinja2Template)
    admin_widget = renderer.get_template("admin/widgets/related_widget_wrapper.html")
    assert isinstance(admin_widget, DjangoTemplate)


def test_a_value_typed_with_quotes_and_markup_is_escaped_in_its_input():
    html = ReasonForm(data={"reason": '"><script>x</script>'})["reason"].as_field_group()
    assert "<script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
