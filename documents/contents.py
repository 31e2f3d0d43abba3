"""What each document says: the templates' contexts, built from the session, the provider,
the structure and the registrations (no writes)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from catalog.dates import hour_text, moment_text
from catalog.models import ActionKind, Provider, Session
from enrollment.attendance import (
    attested_half_days,
    completed_hours,
    half_day_bounds,
    half_days,
    hours_by_half_day,
    signature_is_late,
)
from enrollment.calendar import session_days
from enrollment.models import (
    AttendanceCorrection,
    AttendanceSheet,
    HalfDayAttendance,
    Registration,
    RegistrationStatus,
)

Status = RegistrationStatus
# The participants a convention lists: confirmed by the provider, before and after the session.
PARTICIPANT_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.ABSENT)
PROGRAMME_NAME = "ParcoursPro"
PROGRAMME_OWNER = "Cap Métiers Nouvelle-Aquitaine"
FREE_OF_CHARGE = "prise en charge par le programme ParcoursPro, sans coût pour la structure"


@dataclass(frozen=True)
class Referent:
    role: str
    name: str
    email: str
    phone: str


def referents(provider: Provider) -> list[Referent]:
    rows = [
        ("Référent pédagogique", "pedagogical"),
        ("Référent administratif", "administrative"),
        ("Référent handicap", "disability"),
    ]
    result = []
    for role, prefix in rows:
        name = getattr(provider, f"{prefix}_referent_name")
        if name:
            result.append(
                Referent(
                    role,
                    name,
                    getattr(provider, f"{prefix}_referent_email"),
                    getattr(provider, f"{prefix}_referent_phone"),
                )
            )
    return result


def format_hours(hours: Decimal) -> str:
    """« 7 h », « 3,5 h », « 10,25 h »."""
    text = f"{hours.normalize():f}".replace(".", ",")
    return f"{text} h"


def total_hours(session: Session) -> Decimal:
    return sum(hours_by_half_day(session).values(), Decimal(0))


def session_context(session: Session) -> dict:
    """The facts every document of the session gives: action, provider, days, hours."""
    action = session.action
    provider = action.provider
    is_distance = action.kind == ActionKind.TUTORED_SELF_TRAINING
    return {
        "session": session,
        "action": action,
        "provider": provider,
        "kind_label": ActionKind(action.kind).label,
        "is_distance": is_distance,
        "days": session_days(session),
        "starts": timezone.localtime(session.starts_at),
        "ends": timezone.localtime(session.ends_at),
        "total_hours": format_hours(total_hours(session)),
        "half_day_count": len(half_days(session)),
        "referents": referents(provider),
        "programme_name": PROGRAMME_NAME,
        "programme_owner": PROGRAMME_OWNER,
        "programme_address": settings.PROGRAMME_ADDRESS,
        "free_of_charge": FREE_OF_CHARGE,
        "generated_on": timezone.localdate(),
    }


def convention_participants(session: Session, structure_id: int) -> list[Registration]:
    return list(
        Registration.objects.filter(
            session=session, structure_id=structure_id, status__in=PARTICIPANT_STATUSES
        ).order_by("last_name", "first_name", "pk")
    )


def convention_source(participants: list[Registration]) -> dict:
    """What a convention version depends on: its participants (ids and names)."""
    return {"participants": [[r.pk, r.first_name, r.last_name, r.job_title] for r in participants]}


def convention_context(session: Session, structure, participants) -> dict:
    """The convention's context, but its version (given when it is rendered)."""
    return {**session_context(session), "structure": structure, "participants": participants}


def convocation_source(registration: Registration) -> dict:
    """What a convocation depends on: the session's times and place, the participant's name."""
    session = registration.session
    return {
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "format": session.format,
        "location": session.location,
        "department": session.department,
        "remote_url": session.remote_url,
        "name": [registration.first_name, registration.last_name],
    }


def convocation_context(registration: Registration) -> dict:
    session = registration.session
    return {
        **session_context(session),
        "registration": registration,
        "structure": registration.structure,
    }


def certificate_source(registration: Registration) -> dict:
    """What a certificate depends on: the hours completed and the half-days attended, as
    attested (the provider's records, and the signatures of validated sheets)."""
    session = registration.session
    present = attested_half_days(registration)
    if not present and registration.status == Status.ATTENDED:
        # Attended before half-days were recorded: every half-day counts.
        present = {(h.day, h.half) for h in half_days(session)}
    hours = completed_hours(hours_by_half_day(session), present)
    return {
        "hours": str(hours),
        "half_days": sorted(f"{day.isoformat()}-{half}" for day, half in present),
    }


