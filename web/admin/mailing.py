"""The outbox, for staff: what was sent, what waits, and « Renvoyer maintenant »."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mailing.models import Email
from mailing.outbox import deliver


class SentFilter(admin.SimpleListFilter):
    title = _("envoi")
    parameter_name = "envoye"

    def lookups(self, request, model_admin):
        return [
            ("oui", _("Envoyés")),
            ("non", _("Non envoyés")),
            ("abandon", _("Abandonnés (l'équipe a été prévenue)")),
            ("doublon", _("Envoyés peut-être en double")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "abandon":
            return queryset.filter(sent_at__isnull=True, gave_up=True)
        if self.value() == "doublon":
            return queryset.filter(possible_duplicates__gt=0)
        return queryset


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = (
        "to",
        "subject",
        "template",
        "created_at",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "gave_up",
        "possible_duplicates",
    )
    list_filter = (SentFilter, "template")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    actions = ["send_now"]
    fields = (
        "to",
        "subject",
        "template",
        "created_at",
        "sent_at",
        "attempts",
        "pending_since",
        "next_attempt_at",
        "sending_started_at",
        "possible_duplicates",
        "gave_up",
        "gave_up_at",
        "awaits",
        "last_error",
        "concerns",
        "erased_at",
        "body_text",
        "body_html",
        "attachment_names",
    )
    # An email is a record of what the platform said: staff read it, never rewrite it.
    readonly_fields = fields

    @admin.display(description=_("pièces jointes"))
    def attachment_names(self, obj):
        return ", ".join(a.get("filename", "?") for a in obj.attachments) or "—"

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer maintenant"), permissions=["change"])
    def send_now(self, request, queryset):
        """Send the selected unsent emails now (a sent one is never sent twice). An email given
        up gets one more attempt at once, since staff ask for it, and if that fails it is
        retried again for EMAIL_GIVE_UP_HOURS."""
        # One read of the selection, before anything changes: the queryset is lazy, and under
        # the « abandonnés » filter it no longer matched once gave_up was cleared (« -101 »).
        selection = list(queryset.values_list("pk", "sent_at"))
        ids = [pk for pk, sent_at in selection if sent_at is None]
        skipped = len(selection) - len(ids)
        now = timezone.now()
        Email.objects.filter(pk__in=ids, gave_up=True).update(
            gave_up=False, gave_up_at=None, pending_since=now
        )
        Email.objects.filter(pk__in=ids).update(next_attempt_at=now)
        sent = failed = 0
        for email_id in ids:
            if deliver(email_id):
                sent += 1
            else:
                failed += 1
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d courriel envoyé.", "%(count)d courriels envoyés.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel n'a pas pu partir : voyez « dernière erreur ».",
                    "%(count)d courriels n'ont pas pu partir : voyez « dernière erreur ».",
                    failed,
                )
                % {"count": failed},
                messages.ERROR,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel était déjà envoyé : il n'est pas renvoyé.",
                    "%(count)d courriels étaient déjà envoyés : ils ne sont pas renvoyés.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )
