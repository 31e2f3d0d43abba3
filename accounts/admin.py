from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Professionals, approvers, providers' users and staff; the email is the login."""

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
            {"fields": ("employment_status", "field_of_activity", "department", "structure")},
        ),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
