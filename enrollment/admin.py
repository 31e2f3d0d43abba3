"""Staff screens for registrations and carts. Statuses change only through the services
(DESIGN.md): the admin shows them, with their audit trail, and its actions call the services."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import StructureRefusalForm
from .models import Cart, CartItem, Registration, RegistrationEvent
from .rules import RuleViolation


class SessionYearFilter(admin.SimpleListFilter):
    title = _("année de la session")
    parameter_name = "annee"

    def lookups(self, request, model_admin):
        years = Registration.objects.dates("session__starts_at", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(session__starts_at__year=int(self.value()))
        return queryset


class RegistrationEventInline(admin.TabularInline):
    """The audit trail: read-only, written by the services only."""

    model = RegistrationEvent
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = (
        "person",
        "action",
        "session_start",
        "structure",
        "status",
        "submitted_at",
        "counted_in_quota",
    )
    list_filter = (
        "status",
        "session__action__kind",
        ("structure", admin.RelatedOnlyFieldListFilter),
        SessionYearFilter,
        "counted_in_quota",
    )
    search_fields = (
        "first_name",
        "last_name",
        "email",
        "user__email",
        "user__last_name",
        "session__action__title",
    )
    date_hierarchy = "submitted_at"
    list_select_related = ("session__action", "structure")
    list_per_page = 50
    inlines = [RegistrationEventInline]
    actions = ["confirm_for_provider", "approve_for_structure", "refuse_for_structure"]
    fieldsets = (
        (
            _("Demande"),
            {
                "fields": (
                    "user",
                    "session",
                    "structure",
                    "status",
                    "waitlist_reason",
                    "submission",
                    "submitted_at",
                )
            },
        ),
        (
            _("Coordonnées et motivations"),
            {"fields": ("first_name", "last_name", "email", "phone", "job_title", "motivations")},
        ),
        (
            _("Décisions"),
            {
                "fields": (
                    "employer_approved_at",
                    "employer_approved_by",
                    "approval_reminded_at",
                    "provider_decided_at",
                    "decision_reason",
                )
            },
        ),
        (
            _("Désistement"),
            {"fields": ("cancelled_at", "cancellation_reason", "counted_in_quota")},
        ),
    )
    # Every field is shown, none is edited here: a status, a decision or a cancellation goes
    # through enrollment.services, which checks the rules, frees places and writes the history.
    readonly_fields = tuple(field for fieldset in fieldsets for field in fieldset[1]["fields"])

    @admin.display(description=_("personne"), ordering="last_name")
    def person(self, obj):
        return f"{obj.first_name} {obj.last_name}"

    @admin.display(description=_("action"), ordering="session__action__title")
    def action(self, obj):
        return obj.session.action.title

    @admin.display(description=_("début de la session"), ordering="session__starts_at")
    def session_start(self, obj):
        return timezone.localtime(obj.session.starts_at).strftime("%d/%m/%Y %H:%M")

    def has_add_permission(self, request):
        return False  # requests are made by professionals, from their cart

    @admin.action(
        description=_("Confirmer l'inscription (à la place du prestataire)"),
        permissions=["change"],
    )
    def confirm_for_provider(self, request, queryset):
        self._decide_each(
            request,
            queryset,
            lambda registration: services.confirm(registration, by=request.user),
            "%(count)d demande confirmée.",
            "%(count)d demandes confirmées.",
        )

    def _decide_each(self, request, queryset, decide, singular: str, plural: str) -> None:
        """Call `decide` on each selected request; one success message with the count, and
        the French message of each refusal (a rule, or a permission)."""
        done, refused = 0, []
        for registration in queryset.select_related("session__action", "structure"):
            try:
                decide(registration)
            except (RuleViolation, PermissionDenied) as error:
                refused.append(f"{registration} : {error}")
            else:
                done += 1
        if done:
            self.message_user(
                request, ngettext(singular, plural, done) % {"count": done}, messages.SUCCESS
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Accepter pour la structure"), permissions=["change"])
    def approve_for_structure(self, request, queryset):
        """Staff accept in the employer's place (a structure without approver, R4)."""
        self._decide_each(
            request,
            queryset,
            lambda registration: services.approve(registration, by=request.user),
            "%(count)d demande acceptée pour la structure.",
            "%(count)d demandes acceptées pour la structure.",
        )

    @admin.action(description=_("Refuser pour la structure"), permissions=["change"])
    def refuse_for_structure(self, request, queryset):
        """Staff refuse in the employer's place, with a reason asked on an intermediate page;
        without one, nothing changes."""
        form = StructureRefusalForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            opts = self.model._meta
            return TemplateResponse(
                request,
                "enrollment/admin/refuse_for_structure.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refuser pour la structure"),
                    "registrations": list(queryset.select_related("session__action", "structure")),
                    "form": form,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": opts,
                    "app_label": opts.app_label,
                    "media": self.media,
                },
            )
        reason = form.cleaned_data["reason"]
        self._decide_each(
            request,
            queryset,
            lambda registration: services.refuse(registration, by=request.user, reason=reason),
            "%(count)d demande refusée pour la structure.",
            "%(count)d demandes refusées pour la structure.",
        )
        return None


class CartItemInline(admin.TabularInline):
    model = CartItem
    fields = ("session", "added_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False  # professionals fill their own carts, through the rules

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session__action")


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("user", "item_count", "created_at", "updated_at")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at", "updated_at")
    inlines = [CartItemInline]
    date_hierarchy = "updated_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description=_("sessions"), ordering="item_count")
    def item_count(self, obj):
        return obj.item_count

    def has_add_permission(self, request):
        return False
