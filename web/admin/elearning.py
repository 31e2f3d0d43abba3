"""e-ParcoursPro enrolment jobs, for staff: what was sent, what waits, what Moodle refused
(with its error), and « Relancer »."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from elearning import services
from elearning.errors import advice
from elearning.models import EnrolmentJob

DISABLED_NOTICE = _(
    "Inscription automatique désactivée : E_PARCOURSPRO_WS_TOKEN n'est pas défini. "
    "Les opérations sont enregistrées mais rien n'est envoyé à e-ParcoursPro ; elles "
    "partiront dès que le jeton sera défini."
)


@admin.register(EnrolmentJob)
class EnrolmentJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "person",
        "course_id",
        "state",
        "attempts",
        "error",
        "next_attempt_at",
        "created_at",
        "updated_at",
    )
    list_filter = ("state", "kind", ("gave_up_at", admin.EmptyFieldListFilter))
    search_fields = ("=moodle_username", "=course_id", "error_code", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("registration",)
    actions = ["relaunch"]
    fields = (
        "kind",
        "state",
        "moodle_username",
        "registration_link",
        "course_id",
        "timestart",
        "timeend",
        "moodle_user_id",
        "attempts",
        "error_code",
        "last_error",
        "error_debuginfo",
        "what_to_do",
        "pending_since",
        "next_attempt_at",
        "gave_up_at",
        "welcomed_at",
        "created_at",
        "updated_at",
        "done_at",
    )
    # A job is a record of what was asked of Moodle: staff read it and relaunch it.
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not services.is_enabled():
            messages.warning(request, DISABLED_NOTICE)
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not services.is_enabled():
            messages.warning(request, DISABLED_NOTICE)
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    @admin.display(description=_("personne (identifiant)"), ordering="moodle_username")
    def person(self, obj):
        return f"#{obj.moodle_username}"

    @admin.display(description=_("demande d'inscription"))
    def registration_link(self, obj):
        if obj.registration_id is None:
            return "—"
        url = reverse("admin:enrollment_registration_change", args=[obj.registration_id])
        return format_html('<a href="{}">{}</a>', url, _("Demande n° %d") % obj.registration_id)

    @admin.display(description=_("dernière erreur"))
    def error(self, obj):
        """Moodle's errorcode, message and, when its debugging sent it, debuginfo."""
        if not obj.last_error:
            return "—"
        text = obj.last_error
        if obj.error_debuginfo:
            text = f"{text} — {obj.error_debuginfo}"
        text = Truncator(text).chars(200)
        return f"{obj.error_code} : {text}" if obj.error_code else text

    @admin.display(description=_("que faire"))
    def what_to_do(self, obj):
        if obj.state != EnrolmentJob.State.FAILED:
            return "—"
        return advice(obj.error_code, f"{obj.last_error} {obj.error_debuginfo}") or "—"

    @admin.action(description=_("Relancer les opérations sélectionnées"))
    def relaunch(self, request, queryset):
        relaunched, refused = services.relaunch(queryset.values_list("pk", flat=True))
        if relaunched:
            self.message_user(
                request,
                ngettext(
                    "%(count)d opération relancée.",
                    "%(count)d opérations relancées.",
                    len(relaunched),
                )
                % {"count": len(relaunched)},
                messages.SUCCESS,
            )
        for job, reason in refused:
            self.message_user(
                request,
                _("Opération n° %(id)d : %(reason)s") % {"id": job.pk, "reason": reason},
                messages.ERROR,
            )
        if not relaunched and not refused:
            self.message_user(
                request,
                _("Aucune opération à relancer (seules celles en échec ou à envoyer le sont)."),
                messages.WARNING,
            )
        if not services.is_enabled():
            messages.warning(request, DISABLED_NOTICE)
