"""The demo's building blocks: each finds its row by a natural key before creating it.

Requests go through `enrollment.services`, as a user's would; only the history of a session
already held is written directly, since the services take requests for sessions to come only.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.oidc import register_e_parcourspro_client
from catalog.models import Action, ActionKind, Provider, Session, Theme
from demo import data, providers
from employers.models import Membership, Structure
from employers.validators import complete_siret
from enrollment import services
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus

K = ActionKind
REMOTE_KINDS = {K.TUTORED_SELF_TRAINING, K.WEBINAR, K.WEB_WORKSHOP}


def siret_for(index: int) -> str:
    """A deterministic valid SIRET (Luhn) for the demo's `index`-th structure."""
    return complete_siret(f"8{index:012d}")


def provider_identity(index: int, email: str) -> dict[str, str]:
    """The `index`-th demo provider's legal identity: a valid SIRET, an NDA of Nouvelle-Aquitaine
    (75) and Gironde (33), its address, signatory and referents (mailboxes on its domain)."""
    legal_name, street, postal_code, city, signatory, referents = providers.IDENTITIES[index]
    domain = email.split("@")[1]
    fields = {
        "legal_name": legal_name,
        "siret": complete_siret(f"4{index + 1:08d}0001"),
        "nda": f"7533{1234500 + index:07d}",
        "street": street,
        "postal_code": postal_code,
        "city": city,
        "signatory_name": signatory[0],
        "signatory_role": signatory[1],
    }
    for number, (role, name) in enumerate(zip(providers.REFERENT_ROLES, referents, strict=True)):
        fields[f"{role}_referent_name"] = name
        fields[f"{role}_referent_email"] = f"{providers.REFERENT_MAILBOXES[role]}@{domain}"
        fields[f"{role}_referent_phone"] = f"05 57 00 {index + 1:02d} {number + 1:02d}"
    return fields


def fill_blanks(provider: Provider, fields: dict[str, str]) -> None:
    """Sets the fields still empty (what staff entered stays), saving only when one changes."""
    blank = [name for name, value in fields.items() if not getattr(provider, name)]
    for name in blank:
        setattr(provider, name, fields[name])
    if blank:
        provider.save(update_fields=blank)


