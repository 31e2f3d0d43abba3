"""The Employer Space (R4): parse → call one service → message → redirect (post/redirect/get)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from enrollment import employer_space as space
from enrollment import services as enrollment
from enrollment.models import RegistrationStatus
from enrollment.rules import RuleViolation
from parcourspro.forms import RowForm

from . import services
from .attachment_views import attach_refusal_errors, attachments_section
from .forms import BulkApproveForm, InviteApproverForm, RefuseForm

REFUSE = RowForm(RefuseForm, "refuse")
INVITE = RowForm(InviteApproverForm, "invite")


def _space_url(anchor: str = "") -> str:
    url = reverse("employers:space")
    return f"{url}#{anchor}" if anchor else url


def _render_space(request, *, bound=None, status=200):
    """The page; after a failed POST, the `bound` form (and its errors) in its place."""
    structures = space.approved_structures(request.user)
    if not structures:
        return render(request, "employers/not_approver.html", status=403)
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    spaces, pages = space.employer_space(request.user, structures, page=page)
    attachments = attachments_section(structures)
    # A refusal of a request to join that lacked its reason: the error next to its field.
    page_messages = attach_refusal_errors(attachments, get_messages(request))
    for structure_space in spaces:
        for registration in structure_space.requests:
            registration.refuse_form = REFUSE.for_row(registration, bound)
        structure_space.invite_form = INVITE.for_row(structure_space.structure, bound)
    return render(
        request,
        "employers/space.html",
        {
            "spaces": spaces,
            "pages": pages,
            "has_errors": bound is not None,
            "attachments_section": attachments,
            "messages": page_messages,
        },
        status=status,
    )


def _who_and_what(registration) -> dict[str, str]:
    return {
        "name": registration.user.get_full_name() or registration.email,
        "title": registration.session.action.title,
    }


def _approved_message(registration) -> str:
    if registration.status == RegistrationStatus.WAITLISTED:
        return _(
            "La demande de %(name)s pour « %(title)s » est pré-acceptée : si une place se "
            "libère, elle passera directement au prestataire."
        ) % _who_and_what(registration)
    return _(
        "La demande de %(name)s pour « %(title)s » est acceptée : elle est transmise au "
        "prestataire, qui la rendra effective."
    ) % _who_and_what(registration)


@login_required
@require_GET
def employer_space(request):
    return _render_space(request)


@login_required
@require_POST
def approve(request, pk):
    registration = space.registration_for_approver_or_404(request.user, pk)
    try:
        registration = enrollment.approve(registration, by=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(request, _approved_message(registration))
    return redirect(_space_url(f"structure-{registration.structure_id}"))


@login_required
@require_POST
def refuse(request, pk):
    registration = space.registration_for_approver_or_404(request.user, pk)
    form = REFUSE.bind(request, registration)
    if not form.is_valid():
        return _render_space(request, bound=form, status=400)
    try:
        registration = enrollment.refuse(
            registration, by=request.user, reason=form.cleaned_data["reason"]
        )
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(
            request,
            _(
                "La demande de %(name)s pour « %(title)s » est refusée : un courriel lui "
                "transmet votre motif."
            )
            % _who_and_what(registration),
        )
    return redirect(_space_url(f"structure-{registration.structure_id}"))


@login_required
@require_POST
def bulk_approve(request):
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["registrations"]))
        return redirect(_space_url())
    registrations = space.registrations_for_approver_or_404(
        request.user, form.cleaned_data["registrations"]
    )
    accepted = 0
    for registration in registrations:
        try:
            enrollment.approve(registration, by=request.user)
        except (RuleViolation, PermissionDenied) as error:
            messages.error(
                request,
                _("Demande de %(name)s pour « %(title)s » : %(error)s")
                % {**_who_and_what(registration), "error": getattr(error, "message", error)},
            )
        else:
            accepted += 1
    if accepted:
        messages.success(
            request,
            _("%(count)s demande(s) acceptée(s).") % {"count": accepted},
        )
    return redirect(_space_url())


@login_required
@require_POST
def invite(request, pk):
    structure = space.structure_for_approver_or_404(request.user, pk)
    form = INVITE.bind(request, structure)
    if form.is_valid():
        try:
            invitation = services.invite_approver(
                structure, form.cleaned_data["email"], by=request.user
            )
        except services.InvitationError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _(
                    "Invitation envoyée à %(email)s : la personne recevra un lien pour valider "
                    "les demandes de %(structure)s."
                )
                % {"email": invitation.email, "structure": structure.name},
            )
            return redirect(_space_url(f"structure-{structure.pk}"))
    return _render_space(request, bound=form, status=400)


@require_GET
def invitation(request, token):
    """The link of an invitation email: the invited account becomes an approver; anyone not
    logged in is asked to create their account or log in, then comes back here."""
    invitation = space.invitation_by_token_or_404(token)
    if not request.user.is_authenticated:
        here = request.get_full_path()
        return render(
            request,
            "employers/invitation.html",
            {
                "invitation": invitation,
                "signup_url": reverse("account_signup")
                + "?"
                + urlencode({"email": invitation.email, "next": here}),
                "login_url": reverse("account_login") + "?" + urlencode({"next": here}),
            },
        )
    try:
        structure = services.accept_invitation(invitation, user=request.user)
    except services.InvitationError as error:
        status = 403 if error.code == "wrong_account" else 410
        return render(
            request,
            "employers/invitation.html",
            {"invitation": invitation, "error": error.message},
            status=status,
        )
    messages.success(
        request,
        _(
            "Vous validez désormais les demandes de %(structure)s : les demandes à traiter "
            "apparaissent ci-dessous."
        )
        % {"structure": structure.name},
    )
    return redirect(_space_url(f"structure-{structure.pk}"))
