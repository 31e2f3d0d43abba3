from allauth.idp.oidc.adapter import get_adapter as get_oidc_adapter
from allauth.idp.oidc.admin import ClientAdmin as AllauthClientAdmin
from allauth.idp.oidc.models import Client
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.email_addresses import ensure_primary_address
from accounts.models import User
from accounts.oidc import checked_post_logout_uri
from enrollment import services
from enrollment.rules import RuleViolation
from web.admin.saving import SavesWhatChangedMixin


@admin.register(User)
class UserAdmin(SavesWhatChangedMixin, DjangoUserAdmin):
    """Professionals, approvers, providers' users and staff; the email is the login.

    A change writes only the fields staff changed (SavesWhatChangedMixin); the structure is
    read-only here: it changes through the attachments (a person's request confirmed by an
    approver or in « Rattachements », the action « Détacher de sa structure »), which lock
    the person's row first."""

    ordering = ["last_name", "first_name", "email"]
    list_display = [
        "email",
        "last_name",
        "first_name",
        "employment_status",
        "structure",
        "department",
        "is_staff",
        "is_active",
    ]
    list_filter = ["employment_status", "field_of_activity", "department", "is_staff", "is_active"]
    list_select_related = ["structure"]
    search_fields = ["email", "first_name", "last_name", "structure__name", "structure__siret"]
    autocomplete_fields = ["structure"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone", "job_title")}),
        (
            _("Situation professionnelle"),
            {
                "fields": ("employment_status", "field_of_activity", "department", "structure"),
                "description": _(
                    "La structure change par les rattachements : la demande de la personne, "
                    "confirmée par un valideur ou dans « Rattachements », et l'action "
                    "« Détacher de sa structure »."
                ),
            },
        ),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["structure"]
    actions = ["detach_from_structure"]

    @admin.action(description=_("Détacher de sa structure (a quitté la structure)"))
    def detach_from_structure(self, request, queryset):
        """As an approver would (Decisions « Attachment »): upcoming requests made for the
        structure are withdrawn, their places go to the waiting lists."""
        done = 0
        for person in queryset.select_related("structure").exclude(structure=None):
            try:
                services.detach(person, person.structure, by=request.user)
            except (RuleViolation, PermissionDenied, ValidationError) as refusal:
                self.message_user(request, f"{person} : {refusal}", messages.ERROR)
            else:
                done += 1
        if done:
            text = ngettext("%(count)d personne détachée.", "%(count)d personnes détachées.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        """An account created or re-addressed by staff has its address vouched for: it becomes
        the primary, verified EmailAddress (e-ParcoursPro needs a verified email)."""
        super().save_model(request, obj, form, change)
        if not change or "email" in form.changed_data:
            ensure_primary_address(obj, verified=True)


admin.site.unregister(Client)


class ClientForm(forms.ModelForm):
    """A client with its own post-logout addresses (allauth keeps them in the client's
    metadata, `Client.get_post_logout_redirect_uris`): the only addresses its logouts may
    go back to, compared exactly (web.middleware.OIDCLogoutAddressMiddleware)."""

    post_logout_redirect_uris = forms.CharField(
        label=_("Adresses de retour après déconnexion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Une par ligne, en https : là où le site peut renvoyer la personne après sa "
            "déconnexion, à l'identique (par exemple https://<moodle>/)."
        ),
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "type",
            "redirect_uris",
            "scopes",
            "default_scopes",
            "skip_consent",
            "grant_types",
            "response_types",
            "cors_origins",
            "allow_uri_wildcards",
            "owner",
            "data",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            addresses = self.instance.get_post_logout_redirect_uris()
            self.initial["post_logout_redirect_uris"] = "\n".join(addresses)

    def clean_post_logout_redirect_uris(self) -> list[str]:
        addresses, errors = [], []
        for line in self.cleaned_data["post_logout_redirect_uris"].splitlines():
            if line.strip():
                try:
                    addresses.append(checked_post_logout_uri(line))
                except ValidationError as error:
                    errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return addresses

    def save(self, commit=True):
        self.instance.set_post_logout_redirect_uris(self.cleaned_data["post_logout_redirect_uris"])
        return super().save(commit)


@admin.register(Client)
class ClientAdmin(AllauthClientAdmin):
    """OpenID Connect clients (e-ParcoursPro): registered by `manage.py
    register_e_parcourspro_client`, editable here; the secret is kept hashed."""

    form = ClientForm
    fieldsets = (
        (None, {"fields": ("id", "name", "type", "secret", "created_at")}),
        (
            _("Connexion"),
            {
                "fields": (
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "scopes",
                    "default_scopes",
                    "skip_consent",
                ),
                # The scopes are protocol names, kept out of the French sentence.
                "description": format_lazy(
                    _(
                        "Adresse de retour de Moodle : https://<moodle>/admin/oauth2callback.php ; "
                        "portées : {scopes}, une par ligne."
                    ),
                    scopes="openid, profile, email",
                ),
            },
        ),
        (
            _("Protocole"),
            {
                "classes": ("collapse",),
                "fields": (
                    "grant_types",
                    "response_types",
                    "cors_origins",
                    "allow_uri_wildcards",
                    "owner",
                    "data",
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        if change:
            return super(AllauthClientAdmin, self).save_model(request, obj, form, change)
        secret = get_oidc_adapter().generate_client_secret()
        obj.set_secret(secret)
        super(AllauthClientAdmin, self).save_model(request, obj, form, change)
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("Secret du client, affiché une seule fois : recopiez-le dans Moodle."),
                secret,
            ),
            messages.WARNING,
        )
