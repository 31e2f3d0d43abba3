import re
from dataclasses import astuple

from django.conf import settings

from employers.constants import BASE_MEMBERSHIP_PRICE, EXTENDED_MEMBERSHIP_PRICE
from web.header import header_state


def phone_uri(phone: str) -> str:
    """The `tel:` link of a phone number as people write it: « 05 46 00 24 93 » (French,
    national) gives `tel:+33546002493`; an international « +… » number keeps its prefix."""
    digits = re.sub(r"\D", "", phone or "")
    if (phone or "").strip().startswith("+"):
        return f"tel:+{digits}"
    if len(digits) == 10 and digits.startswith("0"):
        return f"tel:+33{digits[1:]}"
    return f"tel:{digits}"


def membership() -> dict:
    """Cap Métiers' membership: its contact and its two prices, as the pages say them."""
    return {
        "MEMBERSHIP_CONTACT_EMAIL": settings.MEMBERSHIP_CONTACT_EMAIL,
        "MEMBERSHIP_BASE_PRICE": BASE_MEMBERSHIP_PRICE,
        "MEMBERSHIP_EXTENDED_PRICE": EXTENDED_MEMBERSHIP_PRICE,
    }


def site(request):
    """Programme contacts, membership prices, and the header's cart count, approver link (and
    its conventions to accept) and provider link, in every template."""
    user = getattr(request, "user", None)
    cart_count = conventions_to_accept = 0
    is_approver = False
    is_provider = False
    if user is not None and user.is_authenticated:
        cart_count, is_approver, is_provider, conventions_to_accept = astuple(header_state(user))
    return {
        "PROGRAMME_CONTACT_EMAIL": settings.PROGRAMME_CONTACT_EMAIL,
        "PROGRAMME_CONTACT_PHONE": settings.PROGRAMME_CONTACT_PHONE,
        "PROGRAMME_CONTACT_PHONE_URI": phone_uri(settings.PROGRAMME_CONTACT_PHONE),
        "PROGRAMME_CONTACT_HOURS": settings.PROGRAMME_CONTACT_HOURS,
        **membership(),
        "E_PARCOURSPRO_URL": settings.E_PARCOURSPRO_URL,
        "cart_count": cart_count,
        "is_approver": is_approver,
        "is_provider": is_provider,
        "conventions_to_accept": conventions_to_accept,
    }
