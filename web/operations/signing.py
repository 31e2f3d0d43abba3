"""The provider's electronic attendance (émargement): each half-day's signing opened with a
QR code and a short link, the participants' signatures as they come, corrections with a
reason, validation; at a distance, who was connected. Staff see the same pages."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from documents.contents import attendance_rows
from documents.models import Document
from enrollment import services
from enrollment.attendance import half_day_bounds
from enrollment.models import AttendanceSheet
from enrollment.rules import RuleViolation
from enrollment.services.signing import half_day_of, is_at_a_distance
from web.operations import selectors
from web.operations.signing_forms import ABSENT, PRESENT, ConnectionsForm, CorrectionForm

REFUSALS = (RuleViolation, PermissionDenied)


def _half_day(session, key: str):
    """« 2027-03-15-am » → the session's half-day, else 404."""
    try:
        day, half = dt.date.fromisoformat(key[:10]), key[11:]
        return half_day_of(session, day, half)
    except (ValueError, RuleViolation) as error:
        raise Http404 from error


def _page(session, half_day=None) -> str:
    if half_day is None:
        return reverse("operations:signing", args=[session.pk])
    return reverse("operations:signing_half_day", args=[session.pk, half_day.key])


def short_link(sheet: AttendanceSheet) -> str:
    return settings.SITE_URL + reverse("enrollment:sign", args=[sheet.code])


def qr_svg(url: str, title: str) -> str:
    """The short link as an SVG QR code, drawn on the server (segno): shown on the room's
    screen, read by a phone's camera."""
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2, title=title)
    return mark_safe(svg)  # noqa: S308 — segno's own markup of a URL we made


@login_required
@require_safe
def signing(request, pk: int):
    """The session's half-days, each with its signing and its validation."""
    session = selectors.sheet_session_or_404(request.user, pk)
    rows = attendance_rows(session)
    now = timezone.now()
    for row in rows:
        row["open"] = bool(row["sheet"] and row["sheet"].is_open(now))
        row["signed"] = sum(1 for line in row["lines"] if line["row"] and line["row"].signed_at)
    sheet_pdf = (
        Document.objects.filter(kind=Document.Kind.ATTENDANCE, session=session)
        .order_by("-version")
        .first()
    )
    return render(
        request,
        "operations/signing.html",
        {
            "session": session,
            "rows": rows,
            "distance": is_at_a_distance(session),
            "sheet_pdf": sheet_pdf,
        },
    )


@login_required
@require_safe
def signing_half_day(request, pk: int, key: str):
    """One half-day: open or close its signing (QR code, short link), see who signed and
    when, correct with a reason, validate."""
    session = selectors.sheet_session_or_404(request.user, pk)
    return _half_day_page(request, session, _half_day(session, key))


def _half_day_page(request, session, half_day, *, correction=None, connections=None):
    """The half-day's page; after a form that does not validate, with its errors (400)."""
    now = timezone.now()
    [block] = [r for r in attendance_rows(session) if r["half_day"] == half_day]
    sheet = block["sheet"]
    is_open = bool(sheet and sheet.is_open(now))
    for line in block["lines"]:
        registration = line["registration"]
        bound = correction if correction and correction.prefix == f"c{registration.pk}" else None
        line["form"] = bound or CorrectionForm(prefix=f"c{registration.pk}")
    participants = [line["registration"] for line in block["lines"]]
    starts, ends = half_day_bounds(session, half_day)
    link = short_link(sheet) if is_open else ""
    context = {
        "session": session,
        "half_day": half_day,
        "part": block,
        "sheet": sheet,
        "is_open": is_open,
        "starts": starts,
        "ends": ends,
        "started": now >= starts,
        "distance": is_at_a_distance(session),
        "link": link,
        "qr": qr_svg(link, _("Lien d'émargement : %(link)s") % {"link": link}) if link else "",
        "connections": connections or ConnectionsForm(participants=participants),
    }
    status = 400 if (correction or connections) else 200
    return render(request, "operations/signing_half_day.html", context, status=status)


def _sheet(session, half_day) -> AttendanceSheet:
    sheet, _created = AttendanceSheet.objects.get_or_create(
        session=session, day=half_day.day, half=half_day.half
    )
    return sheet


@login_required
@require_POST
def signing_open(request, pk: int, key: str):
    session = selectors.sheet_session_or_404(request.user, pk)
    half_day = _half_day(session, key)
    try:
        services.open_signing(session, day=half_day.day, half=half_day.half, by=request.user)
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Signature ouverte : montrez le QR code ou donnez le lien court aux participants."),
        )
    return redirect(_page(session, half_day))


@login_required
@require_POST
def signing_close(request, pk: int, key: str):
    session = selectors.sheet_session_or_404(request.user, pk)
    half_day = _half_day(session, key)
    try:
        services.close_signing(_sheet(session, half_day), by=request.user)
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Signature fermée."))
    return redirect(_page(session, half_day))


@login_required
@require_POST
def signing_correct(request, pk: int, key: str, registration_pk: int):
    session = selectors.sheet_session_or_404(request.user, pk)
    half_day = _half_day(session, key)
    registration = get_object_or_404(session.registrations.all(), pk=registration_pk)
    form = CorrectionForm(request.POST, prefix=f"c{registration.pk}")
    if not form.is_valid():
        return _half_day_page(request, session, half_day, correction=form)
    try:
        services.correct_attendance(
            _sheet(session, half_day),
            registration,
            present=form.cleaned_data["presence"] == PRESENT,
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Présence de %(name)s corrigée : %(value)s.")
            % {
                "name": f"{registration.first_name} {registration.last_name}",
                "value": _("présent·e")
                if form.cleaned_data["presence"] != ABSENT
                else _("absent·e"),
            },
        )
    return redirect(f"{_page(session, half_day)}#participant-{registration.pk}")


@login_required
@require_POST
def signing_validate(request, pk: int, key: str):
    session = selectors.sheet_session_or_404(request.user, pk)
    half_day = _half_day(session, key)
    connected = None
    if is_at_a_distance(session):
        form = ConnectionsForm(request.POST, participants=selectors.participants(session))
        if not form.is_valid():
            return _half_day_page(request, session, half_day, connections=form)
        connected = form.connected()
    try:
        services.validate_sheet(
            session, day=half_day.day, half=half_day.half, by=request.user, connected=connected
        )
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Feuille de la demi-journée validée."))
    return redirect(_page(session, half_day))
