"""`python manage.py seed_demo`: a realistic demo, as DESIGN.md describes it.

Idempotent: every row is found by a natural key (email, SIRET, slug, name, FAQ order) before
being created, an action's sessions are created only while it has none, and the "nearly full"
sessions are topped up only to their target. Dates are relative to today so the demo stays
fresh. Demo accounts share the password `parcourspro-demo` and have verified emails.

The data is in `demo.data` and `demo.faq`, the building blocks in `demo.builders`; the steps
below run in the order that fixes the rows' ids.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog.models import Action, FaqEntry, Provider, Session, Theme
from demo import builders, data
from demo.faq import FAQ
from documents import services as documents
from employers.models import Structure
from enrollment import services
from enrollment.attendance import half_days
from enrollment.models import RegistrationStatus


class Command(BaseCommand):
    help = "Remplit la base avec une démonstration réaliste (idempotent)."

    def handle(self, *args, **options):
        now = timezone.now()
        year = timezone.localdate().year
        with transaction.atomic():
            structures = seed_structures(year)
            seed_accounts(structures, year)
            themes = seed_themes()
            providers = seed_providers()
            actions = seed_actions(themes, providers)
            seed_faq()
            builders.e_parcourspro_client()
        # Requests go through the services, one transaction each.
        filled = fill_nearly_full_sessions(actions, now)
        filled += seed_requests_in_progress(structures, providers, now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Démo prête : {Action.objects.count()} actions, {Session.objects.count()} "
                f"sessions, {Structure.objects.count()} structures, {filled} inscriptions "
                f"ajoutées. Mot de passe des comptes : {data.DEMO_PASSWORD}"
            )
        )
        self.stdout.write(
            f"e-ParcoursPro (OpenID Connect) : client « {settings.E_PARCOURSPRO_CLIENT_ID} », "
            f"secret « {data.DEMO_CLIENT_SECRET} », retour {data.DEMO_MOODLE_CALLBACK}"
        )


# --- accounts and structures -----------------------------------------------------------------


def seed_structures(year: int) -> list[Structure]:
    structures = []
    for index, (name, kind, department, city, postal_code, member) in enumerate(data.STRUCTURES):
        structure, _ = Structure.objects.get_or_create(
            siret=builders.siret_for(index + 1),
            defaults={
                "name": name,
                "kind": kind,
                "department": department,
                "city": city,
                "postal_code": postal_code,
                "address": f"{index + 3} rue de la République",
            },
        )
        if member:
            builders.membership(structure, index, year)
        structures.append(structure)
    return structures


def seed_accounts(structures: list[Structure], year: int) -> None:
    """The accounts of DESIGN.md, but the provider's user (see `seed_providers`)."""
    member, non_member = structures[data.MEMBER], structures[data.NON_MEMBER]
    builders.demo_user(*data.ADMIN)
    employer = builders.demo_user(*data.EMPLOYER, structure=member)
    member.approvers.add(employer)
    for email, profile in data.EMPLOYEES:
        builders.demo_user(email, profile, structure=member)
    solo, _ = Structure.objects.get_or_create(
        siret=builders.siret_for(data.SOLO_STRUCTURE_NUMBER), defaults=data.SOLO_STRUCTURE
    )
    builders.membership(solo, 0, year)
    independent = builders.demo_user(*data.INDEPENDENT, structure=solo)
    solo.approvers.add(independent)
    builders.demo_user(*data.JOB_SEEKER)
    builders.demo_user(*data.OUTSIDER, structure=non_member)


# --- catalogue --------------------------------------------------------------------------------


def seed_themes() -> list[Theme]:
    return [
        Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
        for name in data.THEMES
    ]


def seed_providers() -> list[Provider]:
    providers = [
        Provider.objects.get_or_create(
            name=name, defaults={"email": email, "phone": data.PROVIDER_PHONE}
        )[0]
        for name, email in data.PROVIDERS
    ]
    for index, (provider, (_name, email)) in enumerate(zip(providers, data.PROVIDERS, strict=True)):
        builders.fill_blanks(provider, builders.provider_identity(index, email))
    providers[data.DEMO_PROVIDER].users.add(builders.demo_user(*data.PROVIDER_USER))
    return providers


def seed_actions(themes: list[Theme], providers: list[Provider]) -> list[tuple[Action, bool]]:
    """The actions with their sessions, each with whether it is to be nearly full."""
    actions = []
    for index, (title, kind, theme, provider, days, nearly_full) in enumerate(data.ACTIONS):
        action, _ = Action.objects.get_or_create(
            slug=slugify(title)[:220],
            defaults=builders.action_defaults(
                index, title, kind, days, theme=themes[theme], provider=providers[provider]
            ),
        )
        if not action.sessions.exists():
            builders.create_sessions(action, index, nearly_full)
        actions.append((action, nearly_full))
    return actions


