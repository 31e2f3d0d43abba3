"""The provider space (R10), the participant's calendar file, the attendance sheet and the
staff dashboard with the financer's view: parse, call one service, redirect; or render a
selector."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from catalog.models import ActionKind
from common import typography
from common.choices import Department
from common.text import de_name, lowercase_first
from documents.rendering import render_pdf
from documents.selectors import conventions_of_session
from enrollment import services
from enrollment.calendar import ics_filename, session_ics
from enrollment.rules import RuleViolation
from surveys.mix import thresholds
from web.forms import RowForm
from web.operations import charts, exports, pilotage, pilotage_export, selectors
from web.operations.forms import AttendanceForm, DeclineForm
from web.operations.pilotage_filters import PilotageFilterSet

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


def _render_session(request, session, *, bound=None, attendance=None, status=200):
    requests = list(selectors.awaiting_provider(session))
    for registration in requests:
        registration.decline_form = DECLINE.for_row(registration, bound)
    participants = list(selectors.participants(session).prefetch_related("half_days"))
    started = timezone.now() >= session.starts_at
    form = attendance or AttendanceForm(
        participants=participants, half_days=selectors.half_days(session)
    )
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
    """« Confirmer »: the request becomes effective and the convocation is to leave (R10)."""
    return _decide(
        request,
        pk,
        registration_pk,
        services.confirm,
        # The convocation is made and sent after the commit, by a task that may have to wait
        # for the storage or the mail server: the page cannot know it has left.
        _("L'inscription %(of_person)s est confirmée : la convocation partira dès que possible."),
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
    contradictions = form.contradictions()
    if contradictions:
        # Nothing is saved: the form comes back with the error under each contradiction.
        messages.error(
            request,
            _(
                "Présences non enregistrées : « Absent·e » est choisi avec des demi-journées "
                "cochées pour %(names)s. Corrigez ci-dessous."
            )
            % {"names": ", ".join(contradictions)},
        )
        return _render_session(request, session, attendance=form, status=400)
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


# --- the staff dashboard ----------------------------------------------------------------------

# « … par département », « Département »: what the figures are broken down by, in words.
BY = {
    "department": gettext_lazy("département"),
    "theme": gettext_lazy("thématique"),
    "provider": gettext_lazy("prestataire"),
    "kind": gettext_lazy("type d'action"),
    "month": gettext_lazy("mois"),
}


def _financers_view(request):
    """The financer's view: the filters, the figures and their charts."""
    filterset = PilotageFilterSet(request.GET)
    group = filterset.breakdown
    board = pilotage.pilotage(filterset.qs, group)
    by = str(BY[group])
    threshold = settings.SURVEY_PRIVACY_THRESHOLD
    return {
        "filterset": filterset,
        "pilotage": board,
        "by": by,
        "scope": _scope_text(filterset),
        "threshold": threshold,
        "late_days": settings.LATE_OFFER_DAYS,
        "mix_limits": thresholds(),
        "charts": [
            charts.places(board, by),
            charts.waiting_and_lost(board, by),
            charts.late_release(board, by, settings.LATE_OFFER_DAYS),
            charts.satisfaction(board, threshold),
            charts.departments(board),
            charts.mixes(board, by),
        ],
        "query": request.GET.urlencode(),
        "documents_enabled": settings.DOCUMENTS_ENABLED,
    }


def _scope_text(filterset) -> str:
    """What the figures cover, in words: the period, then the other criteria."""
    period = filterset.period()
    parts = []
    if period["year"]:
        parts.append(_("en %(year)s") % {"year": period["year"]})
    if period["start"]:
        parts.append(_("à partir du %(day)s") % {"day": typography.day(period["start"])})
    if period["end"]:
        parts.append(_("jusqu'au %(day)s") % {"day": typography.day(period["end"])})
    text = (
        _("Sessions commençant %(period)s") % {"period": ", ".join(parts)}
        if parts
        else _("Toutes les sessions")
    )
    data = getattr(filterset.form, "cleaned_data", {})
    criteria = [str(data[name]) for name in ("theme", "provider") if data.get(name)]
    if data.get("department"):
        criteria.insert(0, str(Department(data["department"]).label))
    if data.get("kind"):
        criteria.append(str(ActionKind(data["kind"]).label))
    return " — ".join([text, *criteria])


@login_required
@require_safe
def dashboard(request):
    """« Pilotage »: staff only. What staff watch (the coming sessions, requests pending,
    waiting lists, non-members) and the financer's view (what the programme achieved)."""
    if not request.user.is_staff:
        return render(request, "operations/staff_only.html", status=403)
    return render(
        request,
        "operations/dashboard.html",
        {"board": selectors.dashboard(), **_financers_view(request)},
    )


@login_required
@require_safe
def dashboard_csv(request):
    """The financer's view's figures, by group and in total, as CSV (staff only)."""
    if not request.user.is_staff:
        return render(request, "operations/staff_only.html", status=403)
    view = _financers_view(request)
    header, rows = pilotage_export.table(view["pilotage"], view["by"])
    return exports.csv_response(f"pilotage-{timezone.localdate():%Y%m%d}.csv", header, rows)


@login_required
@require_safe
def dashboard_pdf(request):
    """The financer's view as a one-page PDF report for the funders (staff only). Rendered
    by WeasyPrint in the request, where no transaction (nor row lock) is open."""
    if not request.user.is_staff:
        return render(request, "operations/staff_only.html", status=403)
    if not settings.DOCUMENTS_ENABLED:
        raise Http404
    view = _financers_view(request)
    pdf = render_pdf(
        "documents/pilotage_report.html",
        {**view, "charts": [view["charts"][i] for i in (0, 3, 4)], "now": timezone.now()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="bilan-parcourspro-{timezone.localdate():%Y%m%d}.pdf"'
    )
    return response
