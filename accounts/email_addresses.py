"""Every account has its primary EmailAddress row (allauth's), matching `User.email`:
e-ParcoursPro refuses a login without an email, and `email_verified` must tell the truth."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction


@transaction.atomic
def ensure_primary_address(user, *, verified: bool) -> EmailAddress:
    """Makes `user.email` the user's only address (ACCOUNT_CHANGE_EMAIL: one address per
    account), creating its row if missing; `verified` vouches for it (an account created or
    changed by staff, the demo, a test), never unverifies. The former addresses are dropped,
    so that the next account to use one of them is not refused."""
    addresses = list(EmailAddress.objects.select_for_update().filter(user=user))
    address = next((a for a in addresses if a.email.lower() == user.email.lower()), None)
    former = [a.pk for a in addresses if a is not address]
    if former:
        EmailAddress.objects.filter(pk__in=former).delete()
    if address is None:
        return EmailAddress.objects.create(
            user=user, email=user.email.lower(), primary=True, verified=verified
        )
    changed = []
    if not address.primary:
        address.primary = True
        changed.append("primary")
    if verified and not address.verified:
        address.verified = True
        changed.append("verified")
    if changed:
        address.save(update_fields=changed)
    return address


def follow_email_change(*, instance, created: bool, update_fields=None, **kwargs) -> None:
    """post_save of User: an email changed outside allauth's own flow (in the admin, in a
    shell) becomes the primary address, not verified unless the caller vouches for it.
    An account without any row yet is left to whoever creates it: allauth's signup saves the
    user (and its profile) before adding its own, unverified row."""
    if created or (update_fields is not None and "email" not in update_fields):
        return
    addresses = list(EmailAddress.objects.filter(user=instance))
    if not addresses:
        return
    primary = next((a for a in addresses if a.primary), None)
    if primary is None or primary.email.lower() != instance.email.lower():
        ensure_primary_address(instance, verified=False)
