"""The Employer Space (R4): parse → call one service → message → redirect (post/redirect/get);
its tables (requests, decisions) filtered and sorted by GET parameters kept in every link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from common.text import de_name, lowercase_first
from employers import services
from enrollment import employer_requests as tables
from enrollment import employer_space as space
from enrollment import services as enrollment
from enrollment.models import RegistrationStatus
from enrollment.rules import RuleViolation
from web.context_processors import membership
from web.employers.attachment_views import (
    attach_refusal_errors,
    attachments_html,
    attachments_section,
)
from web.employers.filters import (
    DecisionForm,
    RequestForm,
    present_rows,
    query_string,
    quota_text,
    rows_html,
    tables_context,
)
from web.employers.forms import (
    BulkApproveForm,
    BulkRefuseForm,
    ExportForm,
    InviteApproverForm,
    RefuseForm,
)
from web.forms import RowForm
from web.operations import exports
from web.parts import render_part

REFUSE = RowForm(RefuseForm, "refuse")
INVITE = RowForm(InviteApproverForm, "invite")


def _space_url(request, anchor: str = "demandes") -> str:
    """Back to the Employer Space with the filters, order and page the decision came from."""
    query = query_string(request.GET)
    url = reverse("employers:space") + (f"?{query}" if query else "")
    return f"{url}#{anchor}" if anchor else url


def _render_space(request, *, bound=None, bulk=None, status=200):
    """The page; after a failed POST, the `bound` row form or the `bulk` refusal (and its
    errors) in its place."""
    structures = space.approved_structures(request.user)
    if not structures:
        return render(request, "employers/not_approver.html", status=403)
    context = tables_context(request, structures, RequestForm)
    counts = space.to_decide_counts(structures)
    page = tables.requests_page(
        structures,
        context["criteria"],
        user=request.user,
        page=request.GET.get("page"),
        counts=counts,
    )
    decidable = [r for r in page if r.to_decide and not r.is_own]
    for registration in decidable:
        # Only a refusal posted without its reason has a form here; the template writes the
        # blank ones (employers/space.html).
        registration.refuse_form = None
        if bound is not None and bound.prefix == REFUSE.prefix(registration):
            bound.fields["reason"].widget.attrs["form"] = "bulk"
            registration.refuse_form = bound
    people = context.pop("people")
    spaces = space.employer_space(structures, people, rows=page.object_list, counts=counts)
    present_rows(page.object_list, context["query"])
    attachments = attachments_section(structures, people)
    # A refusal of a request to join that lacked its reason: the error next to its field.
    page_messages = attach_refusal_errors(attachments, get_messages(request))
    for structure_space in spaces:
        structure_space.invite_form = INVITE.for_row(structure_space.structure, bound)
    if bulk is None:
        bulk = BulkRefuseForm()
    else:
        bulk.announce_errors = True
    # A refusal posted without its reason (a row's or the selection's) keeps the selection.
    selected = {
        int(pk) for pk in request.POST.getlist("registrations") if pk.isascii() and pk.isdigit()
    }
    several_structures = context.get("several_structures")
    return render(
        request,
        "employers/space.html",
        {
            **context,
            "spaces": spaces,
            "rows": rows_html(request, page.object_list, selected, several_structures),
            "structure_spaces": render_part(
                request,
                "employers/structure_spaces.html",
                {
                    "spaces": spaces,
                    "quota_text": quota_text,
                    **membership(),
                },
            ),
            "page": page,
            "decidable": bool(decidable),
            "to_decide_total": sum(s.requests_total for s in spaces),
            "bulk_form": bulk,
            "selected": selected,
            "has_errors": bound is not None or bulk.is_bound,
            "attachments_section": attachments_html(request, attachments),
            "messages": page_messages,
        },
        status=status,
    )


def _who_and_what(registration) -> dict[str, str]:
    name = registration.user.get_full_name() or registration.email
    return {"name": name, "of_name": de_name(name), "title": registration.session.action.title}


def _approved_message(registration) -> str:
    if registration.status == RegistrationStatus.WAITLISTED:
        return _(
            "La demande %(of_name)s pour « %(title)s » est pré-acceptée : si une place se "
            "libère, elle passera directement au prestataire."
        ) % _who_and_what(registration)
    return _(
        "La demande %(of_name)s pour « %(title)s » est acceptée : elle est transmise au "
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
    return redirect(_space_url(request))


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
                "La demande %(of_name)s pour « %(title)s » est refusée : un courriel lui "
                "transmet votre motif."
            )
            % _who_and_what(registration),
        )
    return redirect(_space_url(request))


def _report_refusals(request, outcome) -> int:
    """Each refusal of the services on a selection, by name (the others stand). Returns how
    many were decided."""
    for registration, error in outcome.refusals:
        messages.error(
            request,
            _("Demande %(of_name)s pour « %(title)s » : %(error)s")
            % {
                **_who_and_what(registration),
                "error": lowercase_first(getattr(error, "message", error)),
            },
        )
    return len(outcome.decided)


@login_required
@require_POST
def bulk_approve(request):
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["registrations"]))
        return redirect(_space_url(request))
    registrations = space.registrations_for_approver_or_404(
        request.user, form.cleaned_data["registrations"]
    )
    accepted = _report_refusals(
        request, enrollment.approve_selection(registrations, by=request.user)
    )
    if accepted:
        messages.success(
            request,
            ngettext("%(count)s demande acceptée.", "%(count)s demandes acceptées.", accepted)
            % {"count": accepted},
        )
    return redirect(_space_url(request))


@login_required
@require_POST
def bulk_refuse(request):
    """The selected requests refused with one reason; without a reason, the page again with
    the selection kept and the reason's error in the refusal box."""
    form = BulkRefuseForm(request.POST)
    form.is_valid()
    if "registrations" in form.errors:
        messages.error(request, " ".join(form.errors["registrations"]))
        return redirect(_space_url(request))
    registrations = space.registrations_for_approver_or_404(
        request.user, form.cleaned_data["registrations"]
    )
    if form.errors:
        return _render_space(request, bulk=form, status=400)
    reason = form.cleaned_data["reason"]
    refused = _report_refusals(
        request, enrollment.refuse_selection(registrations, by=request.user, reason=reason)
    )
    if refused:
        messages.success(
            request,
            ngettext(
                "%(count)s demande refusée : un courriel transmet votre motif à la personne.",
                "%(count)s demandes refusées : un courriel transmet votre motif à chaque personne.",
                refused,
            )
            % {"count": refused},
        )
    return redirect(_space_url(request))


