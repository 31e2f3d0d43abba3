"""Sessions in the admin: capacity through `set_capacity`, cancellation with a reason."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import web.admin.catalog as catalog_admin
from catalog import changes
from catalog.changes import Fact
from common.text import lowercase_first
from enrollment import services
from enrollment.models import Registration
from surveys.mix import with_mix
from web.admin.common import REFUSALS, ask_reason, reason_form, report
from web.admin.offers import SessionOfferInline, offers_summary, signing_summary
from web.admin.surveys import PoorMixFilter, mix_column
from web.operations import exports, selectors
from web.operations.forms import CancelSessionForm

BaseSessionAdmin = catalog_admin.SessionAdmin


class SessionRegistrationInline(admin.TabularInline):
    """The session's requests, read-only: each one links to its own page, where the staff
    actions (through the services) are."""

    model = Registration
    fk_name = "session"
    fields = ("request", "structure", "status", "submitted_at", "counted_in_quota")
    readonly_fields = fields
    ordering = ("submitted_at", "pk")
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("demande d'inscription")
    verbose_name_plural = gettext_lazy("demandes d'inscription de la session")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("demande"))
    def request(self, registration):
        name = f"{registration.first_name} {registration.last_name}".strip()
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:enrollment_registration_change", args=[registration.pk]),
            name or _("Compte supprimé"),
        )


class OperationsSessionAdmin(BaseSessionAdmin):
    """Sessions, plus: capacity through `set_capacity`, cancellation with a reason, the
    participants' CSV, the attendance sheet, and the session's requests."""

    inlines = [
        *(getattr(BaseSessionAdmin, "inlines", None) or []),
        SessionRegistrationInline,
        SessionOfferInline,
    ]
    actions = [
        *(getattr(BaseSessionAdmin, "actions", None) or []),
        "cancel_sessions",
        "export_participants",
    ]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "mix", "operations_links"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), PoorMixFilter]

    def get_queryset(self, request):
        return with_mix(super().get_queryset(request))

    @admin.display(description=gettext_lazy("mixité"))
    def mix(self, obj):
        return mix_column(obj)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        for name in ("operations_links", "late_release", "signatures"):
            if obj is not None and name not in fields:
                fields.append(name)
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = [
            *super().get_readonly_fields(request, obj),
            "operations_links",
            "late_release",
            "signatures",
        ]
        if obj is not None:
            # Cancelling closes every request and tells everyone: only the action does it.
            fields.append("status")
        return fields

    @admin.display(description=gettext_lazy("documents"))
    def operations_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("operations:attendance_sheet", args=[obj.pk]),
            _("Feuille d'émargement"),
            reverse("operations:signing", args=[obj.pk]),
            _("Émargement électronique"),
            reverse("operations:session_participants_csv", args=[obj.pk]),
            _("Participants (CSV)"),
            reverse("documents:session_zip", args=[obj.pk]),
            _("Documents (zip)"),
        )

    @admin.display(description=gettext_lazy("libération tardive"))
    def late_release(self, obj):
        return offers_summary(obj) if obj is not None and obj.pk else "—"

    @admin.display(description=gettext_lazy("émargement électronique"))
    def signatures(self, obj):
        return signing_summary(obj) if obj is not None and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        """A new session is saved as usual. A change goes through the services: what staff
        changed but the places through `change_session`, which tells the people registered
        and their approvers when the dates, the place or the link changed (DESIGN.md, turn 3
        « Session changes »); a new capacity through `set_capacity`, which refuses to drop
        below the places held and gives new places to the waiting list."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {
            name: getattr(obj, name)
            for name in form.changed_data
            if name in changes.CHANGEABLE_FIELDS
        }
        if values:
            try:
                changed = services.change_session(obj, by=request.user, **values)
            except REFUSALS as refusal:
                request.operations_change_refused = True
                self.message_user(
                    request,
                    _("La session n'a pas été modifiée : %(reason)s")
                    % {"reason": lowercase_first(str(refusal))},
                    messages.ERROR,
                )
                return
            self._say_who_is_told(request, obj, changed)
        if "capacity" in form.changed_data:
            self._set_capacity(request, obj, form)

    def _say_who_is_told(self, request, obj, changed) -> None:
        if not changed.facts:
            return
        what = ", ".join(lowercase_first(str(fact.label)) for fact in Fact if fact in changed.facts)
        if not changed.told:
            self.message_user(
                request,
                _("Modification (%(what)s) enregistrée : aucune demande en cours à prévenir.")
                % {"what": what},
                messages.INFO,
            )
            return
        count = len(changed.told)
        if obj.action.is_member_only:
            text = ngettext(
                "Modification enregistrée (%(what)s) : %(count)d personne ayant une demande en "
                "cours est prévenue par courriel, ainsi que ses valideurs.",
                "Modification enregistrée (%(what)s) : %(count)d personnes ayant une demande en "
                "cours sont prévenues par courriel, ainsi que leurs valideurs.",
                count,
            )
        else:
            text = ngettext(
                "Modification enregistrée (%(what)s) : %(count)d personne ayant une demande en "
                "cours est prévenue par courriel.",
                "Modification enregistrée (%(what)s) : %(count)d personnes ayant une demande en "
                "cours sont prévenues par courriel.",
                count,
            )
        self.message_user(request, text % {"what": what, "count": count}, messages.INFO)

    def _set_capacity(self, request, obj, form) -> None:
        capacity = obj.capacity
        obj.capacity = form.initial["capacity"]
        try:
            promoted = services.set_capacity(obj, capacity=capacity, by=request.user)
        except REFUSALS as refusal:
            request.operations_change_refused = True
            self.message_user(
                request,
                _("Le nombre de places n'a pas changé : %(reason)s")
                % {"reason": lowercase_first(str(refusal))},
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
        if getattr(request, "operations_change_refused", False):
            # Stay on the form, without « modifié avec succès », so that the refusal is read.
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(
        description=gettext_lazy("Annuler les sessions sélectionnées"), permissions=["change"]
    )
    def cancel_sessions(self, request, queryset):
        queryset = queryset.select_related("action")
        form = reason_form(CancelSessionForm, request)
        if not form.is_bound or not form.is_valid():
            return ask_reason(
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
                refusals.append(f"{session} : {lowercase_first(str(refusal))}")
            else:
                done += 1
        report(
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
