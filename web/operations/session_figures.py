"""What staff see of one session beyond its requests (admin, session page): the late
release's offers and the signed attendance, each counted by the database in one query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from enrollment.attendance import half_day_bounds, half_days, signature_is_late
from enrollment.models import AttendanceCorrection, AttendanceSheet, HalfDayAttendance, Offer


@dataclass(frozen=True)
class OfferFigures:
    made: int
    running: int
    accepted: int
    declined: int
    expired: int
    other: int

    @property
    def places_saved(self) -> int:
        return self.accepted


def offer_figures(session) -> OfferFigures:
    """The offers made of the session's places freed late, by outcome."""
    S = Offer.Status
    row = Offer.objects.filter(session=session).aggregate(
        made=Count("pk"),
        running=Count("pk", filter=Q(status=S.OFFERED)),
        accepted=Count("pk", filter=Q(status=S.ACCEPTED)),
        declined=Count("pk", filter=Q(status=S.DECLINED)),
        expired=Count("pk", filter=Q(status__in=[S.EXPIRED, S.APPROVAL_LAPSED])),
        other=Count("pk", filter=Q(status__in=[S.INELIGIBLE, S.WITHDRAWN])),
    )
    return OfferFigures(**row)


@dataclass(frozen=True)
class SigningFigures:
    signed: int
    on_time: int
    late: int
    corrected: int
    validated: int
    half_days: int


def signing_figures(session) -> SigningFigures:
    """The session's signatures (on time, late: more than SIGNATURE_LATE_AFTER after the
    half-day's start), the participant half-days corrected, and the sheets validated."""
    bounds = {(h.day, h.half): half_day_bounds(session, h)[0] for h in half_days(session)}
    signed = on_time = 0
    for day, half, signed_at in HalfDayAttendance.objects.filter(
        registration__session=session, signed_at__isnull=False
    ).values_list("day", "half", "signed_at"):
        signed += 1
        starts = bounds.get((day, half))
        on_time += starts is not None and not signature_is_late(signed_at=signed_at, starts=starts)
    corrected = (
        AttendanceCorrection.objects.filter(registration__session=session)
        .values("registration", "day", "half")
        .distinct()
        .count()
    )
    validated = AttendanceSheet.objects.filter(session=session, validated_at__isnull=False).count()
    return SigningFigures(
        signed=signed,
        on_time=on_time,
        late=signed - on_time,
        corrected=corrected,
        validated=validated,
        half_days=len(bounds),
    )
