"""Registrations in the admin: staff actions through the services, CSV export."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import web.admin.enrollment as enrollment_admin
from common.text import lowercase_first
from enrollment import services
from web.admin.common import REFUSALS, ask_reason, reason_form, report
from web.admin.offers import RegistrationOfferInline
from web.operations import exports
from web.operations.forms import DeclineForm, StructureRefusalForm

BaseRegistrationAdmin = enrollment_admin.RegistrationAdmin


class OperationsRegistrationAdmin(BaseRegistrationAdmin):
    """Registrations, plus staff actions through the services and the CSV export of the
    current filters."""

    change_list_template = "operations/admin/registration_change_list.html"
    inlines = [*BaseRegistrationAdmin.inlines, RegistrationOfferInline]
    actions = [
        "confirm_for_provider",
        "approve_for_structure",
        "refuse_for_structure",
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
                refusals.append(f"{registration} : {lowercase_first(str(refusal))}")
            else:
                done += 1
        report(self, request, done, refusals, singular, plural)

    @admin.action(
        description=gettext_lazy("Confirmer l'inscription (à la place du prestataire)"),
        permissions=["change"],
    )
    def confirm_for_provider(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.confirm(r, by=request.user),
            "%(count)d demande confirmée.",
            "%(count)d demandes confirmées.",
        )

    @admin.action(description=gettext_lazy("Accepter pour la structure"), permissions=["change"])
    def approve_for_structure(self, request, queryset):
        """Staff accept in the employer's place (a structure without approver, R4)."""
        self._each(
            request,
            queryset,
            lambda r: services.approve(r, by=request.user),
            "%(count)d demande acceptée pour la structure.",
            "%(count)d demandes acceptées pour la structure.",
        )

    def _each_with_reason(self, request, queryset, form_class, page: dict, decide, done: tuple):
        """An action that needs a reason: the intermediate page until a valid one is posted,
        then `decide(registration, reason)` on each request, reported like `_each`."""
        form = reason_form(form_class, request)
        if not form.is_bound or not form.is_valid():
            return ask_reason(
                self,
                request,
                queryset.select_related("session__action", "structure"),
                form,
                **page,
            )
        reason = form.cleaned_data["reason"]
        self._each(request, queryset, lambda r: decide(r, reason), *done)
        return None

    @admin.action(description=gettext_lazy("Refuser pour la structure"), permissions=["change"])
    def refuse_for_structure(self, request, queryset):
        """Staff refuse in the employer's place, with a reason asked on the intermediate
        page; without one, nothing changes."""
        return self._each_with_reason(
            request,
            queryset,
            StructureRefusalForm,
            {
                "title": _("Refuser pour la structure"),
                "intro": _(
                    "Ces demandes seront refusées à la place de l'employeur ; le motif est "
                    "envoyé à chaque personne avec la décision."
                ),
                "button": _("Refuser ces demandes"),
            },
            lambda r, reason: services.refuse(r, by=request.user, reason=reason),
            (
                "%(count)d demande refusée pour la structure.",
                "%(count)d demandes refusées pour la structure.",
            ),
        )

    @admin.action(
        description=gettext_lazy("Décliner (à la place du prestataire), avec un motif"),
        permissions=["change"],
    )
    def decline_registrations(self, request, queryset):
        return self._each_with_reason(
            request,
            queryset,
            DeclineForm,
            {
                "title": _("Décliner des demandes"),
                "intro": _(
                    "Seules les demandes en attente du prestataire peuvent être déclinées. Le "
                    "motif est envoyé à la personne et à son employeur ; la place revient à la "
                    "liste d'attente."
                ),
                "button": _("Décliner ces demandes"),
            },
            lambda r, reason: services.decline(r, by=request.user, reason=reason),
            ("%(count)d demande déclinée.", "%(count)d demandes déclinées."),
        )

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
