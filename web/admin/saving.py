"""Admin change forms that write what staff changed, not the whole row as the page read it."""

from __future__ import annotations


class SavesWhatChangedMixin:
    """Staff edit a row while the platform changes it (an approver confirms or ends a
    person's attachment, an invitation adds an approver to a structure): saving the whole row
    from the form, or setting a many-to-many field to the list the page showed, would undo
    those changes (issue 23). Each field carries what the page showed (Django's
    `show_hidden_initial`); on a change, only the fields staff changed from it are written,
    and a many-to-many field gets what was added or removed. A new row is saved as Django
    does."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and not formfield.disabled:
            formfield.show_hidden_initial = True
        return formfield

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        changed = [
            f.name
            for f in obj._meta.concrete_fields
            if f.name in form.fields and changed_by_staff(form, f.name)
        ]
        if changed:
            obj.save(update_fields=changed)
        return None

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        obj = form.instance
        for field in obj._meta.many_to_many:
            name = field.name
            if name in form.fields and name in form.cleaned_data and changed_by_staff(form, name):
                shown = set(map(str, shown_value(form, name)))
                chosen = {str(item.pk): item for item in form.cleaned_data[name]}
                manager = getattr(obj, name)
                manager.add(*(item for pk, item in chosen.items() if pk not in shown))
                manager.remove(*(pk for pk in shown if pk not in chosen))
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        return None


def _from_the_page(form) -> bool:
    """Whether the post carries what the page showed (hidden initial values; an empty list
    of a many-to-many field has none). A post not sent from the page, a script's, has none:
    its fields are compared with the row as it is, as Django does."""
    return any(form[name].html_initial_name in form.data for name in form.fields)


def changed_by_staff(form, name: str) -> bool:
    if _from_the_page(form):
        return name in form.changed_data
    bound = form[name]
    return form.fields[name].has_changed(bound.initial, bound.data)


def shown_value(form, name: str) -> list:
    """What the page showed in the many-to-many field `name`: its hidden initial inputs, as
    posted; the row's current values for a post not sent from the page."""
    field, bound = form.fields[name], form[name]
    if not _from_the_page(form):
        return [getattr(item, "pk", item) for item in bound.initial or ()]
    hidden = field.hidden_widget()
    return hidden.value_from_datadict(form.data, form.files, bound.html_initial_name) or []
