"""Staff screens for the catalogue (Django admin, in French)."""

from django import forms
from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import selectors
from catalog.deadlines import MEMBER_ONLY_DEADLINE_DAYS, default_registration_deadline
from catalog.models import Action, FaqEntry, Provider, Session, Theme
from elearning.services import enrol_confirmed


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "action_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_actions=Count("actions"))

    @admin.display(description=_("actions"), ordering="number_of_actions")
    def action_count(self, obj):
        return obj.number_of_actions


class ProviderForm(forms.ModelForm):
    """SIRET and NDA may be typed or pasted with spaces: the model removes them, then checks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("siret", "nda"):
            field = self.fields[name]
            field.max_length = None
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxLengthValidator)
            ]
            field.widget.attrs.pop("maxlength", None)


# Addresses typed without a scheme are read as https (Django 6's default, said now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "email", "phone", "action_count"]
    search_fields = ["name", "legal_name", "siret", "email"]
    autocomplete_fields = ["users"]
    fieldsets = [
        (None, {"fields": ["name", "email", "phone", "website", "users"]}),
        (
            _("Identité légale"),
            {"fields": ["legal_name", "siret", "nda", "street", ("postal_code", "city")]},
        ),
        (_("Signataire"), {"fields": ["signatory_name", "signatory_role"]}),
        (
            _("Référents"),
            {
                "fields": [
                    (
                        "pedagogical_referent_name",
                        "pedagogical_referent_email",
                        "pedagogical_referent_phone",
                    ),
                    (
                        "administrative_referent_name",
                        "administrative_referent_email",
                        "administrative_referent_phone",
                    ),
                    (
                        "disability_referent_name",
                        "disability_referent_email",
                        "disability_referent_phone",
                    ),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_actions=Count("actions"))

    @admin.display(description=_("actions"), ordering="number_of_actions")
    def action_count(self, obj):
        return obj.number_of_actions


class DefaultDeadlineForm(forms.ModelForm):
    """A session's form whose registration deadline, left empty, follows from the start and
    the kind of action (catalog/deadlines.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("registration_deadline")
        if field is not None:
            field.required = False
            field.help_text = _(
                "Laissée vide : %(member_days)s jours avant le début à 23h59 pour une action "
                "réservée aux adhérents, la veille à 23h59 pour un format court."
            ) % {"member_days": MEMBER_ONLY_DEADLINE_DAYS}

    def _action(self):
        if "action" in self.fields:
            return self.cleaned_data.get("action")
        # An inline's session points at its action, saved or not yet.
        return getattr(self.instance, "action", None)

    def clean(self):
        cleaned = super().clean()
        if "registration_deadline" not in self.fields or cleaned.get("registration_deadline"):
            return cleaned
        starts_at, action = cleaned.get("starts_at"), self._action()
        if starts_at and action is not None:
            cleaned["registration_deadline"] = default_registration_deadline(
                starts_at, member_only=action.is_member_only
            )
        elif not self.has_error("starts_at") and not self.has_error("action"):
            self.add_error(
                "registration_deadline",
                _("Indiquez la date limite d'inscription, ou la date de début pour la calculer."),
            )
        return cleaned


class SessionForm(DefaultDeadlineForm):
    class Meta:
        model = Session
        fields = [  # noqa: RUF012
            "action",
            "starts_at",
            "ends_at",
            "registration_deadline",
            "format",
            "department",
            "capacity",
            "status",
            "location",
            "remote_url",
        ]


# What an existing session changes on its own page only, where the change goes through
# enrollment's services: its places (the waiting list), its status (the notices), its dates,
# place and link (the people registered are told, DESIGN.md turn 3 « Session changes »).
ON_SESSION_PAGE_ONLY = (
    "starts_at",
    "ends_at",
    "format",
    "department",
    "location",
    "remote_url",
    "capacity",
    "status",
)


class SessionInlineForm(DefaultDeadlineForm):
    """An existing session's places, status, dates, place and link change on its own page
    (`ON_SESSION_PAGE_ONLY`); new sessions are free."""

    class Meta:
        model = Session
        fields = [  # noqa: RUF012
            "starts_at",
            "ends_at",
            "registration_deadline",
            "format",
            "department",
            "capacity",
            "status",
            "location",
            "remote_url",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ON_SESSION_PAGE_ONLY:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Modifiable depuis la page de la session.")


class SessionInline(admin.StackedInline):
    model = Session
    form = SessionInlineForm
    extra = 0
    fields = [
        ("starts_at", "ends_at", "registration_deadline"),
        ("format", "department", "capacity", "status"),
        "location",
        "remote_url",
    ]
    show_change_link = True


class UpcomingFilter(admin.SimpleListFilter):
    title = _("sessions")
    parameter_name = "a_venir"

    def lookups(self, request, model_admin):
        return [("oui", _("avec une session à venir")), ("non", _("sans session à venir"))]

    def queryset(self, request, queryset):
        upcoming = Q(sessions__starts_at__gt=timezone.now())
        if self.value() == "oui":
            return queryset.filter(upcoming).distinct()
        if self.value() == "non":
            return queryset.exclude(upcoming)
        return queryset


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "theme",
        "provider",
        "duration_days",
        "next_start",
        "is_published",
        "e_parcourspro_course",
    ]
    list_filter = ["is_published", "kind", UpcomingFilter, "theme", "provider"]
    list_select_related = ["theme", "provider"]
    search_fields = ["title", "slug", "summary"]
    autocomplete_fields = ["theme", "provider"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SessionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "kind",
                    "theme",
                    "provider",
                    "duration_days",
                    "is_published",
                ]
            },
        ),
        (
            _("Contenu"),
            {"fields": ["summary", "objectives", "audience", "prerequisites", "programme"]},
        ),
        (_("e-ParcoursPro (autoformation tutorée)"), {"fields": ["e_parcourspro_course_id"]}),
    ]
    actions = ["publish", "unpublish", "enrol_on_e_parcourspro"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                next_session_start=Min(
                    "sessions__starts_at", filter=Q(sessions__starts_at__gt=timezone.now())
                )
            )
        )

    @admin.display(description=_("prochaine session"), ordering="next_session_start")
    def next_start(self, obj):
        return obj.next_session_start

    @admin.display(description=_("parcours e-ParcoursPro"), ordering="e_parcourspro_course_id")
    def e_parcourspro_course(self, obj):
        """A tutored self-training without a course enrols nobody automatically: said here."""
        if obj.e_parcourspro_course_id:
            return obj.e_parcourspro_course_id
        if obj.kind == obj.Kind.TUTORED_SELF_TRAINING:
            return _("À renseigner : pas d'inscription automatique")
        return "—"

    @admin.action(description=_("Inscrire sur e-ParcoursPro les participants déjà confirmés"))
    def enrol_on_e_parcourspro(self, request, queryset):
        """For a course given after some confirmations (Q13): they are enrolled too."""
        recorded = sum(enrol_confirmed(action) for action in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d inscription sur e-ParcoursPro enregistrée.",
                "%(count)d inscriptions sur e-ParcoursPro enregistrées.",
                recorded,
            )
            % {"count": recorded},
        )

    @admin.action(description=_("Publier les actions sélectionnées"))
    def publish(self, request, queryset):
        updated = queryset.update(is_published=True)
        self.message_user(
            request,
            ngettext("%(count)d action publiée.", "%(count)d actions publiées.", updated)
            % {"count": updated},
        )

    @admin.action(description=_("Dépublier les actions sélectionnées"))
    def unpublish(self, request, queryset):
        updated = queryset.update(is_published=False)
        self.message_user(
            request,
            ngettext("%(count)d action dépubliée.", "%(count)d actions dépubliées.", updated)
            % {"count": updated},
        )


