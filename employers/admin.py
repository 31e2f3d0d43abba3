"""Staff screens for structures and memberships (Django admin, in French)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Membership, Structure


def user_autocomplete(fields: list[str]) -> list[str]:
    """`fields` when the User admin (accounts, another team's module) is registered with
    search fields, as autocomplete requires; else [] so that `raw_id_fields` applies."""
    user_admin = admin.site._registry.get(get_user_model())
    return list(fields) if user_admin is not None and user_admin.search_fields else []


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
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "kind", "department", "current_membership", "is_validated"]
    list_filter = ["is_validated", CurrentMemberFilter, "kind", "department"]
    search_fields = ["name", "siret", "city", "postal_code"]
    raw_id_fields = ["approvers", "proposed_by"]

    def get_autocomplete_fields(self, request):
        return user_autocomplete(["approvers", "proposed_by"])

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
            .annotate(_current_formula=Subquery(current.values("formula")[:1]))
        )

    @admin.display(description=_("adhésion de l'année"), ordering="_current_formula")
    def current_membership(self, obj):
        if not obj._current_formula:
            return _("Non adhérente")
        return Membership.Formula(obj._current_formula).label

    @admin.action(description=_("Valider les structures proposées"))
    def validate_structures(self, request, queryset):
        updated = queryset.filter(is_validated=False).update(is_validated=True)
        self.message_user(request, _("%(count)d structure(s) validée(s).") % {"count": updated})


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["structure", "year", "formula", "amount", "paid_on"]
    list_filter = ["year", "formula"]
    list_select_related = ["structure"]
    search_fields = ["structure__name", "structure__siret"]
    autocomplete_fields = ["structure"]
    date_hierarchy = "paid_on"
