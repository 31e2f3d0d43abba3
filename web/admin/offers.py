"""The late release's offers in the admin (DESIGN.md, turn 3): read-only, written by the
services only; each session's and each registration's offers as inlines, and the list of
every offer with its outcome."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enrollment.models import Offer
from web.operations.session_figures import offer_figures, signing_figures

OFFER_FIELDS = ("status", "made_at", "expires_at", "decided_at", "approval_due_at", "reason")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RegistrationOfferInline(ReadOnlyInline):
    """A registration's offers (a request skipped for its quota may be offered again)."""

    model = Offer
    fk_name = "registration"
    fields = OFFER_FIELDS
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("places proposées (libération tardive)")


class SessionOfferInline(ReadOnlyInline):
    """The session's offers, oldest first, each linking to its request."""

    model = Offer
    fk_name = "session"
    fields = ("request", *OFFER_FIELDS)
    readonly_fields = fields
    ordering = ("made_at", "pk")
    verbose_name_plural = gettext_lazy("places proposées (libération tardive)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("registration")

    @admin.display(description=gettext_lazy("demande"))
    def request(self, offer):
        registration = offer.registration
        name = f"{registration.first_name} {registration.last_name}".strip()
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:enrollment_registration_change", args=[registration.pk]),
            name or _("Compte supprimé"),
        )


def offers_summary(session) -> str:
    """« 3 places proposées : 1 sauvée, 1 déclinée, 1 expirée, 0 en cours »."""
    figures = offer_figures(session)
    if not figures.made:
        return _("Aucune place proposée.")
    return ngettext(
        "%(made)d place proposée\u00a0: %(saved)d sauvée (acceptée), %(declined)d déclinée, "
        "%(expired)d expirée, %(running)d en attente de réponse.",
        "%(made)d places proposées\u00a0: %(saved)d sauvées (acceptées), %(declined)d "
        "déclinées, %(expired)d expirées, %(running)d en attente de réponse.",
        figures.made,
    ) % {
        "made": figures.made,
        "saved": figures.places_saved,
        "declined": figures.declined,
        "expired": figures.expired,
        "running": figures.running,
    }


def signing_summary(session) -> str:
    """« 12 signatures (10 à l'heure, 2 en retard), 1 présence corrigée, 2 demi-journées
    validées sur 4 »."""
    figures = signing_figures(session)
    return _(
        "Signatures\u00a0: %(signed)d (à l'heure\u00a0: %(on_time)d, en retard\u00a0: "
        "%(late)d)\u00a0; présences corrigées\u00a0: %(corrected)d\u00a0; demi-journées "
        "validées\u00a0: %(validated)d sur %(half_days)d."
    ) % {
        "signed": figures.signed,
        "on_time": figures.on_time,
        "late": figures.late,
        "corrected": figures.corrected,
        "validated": figures.validated,
        "half_days": figures.half_days,
    }


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("registration", "session", "status", "made_at", "expires_at", "decided_at")
    list_filter = ("status", "session__action__kind")
    search_fields = (
        "registration__first_name",
        "registration__last_name",
        "registration__email",
        "session__action__title",
    )
    date_hierarchy = "made_at"
    list_select_related = ("registration", "session__action")
    readonly_fields = ("registration", "session", *OFFER_FIELDS)
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
