from django.conf import settings


def site(request):
    """Programme contacts and the header's cart count and approver link, in every template."""
    user = getattr(request, "user", None)
    cart_count = 0
    is_approver = False
    is_provider = False
    if user is not None and user.is_authenticated:
        from enrollment.models import CartItem

        cart_count = CartItem.objects.filter(cart__user=user).count()
        is_approver = user.approved_structures.exists()
        is_provider = user.providers.exists()
    return {
        "PROGRAMME_CONTACT_EMAIL": settings.PROGRAMME_CONTACT_EMAIL,
        "PROGRAMME_CONTACT_PHONE": settings.PROGRAMME_CONTACT_PHONE,
        "PROGRAMME_CONTACT_HOURS": settings.PROGRAMME_CONTACT_HOURS,
        "MEMBERSHIP_CONTACT_EMAIL": settings.MEMBERSHIP_CONTACT_EMAIL,
        "E_PARCOURSPRO_URL": settings.E_PARCOURSPRO_URL,
        "cart_count": cart_count,
        "is_approver": is_approver,
        "is_provider": is_provider,
    }
