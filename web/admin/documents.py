from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from documents.models import ConventionAcceptance, Document, PendingDocument


class AcceptanceInline(admin.StackedInline):
    model = ConventionAcceptance
    extra = 0
    can_delete = False
    readonly_fields = [
        "accepted_by",
        "accepted_by_name",
        "accepted_at",
        "ip",
        "accepted_sha256",
        "signed_copy",
        "signed_sha256",
    ]
    exclude = ["signed_file"]

    @admin.display(description=_("exemplaire accepté"))
    def signed_copy(self, obj):
        url = reverse("documents:download_accepted", args=[obj.document_id])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Generated documents, read-only: each version is kept as issued."""

    list_display = ["__str__", "kind", "session", "structure", "registration", "version", "when"]
    list_filter = ["kind"]
    search_fields = ["session__action__title", "structure__name", "registration__last_name"]
    list_select_related = ["session__action", "structure", "registration"]
    readonly_fields = [
        "kind",
        "session",
        "structure",
        "registration",
        "version",
        "download",
        "sha256",
        "source",
        "generated_at",
    ]
    exclude = ["file"]
    inlines = [AcceptanceInline]

    @admin.display(description=_("généré le"), ordering="generated_at")
    def when(self, obj):
        return obj.generated_at

    @admin.display(description=_("fichier"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("documents:download", args=[obj.pk]), obj.filename
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingDocument)
class PendingDocumentAdmin(admin.ModelAdmin):
    """Documents that could not be generated: retried by the sweep, then given up (staff were
    emailed). « Réessayer » gives one a new period of DOCUMENT_GIVE_UP_HOURS, from the next
    sweep (every 10 minutes)."""

    list_display = [
        "key",
        "kind",
        "session",
        "pending_since",
        "attempts",
        "next_attempt_at",
        "gave_up_at",
    ]
    list_filter = ["kind", ("gave_up_at", admin.EmptyFieldListFilter)]
    list_select_related = ["session__action"]
    readonly_fields = [
        "key",
        "kind",
        "session",
        "structure",
        "registration",
        "pending_since",
        "attempts",
        "next_attempt_at",
        "last_error",
        "gave_up_at",
    ]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Réessayer"), permissions=["change"])
    def retry(self, request, queryset):
        now = timezone.now()
        count = queryset.update(gave_up_at=None, pending_since=now, next_attempt_at=now)
        self.message_user(
            request,
            ngettext(
                "%(count)d document sera généré au prochain passage (dans 10 minutes au plus).",
                "%(count)d documents seront générés au prochain passage (dans 10 minutes au plus).",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