@login_required
@require_GET
def history(request):
    """The decisions on the structures' requests, with the requests table's filters, and the
    year's CSV export."""
    structures = space.approved_structures(request.user)
    if not structures:
        return render(request, "employers/not_approver.html", status=403)
    context = tables_context(request, structures, DecisionForm)
    context.pop("people")
    page = tables.decisions_page(structures, context["criteria"], page=request.GET.get("page"))
    return render(
        request,
        "employers/history.html",
        {
            **context,
            "page": page,
            "export_form": ExportForm(
                initial={
                    "structure": context["criteria"].structure_id or structures[0].pk,
                    "year": context["criteria"].year or timezone.localdate().year,
                },
                structures=structures,
                years=context["years"],
            ),
        },
    )


@login_required
@require_GET
def export(request):
    """A structure's requests for a year's sessions, as CSV: its approvers' and staff's."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        raise Http404("Export introuvable.")
    structure = space.structure_for_export_or_404(request.user, form.cleaned_data["structure"])
    year = form.cleaned_data["year"] or timezone.localdate().year
    return exports.structure_requests_csv(
        tables.requests_of_year(structure, year),
        f"parcourspro-{slugify(structure.name) or structure.pk}-{year}.csv",
    )


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
                    "les demandes %(of_structure)s."
                )
                % {"email": invitation.email, "of_structure": de_name(structure.name)},
            )
            return redirect(_space_url(request, f"structure-{structure.pk}"))
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
            "Vous validez désormais les demandes %(of_structure)s : les demandes à traiter "
            "apparaissent ci-dessous."
        )
        % {"of_structure": de_name(structure.name)},
    )
    return redirect(_space_url(request, f"structure-{structure.pk}"))