class PlacesFilter(admin.SimpleListFilter):
    title = _("places")
    parameter_name = "places"

    def lookups(self, request, model_admin):
        return [("libres", _("places libres")), ("complet", _("complètes"))]

    def queryset(self, request, queryset):
        if self.value() == "libres":
            return queryset.filter(places_left__gt=0)
        if self.value() == "complet":
            return queryset.filter(places_left=0)
        return queryset


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    form = SessionForm
    formfield_overrides = HTTPS_URLS
    list_display = [
        "__str__",
        "starts_at",
        "where",
        "capacity",
        "places_held",
        "places_waiting",
        "places_left",
        "registration_deadline",
        "status",
    ]
    list_filter = [
        "status",
        "format",
        "department",
        PlacesFilter,
        "action__kind",
        "action__provider",
    ]
    search_fields = ["action__title", "location"]
    autocomplete_fields = ["action"]
    date_hierarchy = "starts_at"
    ordering = ["starts_at"]
    fields = [
        "action",
        ("starts_at", "ends_at", "registration_deadline"),
        ("format", "department", "capacity", "status"),
        "location",
        "remote_url",
    ]

    def get_queryset(self, request):
        return selectors.sessions_for_admin(super().get_queryset(request))

    @admin.display(description=_("lieu"), ordering="department")
    def where(self, obj):
        if obj.is_remote:
            return _("À distance")
        return obj.location or obj.get_department_display()

    @admin.display(description=_("places occupées"), ordering="places_held")
    def places_held(self, obj):
        return obj.places_held

    @admin.display(description=_("en attente"), ordering="places_waiting")
    def places_waiting(self, obj):
        return obj.places_waiting

    @admin.display(description=_("places libres"), ordering="places_left")
    def places_left(self, obj):
        return obj.places_left


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "order", "is_published"]
    list_editable = ["order", "is_published"]
    list_filter = ["category", "is_published"]
    search_fields = ["question", "answer"]
    ordering = ["order", "id"]
