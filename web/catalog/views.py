"""Public pages of the catalogue: home, catalogue, action page, FAQ (reads only)."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from catalog import selectors, versions
from enrollment import eligibility, rules
from enrollment import selectors as enrollment_selectors
from web.catalog import fragments, pages


@require_safe
def home(request):
    """The next sessions are a shared fragment; an anonymous visitor's whole page is shared
    (`web.catalog.pages`), checked against the six sessions' versions."""
    now = timezone.now()
    rows = fragments.home_rows(now)
    shared = pages.SharedPage(request, "home")
    if (hit := shared.hit(fragments.home_key(rows))) is not None:
        return hit
    next_sessions, token = fragments.home_sessions(now=now, rows=rows)
    response = render(request, "catalog/home.html", {"next_sessions_html": next_sessions})
    return shared.store(response, token)


@require_safe
def catalogue(request):
    """The form and the results are shared fragments (`web.catalog.fragments`); only the marks of
    the sessions in the person's cart are per person, and an anonymous visitor's whole page
    is shared (`web.catalog.pages`)."""
    now = timezone.now()
    shared = pages.catalogue_page(request)
    if (hit := pages.catalogue_hit(shared, now)) is not None:
        return hit
    page = fragments.catalogue_page(request.GET, now=now, checked=shared.checked)
    in_cart = enrollment_selectors.cart_session_ids(request.user)
    response = render(
        request,
        "catalog/catalogue.html",
        {
            "form_html": page.form_html,
            "results_html": fragments.mark_cart(page.results_html, in_cart),
        },
    )
    token = pages.catalogue_token(page.version, page.rows, page.valid_until, page.card_keys)
    return shared.store(response, token)


@require_safe
def action_detail(request, slug):
    """The description and « Sessions à venir » are shared fragments (`fragments.ActionPage`,
    read with the sessions' places in one cache round trip); what depends on the person (news
    of « Ajouter au panier », refusals, warnings, cart, buttons) is rendered apart and put in
    the block's marks. An anonymous visitor's whole page is shared (`web.catalog.pages`), checked
    against the action's and its sessions' versions and what time alone changes."""
    now = timezone.now()
    shared = None
    if pages.can_share(request):
        found = versions.action_page(slug, now)
        if found is None:
            raise Http404
        (action_id, version, member_only), rows = found
        shared = pages.SharedPage(request, f"action:{action_id}")
        token = (version, [(pk, v, _time_flags(member_only, d, s, now)) for pk, v, d, s in rows])
        if (hit := shared.hit(token)) is not None:
            return hit
    action, sessions = selectors.action_page_rows(slug, now)
    flags = {
        session.pk: _time_flags(
            action.is_member_only, session.registration_deadline, session.starts_at, now
        )
        for session in sessions
    }
    anonymous = not request.user.is_authenticated
    page = fragments.ActionPage(action, sessions, flags=flags, anonymous=anonymous)
    selectors.places_by_version(sessions, known=page.cached)
    states = eligibility.for_user(request.user, action, sessions, now)
    # « Session ajoutée à votre panier » next to the session, where the page opens.
    messages = eligibility.attach_messages(states, get_messages(request))
    response = render(
        request,
        "catalog/action_detail.html",
        {
            "action": action,
            "description_html": page.description(),
            # The shared page keeps the CSRF slot: `SharedPage` fills it per request.
            "sessions_html": _sessions_html(request, page, states, token=shared is None),
            "eligibility": states,
            "messages": messages,
            "recommended_lead_days": settings.RECOMMENDED_LEAD_DAYS,
            "recommended_lead_weeks": settings.RECOMMENDED_LEAD_DAYS // 7,
        },
    )
    if shared is None:
        return response
    # Under the versions read with the rows it shows (those of `page`), when exact.
    token = (action.version, [(s.pk, s.version, flags[s.pk]) for s in sessions])
    return shared.store(response, token if page.exact else None)


def _time_flags(member_only: bool, deadline, starts_at, now) -> str:
    """What time alone changes in a published session's shared block: registration open
    (R9), the lead time warning (the same rules as `eligibility.for_user`)."""
    is_open = rules.is_registration_open(
        now=now, registration_deadline=deadline, starts_at=starts_at, is_cancelled=False
    )
    late = rules.lead_time_warning(
        member_only=member_only,
        now=now,
        starts_at=starts_at,
        recommended_days=settings.RECOMMENDED_LEAD_DAYS,
    )
    return f"{int(is_open)}{int(bool(late))}"


def _sessions_html(request, page, states, *, token=True):
    html = page.sessions_block(states.sessions)
    if token and page.anonymous and fragments.CSRF_SLOT in html:
        html = html.replace(fragments.CSRF_SLOT, get_token(request))
    parts = {}
    person = get_template("catalog/_action_session_person.html")
    for state in states.sessions:
        pk = state.session.pk
        if state.messages:
            parts["news", pk] = render_to_string(
                "catalog/_action_session_news.html", {"state": state}, request
            )
        if state.is_open and not page.anonymous:
            token = get_token(request) if state.cart_add_url and not state.in_cart else ""
            parts["person", pk] = person.render({"state": state, "csrf_token": token})
    return fragments.fill_sessions(html, parts)


@require_safe
def faq(request):
    """The staff's FAQ; the page says the actions are not CPF-eligible (R12) unless one of
    the entries already answers it."""
    groups = selectors.faq_by_category()
    cpf_answered = any("CPF" in entry.question for _, entries in groups for entry in entries)
    return render(request, "catalog/faq.html", {"groups": groups, "cpf_answered": cpf_answered})
