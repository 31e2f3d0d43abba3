"""What the staff admin actions share: a batch's report, the page that asks for a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrollment.rules import RuleViolation

REASON_TEMPLATE = "operations/admin/reason_form.html"
REFUSALS = (RuleViolation, PermissionDenied)


def report(modeladmin, request, done: int, refusals: list[str], singular: str, plural: str):
    """One success message with the count, one error message per refusal."""
    if done:
        modeladmin.message_user(
            request, ngettext(singular, plural, done) % {"count": done}, messages.SUCCESS
        )
    for line in refusals:
        modeladmin.message_user(request, line, messages.ERROR)
    if not done and not refusals:
        modeladmin.message_user(request, _("Aucun élément traité."), messages.WARNING)


def ask_reason(modeladmin, request, queryset, form, *, title: str, intro: str, button: str):
    """The intermediate page of an action that needs a reason (like Django's « delete
    selected » confirmation): the selection is posted again with the reason."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "button": button,
        "objects": list(queryset),
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": opts,
        "app_label": opts.app_label,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, REASON_TEMPLATE, context)


def reason_form(form_class, request):
    """The reason form, bound once the intermediate page was submitted."""
    if request.POST.get("post") == "yes":
        return form_class(request.POST)
    return form_class()