def certificate_context(registration: Registration, source: dict) -> dict:
    session = registration.session
    return {
        **session_context(session),
        "registration": registration,
        "structure": registration.structure,
        "completed_hours": format_hours(Decimal(source["hours"])),
        "attended_count": len(source["half_days"]),
    }


# --- The signed attendance sheet (émargement) ------------------------------------------------


def _yes_no(value) -> str:
    return {True: "présent·e", False: "absent·e", None: "rien de noté"}[value]


def attendance_rows(session: Session) -> list[dict]:
    """Each half-day of the session: its sheet's validation, and each participant's line —
    present or not, signed when (on time or late, with the drawing) or recorded how, and
    the corrections made (who, when, before, after, why)."""
    participants = list(
        Registration.objects.filter(session=session, status__in=PARTICIPANT_STATUSES).order_by(
            "last_name", "first_name", "pk"
        )
    )
    sheets = {(s.day, s.half): s for s in AttendanceSheet.objects.filter(session=session)}
    rows = {
        (r.registration_id, r.day, r.half): r
        for r in HalfDayAttendance.objects.filter(registration__in=participants)
    }
    corrections: dict[tuple, list] = {}
    for correction in AttendanceCorrection.objects.filter(registration__in=participants):
        key = (correction.registration_id, correction.day, correction.half)
        corrections.setdefault(key, []).append(correction)
    result = []
    for half_day in half_days(session):
        starts, _ends = half_day_bounds(session, half_day)
        sheet = sheets.get((half_day.day, half_day.half))
        lines = []
        for registration in participants:
            key = (registration.pk, half_day.day, half_day.half)
            row = rows.get(key)
            signed_at = row.signed_at if row else None
            lines.append(
                {
                    "registration": registration,
                    "row": row,
                    "late": bool(
                        signed_at and signature_is_late(signed_at=signed_at, starts=starts)
                    ),
                    "drawing": _data_uri(row.signature) if row and row.signature else "",
                    "signed_hour": hour_text(timezone.localtime(signed_at)) if signed_at else "",
                    "corrections": [
                        {
                            "correction": c,
                            "at": moment_text(c.at),
                            "change": f"{_yes_no(c.before)} → {_yes_no(c.after)}",
                        }
                        for c in corrections.get(key, [])
                    ],
                }
            )
        result.append(
            {
                "half_day": half_day,
                "starts": starts,
                "sheet": sheet,
                "validated": moment_text(sheet.validated_at)
                if sheet and sheet.validated_at
                else "",
                "lines": lines,
            }
        )
    return result


def _data_uri(png) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode()


def attendance_source(rows: list[dict]) -> dict:
    """What the sheet says, to compare versions: every line's facts, hashes of drawings."""
    return {
        "validated": [
            [f"{r['half_day'].day}-{r['half_day'].half}", r["sheet"].validated_at.isoformat()]
            for r in rows
            if r["sheet"] and r["sheet"].validated_at
        ],
        "lines": [
            [
                f"{r['half_day'].day}-{r['half_day'].half}",
                line["registration"].pk,
                line["registration"].last_name,
                _yes_no(line["row"].present if line["row"] else None),
                line["row"].signed_at.isoformat() if line["row"] and line["row"].signed_at else "",
                hashlib.sha256(bytes(line["row"].signature)).hexdigest()
                if line["row"] and line["row"].signature
                else "",
                [[c["correction"].pk, c["correction"].reason] for c in line["corrections"]],
            ]
            for r in rows
            for line in r["lines"]
        ],
    }


def attendance_sheet(session_id: int):
    """(source, template, context, file name parts) of the session's signed attendance
    sheet, or None before any half-day is validated."""
    session = Session.objects.select_related("action__provider").get(pk=session_id)
    rows = attendance_rows(session)
    source = attendance_source(rows)
    if not source["validated"]:
        return None
    context = {**session_context(session), "half_day_rows": rows, "yes_no": _yes_no}
    name = ("emargement", session.action.title, f"{timezone.localdate(session.starts_at):%Y%m%d}")
    return source, "documents/attendance.html", context, name
