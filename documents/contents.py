"""What each document says: the templates' contexts, built from the session, the provider,
the structure and the registrations (no writes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from catalog.models import ActionKind, Provider, Session
from enrollment.attendance import completed_hours, half_days, hours_by_half_day
from enrollment.calendar import session_days
from enrollment.models import HalfDayAttendance, Registration, RegistrationStatus

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


def attended_half_days(registration: Registration) -> set[tuple[dt.date, str]]:
    return set(
        HalfDayAttendance.objects.filter(registration=registration, present=True).values_list(
            "day", "half"
        )
    )


def certificate_source(registration: Registration) -> dict:
    """What a certificate depends on: the hours completed and the half-days attended."""
    session = registration.session
    present = attended_half_days(registration)
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
