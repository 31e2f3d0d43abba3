"""Staff screens for structures and memberships (Django admin, in French)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from employers import attachments, services
from employers.models import ApprovalReminder, ApproverInvitation, Attachment, Membership, Structure
from web.admin.common import REFUSALS, ask_reason, reason_form
from web.admin.saving import SavesWhatChangedMixin
from web.enrollment.forms import ReasonForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["year", "formula", "amount", "paid_on"]
    ordering = ["-year"]


class CurrentMemberFilter(admin.SimpleListFilter):
    title = _("adhésion de l'année")
    parameter_name = "adherente"

    def lookups(self, request, model_admin):
        return [("oui", _("adhérente cette année")), ("non", _("non adhérente cette année"))]

    def queryset(self, request, queryset):
        year = timezone.localdate().year
        if self.value() == "oui":
            return queryset.filter(memberships__year=year)
        if self.value() == "non":
            return queryset.exclude(memberships__year=year)
        return queryset


@admin.register(Structure)
class StructureAdmin(SavesWhatChangedMixin, admin.ModelAdmin):
    list_display = ["name", "siret", "kind", "department", "current_membership", "is_validated"]
    list_filter = ["is_validated", CurrentMemberFilter, "kind", "department"]
    search_fields = ["name", "siret", "city", "postal_code"]
    autocomplete_fields = ["approvers", "proposed_by"]

    inlines = [MembershipInline]
    actions = ["validate_structures"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "siret", "kind", "is_validated", "proposed_by", "created_at"]}),
        (_("Adresse"), {"fields": ["address", "postal_code", "city", "department"]}),
        (_("Employeur"), {"fields": ["approvers"]}),
    ]

    def get_queryset(self, request):
        current = Membership.objects.filter(
            structure=OuterRef("pk"), year=timezone.localdate().year
        )
        return (
            super()
            .get_queryset(request)
            .annotate(current_formula_value=Subquery(current.values("formula")[:1]))
        )

    @admin.display(description=_("adhésion de l'année"), ordering="current_formula_value")
    def current_membership(self, obj):
        if not obj.current_formula_value:
            return _("Non adhérente")
        return Membership.Formula(obj.current_formula_value).label

    @admin.action(description=_("Valider les structures proposées"))
    def validate_structures(self, request, queryset):
        updated = queryset.filter(is_validated=False).update(is_validated=True)
        self.message_user(
            request,
            ngettext("%(count)d structure validée.", "%(count)d structures validées.", updated)
            % {"count": updated},
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["structure", "year", "formula", "amount", "paid_on"]
    list_filter = ["year", "formula"]
    list_select_related = ["structure"]
    search_fields = ["structure__name", "structure__siret"]
    autocomplete_fields = ["structure"]
    date_hierarchy = "paid_on"


@admin.register(ApproverInvitation)
class ApproverInvitationAdmin(admin.ModelAdmin):
    """Staff invite an approver by email: adding an invitation sends it (same service as the
    Employer Space)."""

    list_display = ["email", "structure", "invited_by", "created_at", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["structure", "invited_by"]
    search_fields = ["email", "structure__name", "structure__siret"]
    autocomplete_fields = ["structure"]
    fields = ["structure", "email", "invited_by", "created_at", "accepted_at", "accepted_by"]
    readonly_fields = ["invited_by", "created_at", "accepted_at", "accepted_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        invitation = services.invite_approver(obj.structure, obj.email, by=request.user)
        obj.pk = invitation.pk


@admin.register(ApprovalReminder)
class ApprovalReminderAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["registration__session__action"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Who asked to belong to which structure; staff confirm or refuse like an approver."""

    list_display = ["user", "structure", "status", "requested_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__last_name", "structure__name", "structure__siret"]
    list_select_related = ["user", "structure", "decided_by"]
    date_hierarchy = "requested_at"
    actions = ["accept_attachments", "refuse_attachments"]
    readonly_fields = ["user", "structure", "status", "requested_at", "decided_at", "decided_by"]

    def has_add_permission(self, request):
        return False  # people ask from their profile; approvers and staff decide

    def has_change_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, decide, done_message):
        done = 0
        for attachment in queryset.select_related("user", "structure"):
            try:
                decide(attachment)
            except (*REFUSALS, ValidationError) as refusal:
                self.message_user(request, f"{attachment} : {refusal}", messages.ERROR)
            else:
                done += 1
        if done:
            text = ngettext(*done_message, done) % {"count": done}
            self.message_user(request, text, messages.SUCCESS)

    @admin.action(description=_("Confirmer le rattachement"), permissions=["view"])
    def accept_attachments(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda a: attachments.accept_attachment(a, by=request.user),
            ("%(count)d rattachement confirmé.", "%(count)d rattachements confirmés."),
        )

    @admin.action(description=_("Refuser le rattachement, avec un motif"), permissions=["view"])
    def refuse_attachments(self, request, queryset):
        form = reason_form(ReasonForm, request)
        if not form.is_bound or not form.is_valid():
            return ask_reason(
                self,
                request,
                queryset,
                form,
                title=_("Refuser le rattachement"),
                intro=_("Le motif est envoyé à chaque personne avec la décision."),
                button=_("Refuser ces rattachements"),
            )
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            lambda a: attachments.refuse_attachment(a, by=request.user, reason=reason),
            ("%(count)d rattachement refusé.", "%(count)d rattachements refusés."),
        )
        return None
