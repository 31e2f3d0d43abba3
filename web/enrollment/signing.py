"""« Émarger »: the participant's page behind the QR code and the short link of a half-day
(/emargement/<code>/). Logged in, the person signs for themselves — the service finds their
own confirmed registration of the session; there is nobody else to choose — while the
provider keeps the signing open. A drawing on a touch screen is optional (a small static
script fills a hidden field; without JavaScript, the page signs without one)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.dates import hour_text
from enrollment import services
from enrollment.attendance import half_day_bounds
from enrollment.models import AttendanceSheet, HalfDayAttendance, Registration
from enrollment.rules import RuleViolation
from enrollment.services.signing import PARTICIPANT_STATUSES, half_day_of
from web.operations.signing_forms import SignForm


@login_required
def sign(request, code: str):
    sheet = get_object_or_404(
        AttendanceSheet.objects.select_related("session__action"), code=code.upper()
    )
    session = sheet.session
    if request.method == "POST":
        form = SignForm(request.POST)
        if form.is_valid():
            try:
                row = services.sign(sheet, user=request.user, drawing=form.drawing_bytes())
            except (RuleViolation, PermissionDenied) as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    _("C'est signé, à %(hour)s. Merci\u00a0!")
                    % {"hour": hour_text(timezone.localtime(row.signed_at))},
                )
            return redirect("enrollment:sign", code=sheet.code)
    else:
        form = SignForm()
    half_day = half_day_of(session, sheet.day, sheet.half)
    starts, ends = half_day_bounds(session, half_day)
    registration = Registration.objects.filter(
        session=session, user=request.user, status__in=PARTICIPANT_STATUSES
    ).first()
    signed = (
        HalfDayAttendance.objects.filter(
            registration=registration, day=sheet.day, half=sheet.half, signed_at__isnull=False
        ).first()
        if registration
        else None
    )
    return render(
        request,
        "enrollment/sign.html",
        {
            "sheet": sheet,
            "session": session,
            "half_day": half_day,
            "starts": starts,
            "ends": ends,
            "registration": registration,
            "signed": signed,
            "signed_hour": hour_text(timezone.localtime(signed.signed_at)) if signed else "",
            "is_open": sheet.is_open(timezone.now()) and sheet.validated_at is None,
            "form": form,
        },
    )
