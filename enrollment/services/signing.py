"""Electronic attendance (émargement): for each half-day of a session in person, the provider
opens the signing (a QR code and a short link, a new code each time); each participant,
logged in, signs for themselves while it is open — name, time, half-day, a drawing if they
draw one; the provider corrects with a reason (every correction traced: who, when, before,
after, why) and validates the sheet. For a session at a distance, the provider records who
was connected and validates.

`HalfDayAttendance` stays the one record: a signature writes its row, a correction or a
remote validation too; `attendance.attested_half_days` reads what counts (the provider's
records, and signatures of validated half-days) for the registration's state, the
certificate of completion and the attendance sheet's PDF (`documents`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from catalog.models import ActionKind, Session
from documents import services as documents

from .. import locking, rules
from ..attendance import (
    HalfDay,
    attested_half_days,
    check_can_sign,
    check_signing_can_open,
    half_day_bounds,
    half_days,
    signing_closes_at,
)
from ..models import AttendanceCorrection, AttendanceSheet, HalfDayAttendance, Registration
from ..rules import RuleViolation
from .messages import text
from .transitions import Status, move
from .waitlist import decide_locked

PARTICIPANT_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.ABSENT)
Source = HalfDayAttendance.Source
# The short link's code: no 0/O nor 1/I to misread on a screen; 32^8 codes.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DRAWING_MAX_BYTES = 200_000


def is_at_a_distance(session: Session) -> bool:
    """A remote session, or a tutored self-training: presence from the connections."""
    return session.is_remote or session.action.kind == ActionKind.TUTORED_SELF_TRAINING


def check_provider_of(session: Session, by) -> None:
    if not (by.is_staff or by.providers.filter(pk=session.action.provider_id).exists()):
        raise PermissionDenied(text("not_provider"))


def half_day_of(session: Session, day: dt.date, half: str) -> HalfDay:
    for half_day in half_days(session):
        if (half_day.day, half_day.half) == (day, half):
            return half_day
    raise RuleViolation("half_day", text("not_a_half_day"))


def _locked_sheet(session: Session, half_day: HalfDay) -> AttendanceSheet:
    AttendanceSheet.objects.get_or_create(session=session, day=half_day.day, half=half_day.half)
    return AttendanceSheet.objects.select_for_update().get(
        session=session, day=half_day.day, half=half_day.half
    )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@locking.retry_on_lock_conflict
def open_signing(session: Session, *, day, half, by, now=None) -> AttendanceSheet:
    """The provider opens a half-day's signing, until they close it or half an hour after
    the half-day's end; a new short code each time (yesterday's QR code opens nothing)."""
    check_provider_of(session, by)
    half_day = half_day_of(session, day, half)
    if is_at_a_distance(session):
        raise RuleViolation("remote", text("signing_remote"))
    now = now or timezone.now()
    starts, ends = half_day_bounds(session, half_day)
    check_signing_can_open(now=now, starts=starts, ends=ends)
    with transaction.atomic():
        sheet = _locked_sheet(session, half_day)
        if sheet.validated_at is not None:
            raise RuleViolation("validated", text("sheet_validated"))
        sheet.code = new_code()
        sheet.opened_at, sheet.opened_by = now, by
        sheet.closes_at = signing_closes_at(ends=ends)
        sheet.save(update_fields=["code", "opened_at", "opened_by", "closes_at"])
    return sheet


@locking.retry_on_lock_conflict
def close_signing(sheet: AttendanceSheet, *, by, now=None) -> AttendanceSheet:
    """The provider closes the signing before its end."""
    check_provider_of(sheet.session, by)
    now = now or timezone.now()
    with transaction.atomic():
        sheet = AttendanceSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.is_open(now):
            sheet.closes_at = now
            sheet.save(update_fields=["closes_at"])
    return sheet


def check_drawing(drawing: bytes) -> bytes:
    """A drawn signature is a PNG of reasonable size, or nothing."""
    if drawing and (not drawing.startswith(PNG_SIGNATURE) or len(drawing) > DRAWING_MAX_BYTES):
        raise RuleViolation("signature_drawing", text("signature_drawing"))
    return drawing or b""


@locking.retry_on_lock_conflict
def sign(sheet: AttendanceSheet, *, user, drawing: bytes = b"", now=None) -> HalfDayAttendance:
    """A participant signs for themselves: only their own confirmed registration of the
    sheet's session, only while its signing is open. Signing twice keeps the first time."""
    drawing = check_drawing(drawing)
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",), no_key=True)
            .filter(session_id=sheet.session_id, user=user, status__in=PARTICIPANT_STATUSES)
            .first()
        )
        if registration is None:
            raise RuleViolation("not_participant", text("sign_not_participant"))
        sheet = AttendanceSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.validated_at is not None:
            raise RuleViolation("validated", text("sheet_validated"))
        check_can_sign(now=now, opened_at=sheet.opened_at, closes_at=sheet.closes_at)
        row = HalfDayAttendance.objects.filter(
            registration=registration, day=sheet.day, half=sheet.half
        ).first()
        if row is not None and row.signed_at is not None:
            return row
        values = {
            "present": True,
            "source": Source.SIGNATURE,
            "signed_at": now,
            "signature": drawing,
            "recorded_by": user,
        }
        if row is None:
            return HalfDayAttendance.objects.create(
                registration=registration, day=sheet.day, half=sheet.half, **values
            )
        if not row.present:  # the provider had noted an absence: the signature corrects it
            _trace(registration, sheet.day, sheet.half, False, True, "Signée par la personne", user)
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
        return row


