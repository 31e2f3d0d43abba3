"""The cart, its validation and « Mon espace »: parse, call one service, redirect; or render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from catalog.models import Session
from documents.retention import kept_for
from documents.selectors import latest_of_registrations
from elearning.selectors import attach_elearning_access
from employers.attachments import attachment_pending_message, pending_attachment
from enrollment import eligibility, notifications, privacy, rules, selectors, services
from enrollment.models import RegistrationEvent, RegistrationStatus
from enrollment.rules import RuleViolation
from enrollment.services import CartRefused
from web.enrollment import pending_choice
from web.enrollment.forms import CancelForm, CartSubmitForm, DeleteAccountForm, LeaveWaitlistForm
from web.parts import render_part


def _safe_next(request, fallback: str) -> str:
    """The `next` of the form when it stays on this site, else `fallback`."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _action_page(session: Session) -> str:
    return f"{session.action.get_absolute_url()}#session-{session.pk}"


# --- the cart (R3) ----------------------------------------------------------------------------


@require_POST
def cart_add(request, session_id: int):
    """« Ajouter au panier » on the action page of a logged-in person (a visitor not logged in
    is sent to `cart_choose`)."""
    session = get_object_or_404(Session.objects.select_related("action"), pk=session_id)
    if not request.user.is_authenticated:
        return _remember_and_log_in(request, session)
    back = _safe_next(request, _action_page(session))
    # Tagged for the session: the action page shows it next to the session it opens at.
    tag = eligibility.session_message_tag(session.pk)
    try:
        services.add_to_cart(request.user, session)
    except RuleViolation as violation:
        messages.error(request, violation.message, extra_tags=tag)
        return redirect(_action_page(session))
    messages.success(request, _("Session ajoutée à votre panier."), extra_tags=tag)
    return redirect(back)


@csrf_exempt
@require_POST
def cart_choose(request, session_id: int):
    """« Ajouter au panier » for a visitor not logged in: the choice is remembered in their
    session (`pending_choice`) and goes in their cart once they log in or sign up, where they
    see it before validating anything. Without a CSRF token, so that the action page is the
    same for every visitor: nothing else changes here, and a logged-in person's post changes
    nothing (their page posts to `cart_add`, which checks the token)."""
    session = get_object_or_404(Session.objects.select_related("action"), pk=session_id)
    if request.user.is_authenticated:
        return redirect(_action_page(session))
    return _remember_and_log_in(request, session)


def _remember_and_log_in(request, session: Session):
    pending_choice.remember(request, session)
    messages.info(
        request,
        _(
            "Connectez-vous, ou créez votre compte\u00a0: la session choisie sera ajoutée à "
            "votre panier."
        ),
    )
    return redirect_to_login(_action_page(session))


@require_POST
def cart_remove(request, session_id: int):
    """« Retirer du panier »: a submit button of the cart form, which posts what was typed
    for the other items; it is kept first."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("enrollment:cart"))
    session = get_object_or_404(Session.objects.select_related("action"), pk=session_id)
    _save_drafts(request)
    services.remove_from_cart(request.user, session)
    messages.success(
        request,
        _("« %(title)s » a été retirée de votre panier.") % {"title": session.action.title},
    )
    return redirect(_safe_next(request, reverse("enrollment:cart")))


def _cart_lines(user, items, *, now):
    """Each cart item with its places (one query), its lead-time warning (R9) and what
    validating it would lead to (`eligibility.validation_warnings`)."""
    selectors.places_of([item.session for item in items])
    warnings = eligibility.validation_warnings(
        user, [item.session for item in items], now=now, cumulative=True
    )
    for item in items:
        item.warnings = warnings.get(item.session_id, [])
        item.lead_time_warning = rules.lead_time_warning(
            member_only=item.session.action.is_member_only,
            now=now,
            starts_at=item.session.starts_at,
            recommended_days=settings.RECOMMENDED_LEAD_DAYS,
        )
    return items


CONTACT_DRAFT = "cart_contact_draft"


def _save_drafts(request) -> None:
    """Keep what a POST of the cart form holds, valid or not: the motivations on the cart
    items, the contact details in the visitor's session (R3: nothing typed is lost)."""
    motivations, contact = CartSubmitForm.drafts_from(request.POST)
    services.save_cart_drafts(request.user, motivations)
    if contact:
        request.session[CONTACT_DRAFT] = contact


