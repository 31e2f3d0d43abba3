"""What every email of a request needs: the links it gives, who approves for the request's
structure, and the address of the professional."""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from mailing.outbox import queue_email

from ..models import Registration, RegistrationStatus

Status = RegistrationStatus


def links() -> dict[str, str]:
    my_space, employer_space, catalogue, e_parcourspro_help = _paths(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    return {
        "my_space_url": settings.SITE_URL + my_space,
        "employer_space_url": settings.SITE_URL + employer_space,
        "catalogue_url": settings.SITE_URL + catalogue,
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
        "e_parcourspro_url": settings.E_PARCOURSPRO_URL,
        "e_parcourspro_help_url": settings.SITE_URL + e_parcourspro_help,
        "late_cancellation_days": settings.LATE_CANCELLATION_DAYS,
    }


@functools.lru_cache(maxsize=8)
def _paths(urlconf: str, prefix: str) -> tuple[str, str, str, str]:
    """The paths every email links to, reversed once per URL configuration and prefix (a
    cart's validation records its emails under its session's lock: issue 16)."""
    names = (
        "enrollment:my_space",
        "employers:space",
        "catalog:catalogue",
        "elearning:first_login",  # the login tutorial of FAQ Q13, on every convocation
    )
    return tuple(reverse(name, urlconf=urlconf) for name in names)


def admin_url(structure) -> str:
    """The structure's requests in the admin, where staff decide for it."""
    changelist = reverse("admin:enrollment_registration_changelist")
    return f"{settings.SITE_URL}{changelist}?structure__id__exact={structure.pk}"


def approvers_of(registration: Registration):
    """Who decides for the request's structure, but its owner."""
    if registration.structure is None:
        return []
    return [
        approver
        for approver in registration.structure.approvers.all()
        if approver.pk != registration.user_id
    ]


def to_professional(template: str, registration: Registration, context: dict, **kwargs) -> None:
    """An email to the professional, at the contact address of the request; none once the
    request is anonymised (account deleted: the address is empty)."""
    if registration.email:
        queue_email(
            template,
            to=registration.email,
            context=context,
            concerns=[registration.user],
            **kwargs,
        )
