"""Admin change forms that write what staff changed, not the whole row as the page read it."""

from __future__ import annotations


class SavesWhatChangedMixin:
    """Staff edit a row while the platform changes it (an approver confirms or ends a
    person's attachment, an invitation adds an approver to a structure): saving the whole row
    from the form, or setting a many-to-many field to the list the page showed, would undo
    those changes (issue 23). Each field carries what the page showed (Django's
    `show_hidden_initial`), so that `form.changed_data` names what staff changed; on a change,
    only those fields are written, and a many-to-many field gets what was added or removed.
    A new row is saved as Django does."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and not formfield.disabled:
            formfield.show_hidden_initial = True
        return formfield

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        changed = [f.name for f in obj._meta.concrete_fields if f.name in form.changed_data]
        if changed:
            obj.save(update_fields=changed)
        return None

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        obj = form.instance
        for field in obj._meta.many_to_many:
            if field.name in form.changed_data and field.name in form.cleaned_data:
                shown = set(map(str, shown_value(form, field.name) or ()))
                chosen = {str(item.pk): item for item in form.cleaned_data[field.name]}
                manager = getattr(obj, field.name)
                manager.add(*(item for pk, item in chosen.items() if pk not in shown))
                manager.remove(*(pk for pk in shown if pk not in chosen))
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        return None


def shown_value(form, name: str):
    """What the page showed in field `name`: its hidden initial input, as posted."""
    field, bound = form.fields[name], form[name]
    return field.hidden_widget().value_from_datadict(form.data, form.files, bound.html_initial_name)
