"""Staff operations in the admin: the catalogue's and enrollment's ModelAdmins, extended here
(subclassed and registered again) so that those modules stay their owners'. Every change of
places or of a registration goes through enrollment.services; refusals are shown as messages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import catalog.admin as catalog_admin
import enrollment.admin as enrollment_admin
from catalog.models import Session
from enrollment import services
from enrollment.models import Registration
from enrollment.rules import RuleViolation

from . import exports, selectors
from .forms import CancelSessionForm, DeclineForm

REASON_TEMPLATE = "operations/admin/reason_form.html"
REFUSALS = (RuleViolation, PermissionDenied)


def _report(modeladmin, request, done: int, refusals: list[str], singular: str, plural: str):
    """One success message with the count, one error message per refusal."""
    if done:
        modeladmin.message_user(
            request, ngettext(singular, plural, done) % {"count": done}, messages.SUCCESS
        )
    for line in refusals:
        modeladmin.message_user(request, line, messages.ERROR)
    if not done and not refusals:
        modeladmin.message_user(request, _("Aucun élément traité."), messages.WARNING)


def _ask_reason(modeladmin, request, queryset, form, *, title: str, intro: str, button: str):
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


def _reason_form(form_class, request):
    """The reason form, bound once the intermediate page was submitted."""
    if request.POST.get("post") == "yes":
        return form_class(request.POST)
    return form_class()


# --- sessions ------------------------------------------------------------------------------------


BaseSessionAdmin = getattr(catalog_admin, "SessionAdmin", admin.ModelAdmin)


class OperationsSessionAdmin(BaseSessionAdmin):
    """Sessions, plus: capacity through `set_capacity`, cancellation with a reason, the
    participants' CSV and the attendance sheet."""

    actions = [
        *(getattr(BaseSessionAdmin, "actions", None) or []),
        "cancel_sessions",
        "export_participants",
    ]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "operations_links"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and "operations_links" not in fields:
            fields.append("operations_links")
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "operations_links"]
        if obj is not None:
            # Cancelling closes every request and tells everyone: only the action does it.
            fields.append("status")
        return fields

    @admin.display(description=gettext_lazy("documents"))
    def operations_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("operations:attendance_sheet", args=[obj.pk]),
            _("Feuille d'émargement"),
            reverse("operations:session_participants_csv", args=[obj.pk]),
            _("Participants (CSV)"),
        )

    def save_model(self, request, obj, form, change):
        """Other fields are saved as usual; a new capacity goes through the service, which
        refuses to drop below the places held and gives new places to the waiting list."""
        if not (change and "capacity" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        capacity = obj.capacity
        obj.capacity = form.initial["capacity"]
        super().save_model(request, obj, form, change)
        try:
            promoted = services.set_capacity(obj, capacity=capacity, by=request.user)
        except REFUSALS as refusal:
            request._operations_capacity_refused = True
            self.message_user(
                request,
                _("Le nombre de places n'a pas changé : %(reason)s") % {"reason": refusal},
                messages.ERROR,
            )
            return
        obj.capacity = capacity
        self.message_user(
            request,
            ngettext(
                "Nombre de places porté à %(capacity)d : %(count)d demande sort de la liste "
                "d'attente.",
                "Nombre de places porté à %(capacity)d : %(count)d demandes sortent de la liste "
                "d'attente.",
                len(promoted),
            )
            % {"capacity": capacity, "count": len(promoted)},
            messages.SUCCESS,
        )

    def response_change(self, request, obj):
        if getattr(request, "_operations_capacity_refused", False):
            # Stay on the form, without « modifié avec succès », so that the refusal is read.
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(
        description=gettext_lazy("Annuler les sessions sélectionnées"), permissions=["change"]
    )
    def cancel_sessions(self, request, queryset):
        queryset = queryset.select_related("action")
        form = _reason_form(CancelSessionForm, request)
        if not form.is_bound or not form.is_valid():
            return _ask_reason(
                self,
                request,
                queryset,
                form,
                title=_("Annuler des sessions"),
                intro=_(
                    "Chaque demande en cours ou en liste d'attente sera close sans être "
                    "décomptée ; les personnes inscrites et leurs employeurs recevront un "
                    "courriel avec le motif."
                ),
                button=_("Annuler ces sessions"),
            )
        reason = form.cleaned_data["reason"]
        done, closed, refusals = 0, 0, []
        for session in queryset:
            if session.is_cancelled:
                refusals.append(_("%(session)s : session déjà annulée.") % {"session": session})
                continue
            try:
                closed += len(services.cancel_session(session, by=request.user, reason=reason))
            except REFUSALS as refusal:
                refusals.append(f"{session} : {refusal}")
            else:
                done += 1
        _report(
            self,
            request,
            done,
            refusals,
            "%(count)d session annulée",
            "%(count)d sessions annulées",
        )
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d demande close, la personne est prévenue.",
                    "%(count)d demandes closes, les personnes sont prévenues.",
                    closed,
                )
                % {"count": closed},
                messages.INFO,
            )
        return None

    @admin.action(description=gettext_lazy("Exporter les participants (CSV)"))
    def export_participants(self, request, queryset):
        registrations = (
            Registration.objects.filter(
                session__in=queryset.values("pk"), status__in=selectors.PARTICIPANT_STATUSES
            )
            .select_related("session__action", "structure")
            .order_by("session__starts_at", "session_id", "last_name", "first_name", "pk")
        )
        return exports.participants_csv(
            registrations, f"participants-{timezone.localdate():%Y%m%d}.csv"
        )


