"""Staff screens for registrations and carts. Statuses change only through the services
(DESIGN.md): the admin shows them, with their audit trail, and its actions call the services."""

from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import typography
from enrollment.models import Cart, CartItem, Registration, RegistrationEvent


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
    # The status next to the person: the column staff look for, never cut off at 1280 px.
    list_display = (
        "person",
        "status",
        "action",
        "session_start",
        "structure",
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
                    "participant_reminded_at",
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
        return typography.moment(timezone.localtime(obj.session.starts_at), short=True)

    def has_add_permission(self, request):
        return False  # requests are made by professionals, from their cart


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
