"""Public pages of the catalogue: home, catalogue, action page, FAQ (reads only)."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from enrollment import eligibility
from enrollment import selectors as enrollment_selectors

from . import selectors
from .filters import CatalogueFilterSet
from .models import Action


@require_safe
def home(request):
    return render(request, "catalog/home.html", {"next_sessions": selectors.next_sessions(6)})


@require_safe
def catalogue(request):
    filterset = CatalogueFilterSet(request.GET, queryset=Action.objects.none())
    page = Paginator(filterset.qs, selectors.CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    in_cart = enrollment_selectors.cart_session_ids(request.user)
    return render(
        request,
        "catalog/catalogue.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "active_filters": filterset.active_filters(),
            "page": page,
            "cart_session_ids": in_cart,
            # The cached results say which sessions are in the cart: one entry per cart.
            "cart_key": ",".join(map(str, sorted(in_cart))),
            "CATALOGUE_CACHE_SECONDS": settings.CATALOGUE_CACHE_SECONDS,
        },
    )


@require_safe
def action_detail(request, slug):
    action = selectors.published_action_or_404(slug)
    now = timezone.now()
    sessions = selectors.action_upcoming_sessions(action, now)
    states = eligibility.for_user(request.user, action, sessions, now)
    # « Session ajoutée à votre panier » next to the session, where the page opens.
    messages = eligibility.attach_messages(states, get_messages(request))
    return render(
        request,
        "catalog/action_detail.html",
        {
            "action": action,
            "eligibility": states,
            "messages": messages,
            "recommended_lead_days": settings.RECOMMENDED_LEAD_DAYS,
            "recommended_lead_weeks": settings.RECOMMENDED_LEAD_DAYS // 7,
        },
    )


@require_safe
def faq(request):
    """The staff's FAQ; the page says the actions are not CPF-eligible (R12) unless one of
    the entries already answers it."""
    groups = selectors.faq_by_category()
    cpf_answered = any("CPF" in entry.question for _, entries in groups for entry in entries)
    return render(request, "catalog/faq.html", {"groups": groups, "cpf_answered": cpf_answered})
