"""The questionnaires' answers and the mix warnings, for staff, read-only.

Answers are personal data (DESIGN.md, turn 3): staff read them without the person's name
unless the person ticked « J'accepte que mes réponses soient transmises nominativement… ».
Questionnaires themselves (who was asked, who answered when) are not listed: beside the
answers they would name everyone.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys import mix
from surveys.models import MixWarning, SurveyAnswer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def named(answer: SurveyAnswer) -> str:
    """Who answered, when they agreed to be named; else nobody."""
    if not answer.consent_named:
        return _("Anonyme")
    survey = answer.survey
    person = answer.answered_by or survey.respondent
    name = (person.get_full_name() or person.email) if person else ""
    if survey.is_for_employer:
        return f"{survey.structure.name} — {name}" if name else survey.structure.name
    return name or _("Compte supprimé")


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = [
        "session",
        "kind",
        "objectives",
        "content",
        "trainer",
        "organisation",
        "impact",
        "excerpt",
        "respondent",
    ]
    list_filter = ["survey__kind", "consent_named", "survey__session__action__provider"]
    search_fields = ["comment", "survey__session__action__title"]
    fields = [
        "session",
        "kind",
        "objectives",
        "content",
        "trainer",
        "organisation",
        "impact",
        "comment",
        "respondent",
    ]
    readonly_fields = fields
    ordering = ["-survey__session__starts_at", "survey_id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "survey__session__action",
                "survey__respondent",
                "survey__structure",
                "answered_by",
            )
        )

    @admin.display(description=gettext_lazy("session"), ordering="survey__session__starts_at")
    def session(self, answer):
        return str(answer.survey.session)

    @admin.display(description=gettext_lazy("questionnaire"), ordering="survey__kind")
    def kind(self, answer):
        return answer.survey.get_kind_display()

    @admin.display(description=gettext_lazy("commentaire"))
    def excerpt(self, answer):
        return Truncator(answer.comment).chars(80)

    @admin.display(description=gettext_lazy("répondant·e"))
    def respondent(self, answer):
        return named(answer)


@admin.register(MixWarning)
class MixWarningAdmin(ReadOnlyAdmin):
    list_display = ["session", "warned_at", "reasons"]
    ordering = ["-warned_at"]
    list_select_related = ["session__action"]


class PoorMixFilter(admin.SimpleListFilter):
    """Sessions whose mix is poor now (Q9), for the sessions' list."""

    title = gettext_lazy("mixité")
    parameter_name = "mixite"

    def lookups(self, request, model_admin):
        return [("faible", _("Mixité faible")), ("correcte", _("Mixité correcte"))]

    def queryset(self, request, queryset):
        if self.value() == "faible":
            return queryset.filter(mix.poor_mix_q())
        if self.value() == "correcte":
            return queryset.filter(mix_participants__gt=0).exclude(mix.poor_mix_q())
        return queryset


def mix_column(session) -> str:
    """A session's mix in the list: « 5 structures / 8 », and « faible » when poor."""
    session_mix = mix.mix_of(session)
    if not session_mix.participants:
        return "—"
    text = _("%(structures)s structures / %(participants)s participants") % {
        "structures": session_mix.structures,
        "participants": session_mix.participants,
    }
    if session_mix.is_poor:
        return _("%(text)s — faible (%(reasons)s)") % {
            "text": text,
            "reasons": " ; ".join(session_mix.reasons),
        }
    return text