def seed_faq() -> None:
    for order, (category, question, answer) in enumerate(FAQ, start=1):
        FaqEntry.objects.get_or_create(
            order=order * 10,
            category=category,
            defaults={"question": question, "answer": answer},
        )


# --- registrations ----------------------------------------------------------------------------


def fill_nearly_full_sessions(actions: list[tuple[Action, bool]], now: dt.datetime) -> int:
    """Short-format sessions of small capacity filled up to one place left (the first
    one full, with a waitlisted request), through the enrollment services."""
    pros = [builders.demo_user(email, profile) for email, profile in data.PROS]
    created = 0
    nearly_full_actions = [action for action, nearly_full in actions if nearly_full]
    for position, action in enumerate(nearly_full_actions):
        session = (
            action.sessions.filter(starts_at__gt=now, registration_deadline__gt=now)
            .order_by("starts_at")
            .first()
        )
        if session is None:
            continue
        target = session.capacity + 1 if position == 0 else session.capacity - 1
        registered = set(session.registrations.values_list("user_id", flat=True))
        for pro in pros:
            if len(registered) >= target:
                break
            if pro.pk in registered:
                continue
            builders.request_place(pro, session, data.SHORT_FORMAT_MOTIVATION)
            registered.add(pro.pk)
            created += 1
    return created


def seed_requests_in_progress(
    structures: list[Structure], providers: list[Provider], now: dt.datetime
) -> int:
    """Requests at each step, so that every space has something to show: two awaiting the
    demo provider (approved by their employer), one awaiting employeur@, and a past
    session of the demo provider with its participants (attendance to take)."""
    provider = providers[data.DEMO_PROVIDER]
    member, other_member = structures[data.MEMBER], structures[data.OTHER_MEMBER]
    at_other_member = {"department": other_member.department, "structure": other_member}
    approver = builders.demo_user(*data.OTHER_APPROVER, **at_other_member)
    other_member.approvers.add(approver)
    agents = [
        builders.demo_user(email, profile, **at_other_member) for email, profile in data.AGENTS
    ]
    colleague = builders.demo_user(*data.COLLEAGUE, department=member.department, structure=member)
    created = request_open_sessions(provider, agents, approver, colleague, now)
    return created + import_past_session(provider, agents, other_member, approver, now)


def request_open_sessions(
    provider: Provider, agents: list[User], approver: User, colleague: User, now: dt.datetime
) -> int:
    """The agents' requests for the provider's first open session, approved by their employer;
    the colleague's for the second, awaiting employeur@."""
    open_sessions = list(
        Session.objects.open_for_registration(now)
        .filter(action__provider=provider, action__kind__in=data.REQUESTED_KINDS)
        .filter(capacity__gte=4)
        .order_by("starts_at")[:2]
    )
    created = 0
    if open_sessions:
        for agent in agents:
            registration = builders.request_once(agent, open_sessions[0], data.REQUEST_MOTIVATION)
            if registration is not None:
                services.approve(registration, by=approver)
                created += 1
    if len(open_sessions) > 1:
        request = builders.request_once(colleague, open_sessions[1], data.REQUEST_MOTIVATION)
        created += request is not None
    return created


def import_past_session(
    provider: Provider, agents: list[User], structure: Structure, approver: User, now: dt.datetime
) -> int:
    """The provider's last session already held, with the agents confirmed in it."""
    past = (
        Session.objects.filter(action__provider=provider, ends_at__lt=now)
        .order_by("-starts_at")
        .first()
    )
    if past is None:
        return 0
    created = sum(
        builders.import_past_registration(agent, past, structure=structure, approver=approver)
        for agent in agents
    )
    seed_documents(past, agents, structure)
    return created


def seed_documents(past: Session, agents: list[User], structure: Structure) -> None:
    """The past session's convention for the agents' structure (awaiting its approver's
    acceptance), and the first agent's attendance (every half-day) with the certificate of
    completion; the other agents' attendance is left for the provider to take."""
    if not settings.DOCUMENTS_ENABLED:
        return
    documents.refresh_convention(past.pk, structure.pk)
    first = past.registrations.filter(user=agents[0]).first() if agents else None
    provider_user = past.action.provider.users.first()
    if first is None or provider_user is None:
        return
    if first.status == RegistrationStatus.CONFIRMED:
        every = {(half_day.day, half_day.half) for half_day in half_days(past)}
        services.record_half_days(first, by=provider_user, present=every)
    documents.refresh_certificate(first.pk)