def demo_user(email: str, profile: dict, **fields) -> User:
    """The account of `email`, created with the demo password and a verified primary email."""
    user, created = User.objects.get_or_create(email=email, defaults={**profile, **fields})
    if created:
        user.set_password(data.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def e_parcourspro_client() -> bool:
    """e-ParcoursPro's client for a local Moodle (docs/E-PARCOURSPRO.md), with the demo's
    secret, registered once: a client staff changed is left as it is."""
    if Client.objects.filter(id=settings.E_PARCOURSPRO_CLIENT_ID).exists():
        return False
    client, _ = register_e_parcourspro_client(
        redirect_uri=data.DEMO_MOODLE_CALLBACK, client_id=settings.E_PARCOURSPRO_CLIENT_ID
    )
    client.set_secret(data.DEMO_CLIENT_SECRET)
    client.save(update_fields=["secret"])
    return True


def membership(structure: Structure, index: int, year: int) -> None:
    """This year's membership, paid, and next year's; the formula alternates with `index`."""
    formula = Membership.Formula.EXTENDED if index % 2 else Membership.Formula.BASE
    for each in (year, year + 1):
        Membership.objects.get_or_create(
            structure=structure,
            year=each,
            defaults={
                "formula": formula,
                "paid_on": dt.date(each, 1, 15) if each == year else None,
            },
        )


# --- catalogue --------------------------------------------------------------------------------


def days_label(days: Decimal) -> str:
    if days == int(days):
        return f"{int(days)} jour{'s' if days >= 2 else ''}"
    return f"{str(days).replace('.', ',')} jour"


def action_defaults(
    index: int, title: str, kind: str, days: str, *, theme: Theme, provider: Provider
) -> dict:
    """The fields of the demo's `index`-th action, its texts written from its title."""
    duration = Decimal(days)
    summary = data.SUMMARIES.get(kind, data.SHORT_SUMMARY)
    return {
        "title": title,
        "kind": kind,
        "summary": summary.format(title=title, days=days_label(duration)),
        "objectives": data.OBJECTIVES.format(title=title),
        "audience": data.AUDIENCE,
        "prerequisites": "" if index % 3 else data.PREREQUISITES,
        "programme": data.PROGRAMME,
        "duration_days": duration,
        "theme": theme,
        "provider": provider,
    }


def create_sessions(action: Action, index: int, nearly_full: bool) -> None:
    """Two or three sessions over the coming 9 months (one past for some actions)."""
    rng = random.Random(action.slug)
    for number, offset in enumerate(session_offsets(rng, index, nearly_full)):
        fields = session_fields(action, index, number, offset, nearly_full, rng)
        Session.objects.create(action=action, **fields)


def session_offsets(rng: random.Random, index: int, nearly_full: bool) -> list[int]:
    """Days from today to each session, some chosen to show every state of registration."""
    count = 3 if index % 4 == 0 else 2
    offsets = sorted(rng.sample(range(12, 270), count))
    if index % 6 == 1:
        offsets[0] = -rng.randint(10, 60)  # a past session
    if index % 9 == 2:
        offsets[0] = 4  # registration already closed, not started yet
    if index % 7 == 3:
        offsets[0] = 16  # open, but less than 3 weeks ahead
    if nearly_full:
        offsets[0] = rng.randint(20, 45)
    return offsets


def session_times(action: Action, number: int, offset: int) -> tuple[dt.datetime, dt.datetime]:
    days = max(1, int(action.duration_days))
    day = timezone.localdate() + dt.timedelta(days=offset)
    if day.weekday() + days > 5:  # sessions run on working days, Monday to Friday
        day += dt.timedelta(days=7 - day.weekday())
    hour = 9 if action.is_member_only or number % 2 else 14
    starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    if action.duration_days < 1:
        return starts_at, starts_at + dt.timedelta(hours=3, minutes=30)
    return starts_at, starts_at + dt.timedelta(days=days - 1, hours=8)


def session_fields(
    action: Action, index: int, number: int, offset: int, nearly_full: bool, rng: random.Random
) -> dict:
    """The `number`-th session of the `index`-th action; draws from `rng` in a fixed order."""
    starts_at, ends_at = session_times(action, number, offset)
    remote = action.kind in REMOTE_KINDS or (action.kind == K.DISCOVERY_MODULE and number % 2 == 1)
    department = "" if remote else data.DEPARTMENTS[(index * 5 + number * 7) % 12]
    if action.is_member_only:
        deadline = starts_at - dt.timedelta(days=7)
        capacity = rng.choice(data.MEMBER_ONLY_CAPACITIES)
    else:
        deadline = starts_at - dt.timedelta(hours=2)
        capacity = rng.choice(data.REMOTE_CAPACITIES if remote else data.ON_SITE_CAPACITIES)
    if nearly_full and number == 0:
        capacity = data.NEARLY_FULL_CAPACITY
    if remote:
        location = ""
    else:
        city = data.CITIES.get(department, data.DEFAULT_CITY)
        location = f"Salle {rng.randint(1, 8)}, {city}"
    if action.kind == K.TUTORED_SELF_TRAINING:
        remote_url = data.E_PARCOURSPRO_URL
    else:
        remote_url = data.VISIO_URL + action.slug if remote else ""
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "format": Session.Format.REMOTE if remote else Session.Format.ON_SITE,
        "location": location,
        "remote_url": remote_url,
        "department": department,
        "capacity": capacity,
        "registration_deadline": deadline,
    }


# --- requests ---------------------------------------------------------------------------------


def contact_of(user: User) -> dict[str, str]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "job_title": user.job_title,
    }


def request_place(user: User, session: Session, motivation: str) -> list[Registration]:
    """The user's request for `session`, as they would make it: add to the cart, submit it."""
    services.add_to_cart(user, session)
    return services.submit_cart(
        user, contact=contact_of(user), motivations={session.pk: motivation}
    )


def request_once(user: User, session: Session, motivation: str) -> Registration | None:
    """The user's request for `session`, unless they already have one (then None)."""
    if session.registrations.filter(user=user).exists():
        return None
    [registration] = request_place(user, session, motivation)
    return registration


def import_past_registration(
    user: User, session: Session, *, structure: Structure, approver: User
) -> bool:
    """A confirmed registration to a session already held, as an import writes it; True when
    created."""
    registration, created = Registration.objects.get_or_create(
        user=user,
        session=session,
        defaults={
            "structure": structure,
            "status": RegistrationStatus.CONFIRMED,
            "submitted_at": session.starts_at - dt.timedelta(days=30),
            **contact_of(user),
            "motivations": data.PAST_MOTIVATION,
            "employer_approved_at": session.starts_at - dt.timedelta(days=25),
            "employer_approved_by": approver,
            "provider_decided_at": session.starts_at - dt.timedelta(days=20),
        },
    )
    if created:
        RegistrationEvent.objects.create(
            registration=registration,
            to_status=RegistrationStatus.CONFIRMED,
            reason=data.PAST_HISTORY_REASON,
        )
    return created
