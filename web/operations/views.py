"""The provider space (R10), the participant's calendar file, the attendance sheet and the
staff dashboard: parse, call one service, redirect; or render a selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from common.text import de_name, lowercase_first
from documents.selectors import conventions_of_session
from enrollment import services
from enrollment.calendar import ics_filename, session_ics
from enrollment.rules import RuleViolation
from web.forms import RowForm
from web.operations import exports, selectors
from web.operations.forms import AttendanceForm, DeclineForm

DECLINE = RowForm(DeclineForm, "decline")


def _person(registration) -> str:
    return f"{registration.first_name} {registration.last_name}"


def _session_url(session, anchor: str = "") -> str:
    url = reverse("operations:provider_session", args=[session.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the provider space ------------------------------------------------------------------------


@login_required
@require_safe
def provider_space(request):
    """The sessions of the user's providers, upcoming first, with their fill."""
    providers = selectors.providers_of(request.user)
    if not providers:
        return render(request, "operations/not_provider.html", status=403)
    upcoming, past = selectors.provider_sessions(request.user)
    return render(
        request,
        "operations/provider_space.html",
        {"providers": providers, "upcoming": upcoming, "past": past},
    )


def _render_session(request, session, *, bound=None, status=200):
    requests = list(selectors.awaiting_provider(session))
    for registration in requests:
        registration.decline_form = DECLINE.for_row(registration, bound)
    participants = list(selectors.participants(session).prefetch_related("half_days"))
    started = timezone.now() >= session.starts_at
    form = AttendanceForm(participants=participants, half_days=selectors.half_days(session))
    context = {
        "session": session,
        "action": session.action,
        "requests": requests,
        "participants": participants,
        "started": started,
        "attendance_form": form if started else None,
        "conventions": conventions_of_session(session),
        "decline_error": bound is not None,
    }
    return render(request, "operations/provider_session.html", context, status=status)


@login_required
@require_safe
def provider_session(request, pk: int):
    """One session: requests to decide on, participants, attendance after the start."""
    session = selectors.provider_session_or_404(request.user, pk)
    return _render_session(request, session)


def _decide(request, pk: int, registration_pk: int, decide, done: str, *, reason_form=None):
    """Confirm or decline one request of the session (R10): `decide` is the service, `done`
    the message once it went through. With `reason_form` the reason is read first; without a
    valid one the page comes back with the error in the request's row."""
    session = selectors.provider_session_or_404(request.user, pk)
    registration = selectors.provider_registration_or_404(request.user, session, registration_pk)
    reason = {}
    if reason_form is not None:
        form = reason_form.bind(request, registration)
        if not form.is_valid():
            return _render_session(request, session, bound=form)
        reason["reason"] = form.cleaned_data["reason"]
    try:
        decide(registration, by=request.user, **reason)
    except (RuleViolation, PermissionDenied) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done % {"of_person": de_name(_person(registration))})
    return redirect(_session_url(session, "demandes"))


@login_required
@require_POST
def provider_confirm(request, pk: int, registration_pk: int):
    """« Confirmer »: the request becomes effective and the convocation is sent (R10)."""
    return _decide(
        request,
        pk,
        registration_pk,
        services.confirm,
        _("L'inscription %(of_person)s est confirmée : sa convocation lui est envoyée."),
    )


@login_required
@require_POST
def provider_decline(request, pk: int, registration_pk: int):
    """« Décliner », with a reason (R10): the place goes to the waiting list."""
    return _decide(
        request,
        pk,
        registration_pk,
        services.decline,
        _("La demande %(of_person)s est déclinée : le motif lui est transmis."),
        reason_form=DECLINE,
    )


@login_required
@require_POST
def provider_attendance(request, pk: int):
    """Attendance, once the session has started: one mark per participant."""
    session = selectors.provider_session_or_404(request.user, pk)
    form = AttendanceForm(
        request.POST,
        participants=selectors.participants(session).prefetch_related("half_days"),
        half_days=selectors.half_days(session),
    )
    form.is_valid()  # every choice is optional; an unknown value is ignored
    recorded, refusals = 0, []
    for registration, present in form.marks():
        registration.session = session
        try:
            services.record_half_days(registration, by=request.user, present=present)
        except (RuleViolation, PermissionDenied) as refusal:
            refusals.append(f"{_person(registration)} : {lowercase_first(str(refusal))}")
        else:
            recorded += 1
    if recorded or not refusals:
        messages.success(
            request,
            ngettext(
                "Présences enregistrées (%(count)d modification).",
                "Présences enregistrées (%(count)d modifications).",
                recorded,
            )
            % {"count": recorded},
        )
    for line in refusals:
        messages.error(request, line)
    return redirect(_session_url(session, "presence"))


@login_required
@require_safe
def attendance_sheet(request, pk: int):
    """The printable « feuille d'émargement »: staff or the session's provider."""
    session = selectors.sheet_session_or_404(request.user, pk)
    return render(
        request,
        "operations/attendance_sheet.html",
        {
            "session": session,
            "participants": selectors.participants(session),
            "half_days": selectors.half_days(session),
        },
    )


@login_required
@require_safe
def session_participants_csv(request, pk: int):
    """The participants of one session as CSV: staff or the session's provider."""
    session = selectors.sheet_session_or_404(request.user, pk)
    registrations = selectors.participants(session).select_related("session__action")
    return exports.participants_csv(
        registrations, f"participants-session-{session.pk}-{session.starts_at:%Y%m%d}.csv"
    )


# --- the participant's calendar file (R10) -----------------------------------------------------


@login_required
@require_safe
def registration_ics(request, pk: int):
    """The .ics of the user's own registration; anyone else's answers 404."""
    registration = selectors.registration_for_ics_or_404(request.user, pk)
    response = HttpResponse(session_ics(registration), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(registration)}"'
    return response


# --- the staff dashboard -----------------------------------------------------------------------


@login_required
@require_safe
def dashboard(request):
    """« Pilotage »: staff only."""
    if not request.user.is_staff:
        return render(request, "operations/staff_only.html", status=403)
    return render(request, "operations/dashboard.html", {"board": selectors.dashboard()})