# --- registrations -------------------------------------------------------------------------------


BaseRegistrationAdmin = enrollment_admin.RegistrationAdmin


class OperationsRegistrationAdmin(BaseRegistrationAdmin):
    """Registrations, plus staff actions through the services and the CSV export of the
    current filters."""

    change_list_template = "operations/admin/registration_change_list.html"
    actions = [
        *BaseRegistrationAdmin.actions,
        "decline_registrations",
        "promote_registrations",
        "mark_present",
        "mark_absent",
        "export_registrations",
    ]

    def _each(self, request, queryset, operation, singular, plural):
        done, refusals = 0, []
        for registration in queryset.select_related("session__action", "user", "structure"):
            try:
                operation(registration)
            except REFUSALS as refusal:
                refusals.append(f"{registration} : {refusal}")
            else:
                done += 1
        _report(self, request, done, refusals, singular, plural)

    @admin.action(
        description=gettext_lazy("Décliner (à la place du prestataire), avec un motif"),
        permissions=["change"],
    )
    def decline_registrations(self, request, queryset):
        form = _reason_form(DeclineForm, request)
        if not form.is_bound or not form.is_valid():
            return _ask_reason(
                self,
                request,
                queryset.select_related("session__action"),
                form,
                title=_("Décliner des demandes"),
                intro=_(
                    "Seules les demandes en attente du prestataire peuvent être déclinées. Le "
                    "motif est envoyé à la personne et à son employeur ; la place revient à la "
                    "liste d'attente."
                ),
                button=_("Décliner ces demandes"),
            )
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            lambda r: services.decline(r, by=request.user, reason=reason),
            "%(count)d demande déclinée.",
            "%(count)d demandes déclinées.",
        )
        return None

    @admin.action(
        description=gettext_lazy("Sortir de la liste d'attente (attribuer une place)"),
        permissions=["change"],
    )
    def promote_registrations(self, request, queryset):
        self._each(
            request,
            queryset.order_by("submitted_at", "pk"),
            lambda r: services.promote(r, by=request.user),
            "%(count)d demande sortie de la liste d'attente.",
            "%(count)d demandes sorties de la liste d'attente.",
        )

    @admin.action(description=gettext_lazy("Noter présent·e"), permissions=["change"])
    def mark_present(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.mark_attendance(r, by=request.user, present=True),
            "%(count)d présence notée.",
            "%(count)d présences notées.",
        )

    @admin.action(description=gettext_lazy("Noter absent·e"), permissions=["change"])
    def mark_absent(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.mark_attendance(r, by=request.user, present=False),
            "%(count)d absence notée.",
            "%(count)d absences notées.",
        )

    @admin.action(description=gettext_lazy("Exporter les demandes sélectionnées (CSV)"))
    def export_registrations(self, request, queryset):
        return self._registrations_csv(queryset)

    def _registrations_csv(self, queryset):
        registrations = queryset.select_related("session__action__provider", "structure")
        return exports.registrations_csv(
            registrations, f"demandes-{timezone.localdate():%Y%m%d}.csv"
        )

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_export_csv"
        return [
            path("export-csv/", self.admin_site.admin_view(self.export_view), name=name),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """Every registration the changelist shows with its current filters and search."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )
        return self._registrations_csv(changelist.get_queryset(request))


def _register_again(model, admin_class):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


_register_again(Session, OperationsSessionAdmin)
_register_again(Registration, OperationsRegistrationAdmin)