def _trace(registration, day, half, before, after, reason: str, by) -> None:
    AttendanceCorrection.objects.create(
        registration=registration,
        day=day,
        half=half,
        before=before,
        after=after,
        reason=reason,
        by=by,
        by_name=by.get_full_name() or by.email,
    )


def _apply(registration: Registration, by) -> None:
    """The registration's state follows its attested attendance (attended when present at
    least one half-day, else absent); the certificate and the sheet's PDF follow, after
    the commit."""
    to = Status.ATTENDED if attested_half_days(registration) else Status.ABSENT
    if registration.status != to:
        move(registration, to, by=by)
    documents.attendance_recorded(registration)


@locking.retry_on_lock_conflict
def correct_attendance(
    sheet: AttendanceSheet, registration: Registration, *, present: bool, reason: str, by, now=None
) -> Registration:
    """The provider corrects one participant's presence for the sheet's half-day, with a
    reason: traced (who, when, before, after, why) and attested at once."""
    check_provider_of(sheet.session, by)
    reason = rules.check_reason_given(reason)
    now = now or timezone.now()

    def work(registration, session):
        if registration.session_id != sheet.session_id or (
            registration.status not in PARTICIPANT_STATUSES
        ):
            raise RuleViolation("not_participant", text("not_participant"))
        starts, _ends = half_day_bounds(session, half_day_of(session, sheet.day, sheet.half))
        if now < starts:
            raise RuleViolation("attendance_too_early", text("attendance_too_early"))
        row = HalfDayAttendance.objects.filter(
            registration=registration, day=sheet.day, half=sheet.half
        ).first()
        before = row.present if row is not None else None
        if before == present:
            raise RuleViolation("unchanged", text("correction_unchanged"))
        HalfDayAttendance.objects.update_or_create(
            registration=registration,
            day=sheet.day,
            half=sheet.half,
            defaults={"present": present, "source": Source.PROVIDER, "recorded_by": by},
        )
        _trace(registration, sheet.day, sheet.half, before, present, reason, by)
        _apply(registration, by)
        return registration

    return decide_locked(registration, work=work, now=now)


@locking.retry_on_lock_conflict
def validate_sheet(session: Session, *, day, half, by, connected=None, now=None):
    """The provider validates a half-day's sheet: the signing closes, whoever did not sign
    is noted absent (at a distance: present when in `connected`, registration ids, from the
    connections), and every participant's state and documents follow."""
    check_provider_of(session, by)
    half_day = half_day_of(session, day, half)
    now = now or timezone.now()
    starts, _ends = half_day_bounds(session, half_day)
    if now < starts:
        raise RuleViolation("validation_too_early", text("validation_too_early"))
    distance = is_at_a_distance(session)
    connected = set(connected or ())
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        participants = list(
            Registration.objects.select_for_update(of=("self",), no_key=True)
            .filter(session=session, status__in=PARTICIPANT_STATUSES)
            .select_related("user", "structure")
            .order_by("pk")
        )
        sheet = _locked_sheet(session, half_day)
        if sheet.validated_at is not None:
            raise RuleViolation("validated", text("sheet_validated"))
        recorded = set(
            HalfDayAttendance.objects.filter(
                registration__in=participants, day=day, half=half
            ).values_list("registration_id", flat=True)
        )
        HalfDayAttendance.objects.bulk_create(
            HalfDayAttendance(
                registration=registration,
                day=day,
                half=half,
                present=distance and registration.pk in connected,
                source=Source.CONNECTION if distance else Source.PROVIDER,
                recorded_by=by,
            )
            for registration in participants
            if registration.pk not in recorded
        )
        if sheet.is_open(now):
            sheet.closes_at = now
        sheet.validated_at, sheet.validated_by = now, by
        sheet.validated_by_name = by.get_full_name() or by.email
        sheet.save()
        for registration in participants:
            registration.session = session
            _apply(registration, by)
    return sheet