@login_required
def cart(request):
    """The cart and « Valider mon panier » (Q7): all or nothing, errors shown per item; what
    is typed is kept as drafts until the cart is validated."""
    items = list(selectors.cart_items(request.user))
    item_errors = {}
    summary = ""
    if request.method == "POST":
        if not items:
            return _cart_already_submitted(request)
        form = CartSubmitForm(items, request.POST)
        submitted = False
        # The drafts are kept unless the cart is validated (it then deletes them): written
        # before, they cost a transaction to every validation of a busy session (issue 16).
        try:
            if form.is_valid():
                try:
                    registrations = services.submit_cart(
                        request.user,
                        contact=form.contact(),
                        motivations=form.motivations(),
                        cart=[(i.pk, i.session_id, i.session.starts_at) for i in items],
                    )
                except CartRefused as refusal:
                    item_errors = refusal.item_errors
                    summary = refusal.message
                except RuleViolation as violation:
                    if violation.code == "empty_cart":
                        return _cart_already_submitted(request)
                    form.add_error(None, violation.message)
                else:
                    submitted = True
                    request.session.pop(CONTACT_DRAFT, None)
                    return redirect("enrollment:cart_done", submission=registrations[0].submission)
        finally:
            if not submitted:
                _save_drafts(request)
    else:
        initial = CartSubmitForm.initial_from(
            request.user, items, contact_draft=request.session.get(CONTACT_DRAFT)
        )
        form = CartSubmitForm(items, initial=initial)
    lines = _cart_lines(request.user, items, now=timezone.now())
    for item in lines:
        item.refusal = item_errors.get(item.session_id)
    return render(
        request,
        "enrollment/cart.html",
        {
            "form": form,
            "items": lines,
            "item_fields": form.item_fields(),
            # Only a member-only request goes through the employer (R4).
            "to_employer": any(item.session.action.is_member_only for item in lines),
            "refused_items": [item for item in lines if item.refusal],
            "refusal_summary": summary,
        },
    )


def _cart_already_submitted(request):
    """A second click on « Valider mon panier » finds the cart empty: nothing to do twice."""
    messages.info(
        request,
        _("Votre panier a déjà été validé : retrouvez vos demandes ci-dessous."),
    )
    return redirect("enrollment:my_space")


@login_required
@require_safe
def cart_done(request, submission):
    """What happens next for each request of a validated cart."""
    registrations = selectors.with_waitlist_positions(
        selectors.registrations_of(request.user)
        .filter(submission=submission)
        .order_by("submitted_at", "pk")
    )
    if not registrations:
        raise Http404
    # Held at the same time as another request of the person: said again, never refused.
    overlapping = eligibility.overlaps(
        registrations, eligibility.live_requests(request.user.pk, now=timezone.now())
    )
    for registration in registrations:
        registration.overlaps = overlapping.get(registration.pk, [])
    return render(request, "enrollment/cart_done.html", {"registrations": registrations})


# --- « Mon espace » (R6, R8) ------------------------------------------------------------------


@login_required
@require_safe
def my_space(request):
    """The professional's requests, nearest first (upcoming sessions in date order, then past
    ones, latest first), quota use, withdrawal links."""
    now = timezone.now()
    registrations = selectors.with_waitlist_positions(
        selectors.registrations_of(request.user).prefetch_related(
            Prefetch(
                "events",
                # Of whoever made a change, only the name the history shows.
                queryset=RegistrationEvent.objects.select_related("by")
                .only("registration_id", "at", "to_status", "reason", *selectors.NAME_OF_BY)
                .order_by("at", "pk"),
            )
        )
    )
    attach_elearning_access(registrations)
    selectors.attach_running_offers(registrations)
    papers = latest_of_registrations(r.pk for r in registrations)
    for registration in registrations:
        # An offered place is answered by its own buttons (`enrollment/_offer.html`).
        registration.can_cancel = (
            registration.running_offer is None
            and services.cancellation_outcome(registration, now=now).allowed
        )
        registration.papers = papers.get(registration.pk, {})
    # A session still running is « à venir » until it ends.
    upcoming = sorted(
        (r for r in registrations if r.session.ends_at > now),
        key=lambda r: (r.session.starts_at, r.pk),
    )
    past = [r for r in registrations if r.session.ends_at <= now]
    this_year = timezone.localdate().year
    # Counted from the requests just read (all of them): no query of its own.
    counted = selectors.counted_from(registrations, (this_year, this_year + 1))
    quotas = [counted[year].use for year in (this_year, this_year + 1)]
    sections = [
        (anchor, title, group)
        for anchor, title, group in (
            ("a-venir", _("Sessions à venir"), upcoming),
            ("passees", _("Sessions passées"), past),
        )
        if group
    ]
    # Only a person without a structure may be waiting to join one.
    pending = None if request.user.structure_id else pending_attachment(request.user)
    return render(
        request,
        "enrollment/my_space.html",
        {
            "sections": sections
            and render_part(request, "enrollment/registrations.html", {"sections": sections}),
            "quotas": quotas,
            "quota_limit": rules.ANNUAL_MEMBER_ONLY_QUOTA,
            "training_limit": rules.ANNUAL_TRAINING_QUOTA,
            "pending_message": attachment_pending_message(pending) if pending else "",
        },
    )


