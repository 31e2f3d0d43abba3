"""Public pages of the catalogue: home, catalogue, action page, FAQ (reads only).

The parts every visitor sees alike are blocks kept in the shared cache under the versions of
the rows they show (`catalog.fragments`); what depends on the person is rendered around them
at each request.
"""

import hashlib
from functools import partial

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from catalog import selectors
from catalog.cache_versions import FRAGMENT_TIMEOUT
from common.typography import spaced_html
from enrollment import eligibility, rules
from enrollment import selectors as enrollment_selectors
from web.catalog import fragments
from web.middleware import spaced_page


def same_for_every_visitor(request, key: str, render_page) -> HttpResponse:
    """The page `render_page()` renders, kept whole in the cache for the visitors who are not
    logged in and have no message waiting: every one of them sees the same page, and `key`
    names the versions of the rows it shows (cache_page's way, keyed by what the page says
    rather than by a duration: never stale). A logged-in person's page has their own parts
    (the cart's marks, the header) and is made of the shared blocks instead."""
    if request.user.is_authenticated or len(get_messages(request)):
        return render_page()
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    page_key = f"page:{get_language() or settings.LANGUAGE_CODE}:{request.path}:{digest}"
    html = cache.get(page_key)
    if html is not None:
        return spaced_page(html)
    response = render_page()
    if response.status_code != 200:
        return response
    # Kept with its non-breaking spaces, set once rather than at each request.
    html = spaced_html(response.content.decode())
    cache.set(page_key, html, FRAGMENT_TIMEOUT)
    return spaced_page(html)


@require_safe
def home(request):
    """The page's content is one block, keyed by the versions of the next sessions open for
    registration that it shows."""
    now = timezone.now()
    key = fragments.home_key(now)
    context = {
        "next_sessions_key": key,
        # Read only when the block is not cached.
        "next_sessions": partial(selectors.next_sessions, fragments.HOME_SESSIONS, now),
    }
    return same_for_every_visitor(
        request, key, partial(render, request, "catalog/home.html", context)
    )


@require_safe
def catalogue(request):
    """The results, the form and each card are blocks keyed by versions; the sessions in the
    person's cart are marked outside them (`catalogue.html`)."""
    catalogue = fragments.CataloguePage(request.GET, timezone.now())
    catalogue.mark_cart(enrollment_selectors.cart_session_ids(request.user))
    return same_for_every_visitor(
        request,
        catalogue.key,
        partial(render, request, "catalog/catalogue.html", {"catalogue": catalogue}),
    )


# Where the action page's cached head leaves room for the person's situation.
SITUATION_MARK = "<!-- situation -->"


@require_safe
def action_detail(request, slug):
    """The head and each session's details are the same for everyone (`fragments.ActionPage`,
    one cache round trip); what depends on the person (eligibility, cart, « Ajouter au
    panier », its news) is rendered around them. A visitor not logged in sees the page every
    such visitor sees, kept whole under the versions of the action and its sessions and what
    time alone changes in them."""
    now = timezone.now()
    action, sessions = selectors.action_page_rows(slug, now)
    flags = {session.pk: _time_flags(action, session, now) for session in sessions}
    key = ",".join(
        [f"{action.pk}.{action.version}", *(f"{s.pk}.{s.version}.{flags[s.pk]}" for s in sessions)]
    )
    render_page = partial(_action_page, request, action, sessions, flags, now)
    return same_for_every_visitor(request, key, render_page)


def _action_page(request, action, sessions, flags, now) -> HttpResponse:
    anonymous = not request.user.is_authenticated
    page = fragments.ActionPage(action, sessions, flags=flags, anonymous=anonymous)
    states = eligibility.for_user(request.user, action, sessions, now)
    # « Session ajoutée à votre panier » next to the session, where the page opens.
    messages = eligibility.attach_messages(states, get_messages(request))
    # The person's situation goes under the title, before the long description; a refusal
    # met by every session (a structure not a member for their year) is said there once.
    head_top, _mark, head_rest = page.head(request).partition(SITUATION_MARK)
    refusals = {state.refusal for state in states.sessions if state.is_open}
    situation = states.general_refusal or (
        next(iter(refusals)) if len(refusals) == 1 and "" not in refusals else ""
    )
    return render(
        request,
        "catalog/action_detail.html",
        {
            "action": action,
            "head_top": mark_safe(head_top),  # noqa: S308 — our own rendered HTML
            "head_rest": mark_safe(head_rest),  # noqa: S308 — our own rendered HTML
            "situation": situation,
            "sessions": page.sessions_html(states.sessions),
            "eligibility": states,
            "messages": messages,
        },
    )


def _time_flags(action, session, now) -> str:
    """What time alone changes in a session's details: registration open (R9), the lead time
    warning (the rules of `eligibility.for_user`)."""
    is_open = rules.is_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled,
    )
    late = rules.lead_time_warning(
        member_only=action.is_member_only,
        now=now,
        starts_at=session.starts_at,
        recommended_days=settings.RECOMMENDED_LEAD_DAYS,
    )
    return f"{int(is_open)}{int(bool(late))}"


@require_safe
def faq(request):
    """The staff's FAQ; the page says the actions are not CPF-eligible (R12) unless one of
    the entries already answers it."""
    groups = selectors.faq_by_category()
    cpf_answered = any("CPF" in entry.question for _, entries in groups for entry in entries)
    return render(request, "catalog/faq.html", {"groups": groups, "cpf_answered": cpf_answered})