@login_required
def cancel(request, pk: int):
    """« Me désister » (Q11): a confirmation page with a required reason, and a warning when
    the withdrawal will count in the quota. A waitlisted request is withdrawn the same way,
    worded « Quitter la liste d'attente »."""
    registration = selectors.registration_of_user_or_404(request.user, pk)
    outcome = services.cancellation_outcome(registration, now=timezone.now())
    if not outcome.allowed:
        messages.error(request, outcome.refusal)
        return redirect("enrollment:my_space")
    leaving_waitlist = registration.status == RegistrationStatus.WAITLISTED
    form_class = LeaveWaitlistForm if leaving_waitlist else CancelForm
    recipients = notifications.cancellation_recipients(registration)
    # The form's own help text names the employer, who is told only when they had accepted.
    help_text = None if recipients.approvers else _("Il est transmis à l'équipe du programme.")
    if request.method == "POST":
        form = form_class(request.POST, help_text=help_text)
        if form.is_valid():
            try:
                registration = services.cancel(
                    registration, by=request.user, reason=form.cleaned_data["reason"]
                )
            except RuleViolation as violation:
                messages.error(request, violation.message)
            else:
                if registration.counted_in_quota:
                    messages.success(
                        request,
                        ngettext(
                            "Votre désistement est enregistré. Moins de %(days)s jour avant le "
                            "début, cette action est décomptée de votre quota annuel.",
                            "Votre désistement est enregistré. Moins de %(days)s jours avant le "
                            "début, cette action est décomptée de votre quota annuel.",
                            settings.LATE_CANCELLATION_DAYS,
                        )
                        % {"days": settings.LATE_CANCELLATION_DAYS},
                    )
                elif leaving_waitlist:
                    messages.success(request, _("Vous avez quitté la liste d'attente."))
                else:
                    messages.success(request, _("Votre désistement est enregistré."))
            return redirect("enrollment:my_space")
    else:
        form = form_class(help_text=help_text)
    [registration] = selectors.with_waitlist_positions([registration])
    counted_if_cancelled = outcome.counted
    return render(
        request,
        "enrollment/cancel.html",
        {
            "registration": registration,
            "form": form,
            "counted_if_cancelled": counted_if_cancelled,
            "approvers_told": ", ".join(
                approver.get_full_name() or approver.email for approver in recipients.approvers
            ),
            "approvers_count": len(recipients.approvers),
            "employer_not_told": not recipients.approvers
            and registration.structure_id is not None
            and registration.session.action.is_member_only,
            "late_days": settings.LATE_CANCELLATION_DAYS,
            "leaving_waitlist": leaving_waitlist,
        },
    )


# --- personal data (RGPD) ---------------------------------------------------------------------


@login_required
def my_data(request):
    """What the platform holds, its download, and the deletion of the account."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        privacy.delete_account(request.user)
        logout(request)
        messages.success(
            request,
            _(
                "Votre compte est supprimé. Vos demandes à venir ont été annulées ; les autres "
                "sont conservées sans vos données personnelles, pour les statistiques du "
                "programme."
            ),
        )
        return redirect("catalog:home")
    context = {
        "form": form,
        "kept": kept_for(request.user),
        "retention_years": settings.DOCUMENT_RETENTION_YEARS,
    }
    return render(request, "enrollment/my_data.html", context)


@login_required
@require_safe
def my_data_export(request):
    """The professional's data as a JSON file."""
    response = JsonResponse(
        privacy.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="parcourspro-mes-donnees.json"'
    return response
