"""The small world of the model-based test, built the same way for every example.

Four structures: the Mission locale des Graves (member this year and next; Aline, its only
approver, Amandine and Antoine), the Association Tremplin Béarn (member this year, next year as
drawn; Benoît, approved by Béatrice), the Entreprise d'insertion de l'Estuaire (not a member;
Clément, approved by Charles) and Inès Bernard Conseil, the one-person structure of Inès, an
independent who approves herself; Jeanne, a job seeker; Paul, the provider's user; Sophie, staff.
Sessions: 3–4 member-only ones and a webinar (S1…), and three later trainings (F1–F3) that some
people already hold, so that their annual quota is partly used.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from hypothesis import strategies as st

from catalog.models import Session
from common.choices import EmploymentStatus
from employers.models import Membership, Structure
from employers.validators import complete_siret
from enrollment import services
from enrollment.rules import RuleViolation
from tests.factories import (
    ActionFactory,
    ProviderFactory,
    SessionFactory,
    StructureFactory,
    ThemeFactory,
    UserFactory,
    contact_of,
)

from .oracle import PARIS

SCENARIOS = {
    # Summer time starts on 31 March 2030: cap releases and late instants straddle it.
    "printemps": dt.datetime(2030, 3, 12, 10, 0, tzinfo=PARIS),
    # Summer time ends on 27 October 2030.
    "automne": dt.datetime(2030, 10, 7, 10, 0, tzinfo=PARIS),
    # Sessions in December 2030 and January 2031: two quota years, two membership years.
    "hiver": dt.datetime(2030, 12, 4, 10, 0, tzinfo=PARIS),
}
MEMBER_ONLY_CHOICES = ("training", "tutored_self_training", "practice_workshop")
TITLES = {
    "training": "Conduire un entretien d'explicitation",
    "tutored_self_training": "Autoformation tutorée : le numérique en insertion",
    "practice_workshop": "Atelier de co-développement entre conseillers",
    "webinar": "Webinaire : l'actualité de la VAE",
}
# key: name, kind, SIRET prefix
STRUCTURES = {
    "graves": ("Mission locale des Graves", Structure.Kind.LOCAL_MISSION, "3311122200001"),
    "tremplin": ("Association Tremplin Béarn", Structure.Kind.ASSOCIATION, "6422233300001"),
    "estuaire": (
        "Entreprise d'insertion de l'Estuaire",
        Structure.Kind.INTEGRATION,
        "3333344400001",
    ),
    "ines": ("Inès Bernard Conseil", Structure.Kind.INDEPENDENT, "8644455500001"),
}
# The professionals who submit carts. key: first name, last name, structure, status
PEOPLE = {
    "aline": ("Aline", "Dubreuil", "graves", EmploymentStatus.EMPLOYEE),
    "amandine": ("Amandine", "Roux", "graves", EmploymentStatus.EMPLOYEE),
    "antoine": ("Antoine", "Lefèvre", "graves", EmploymentStatus.EMPLOYEE),
    "benoit": ("Benoît", "Garcia", "tremplin", EmploymentStatus.EMPLOYEE),
    "clement": ("Clément", "Fabre", "estuaire", EmploymentStatus.EMPLOYEE),
    "jeanne": ("Jeanne", "Petit", None, EmploymentStatus.JOB_SEEKER),
    "ines": ("Inès", "Bernard", "ines", EmploymentStatus.INDEPENDENT),
}
PARTICIPANTS = tuple(PEOPLE)
DELETABLE = ("amandine", "antoine", "benoit", "clement", "jeanne")  # no approver
# The later trainings (F1–F3) each of these people may already hold: never 3 colleagues of
# the Mission locale des Graves in one of them (the cap would waitlist the third).
TRAININGS_HELD = {
    "aline": (1, 2),
    "amandine": (3, 1),
    "antoine": (2, 3),
    "benoit": (1, 2),
    "ines": (1, 2),
}
FLUSHED_APPS = {"accounts", "employers", "catalog", "enrollment", "mailing"}


@dataclass(frozen=True)
class SessionPlan:
    kind: str
    capacity: int
    days_ahead: int
    hour: int
    deadline_days: int


@dataclass(frozen=True)
class WorldPlan:
    scenario: str
    sessions: tuple[SessionPlan, ...]
    webinar: SessionPlan
    trainings_held: tuple[int, ...]  # per person of TRAININGS_HELD: how many of theirs, 0–2
    tremplin_member_next_year: bool


def session_plans(kinds):
    # sampled_from draws evenly (integers() favour their bounds) and shrinks to its first value:
    # a session whose cap is not released yet, and a place for two colleagues and a third.
    return st.builds(
        SessionPlan,
        kind=kinds,
        capacity=st.sampled_from([3, 2, 1]),
        days_ahead=st.sampled_from([30, 20, 25, 17, 35, 40, 12, 14]),
        hour=st.sampled_from([9, 14]),
        deadline_days=st.sampled_from([3, 2, 4, 5]),
    )


world_plans = st.builds(
    WorldPlan,
    scenario=st.sampled_from(list(SCENARIOS)),
    sessions=st.lists(
        session_plans(st.sampled_from(MEMBER_ONLY_CHOICES)), min_size=3, max_size=4
    ).map(tuple),
    webinar=session_plans(st.just("webinar")),
    trainings_held=st.tuples(*(st.sampled_from([0, 2, 1]) for _ in TRAININGS_HELD)),
    tremplin_member_next_year=st.booleans(),
)


@dataclass
class World:
    base: dt.datetime
    structures: dict[str, Structure]
    people: dict[str, object]
    approvers: dict[int, object]  # structure id -> the approver who decides for it
    staff: object
    provider_user: object
    pool: list[Session]  # S1…: the sessions the steps use
    held: list[Session]  # F1–F3: trainings some people already hold
    labels: dict[int, str]
    names: dict[int, str]
    structure_names: dict[int, str]


def _user(first, last, structure, **extra):
    domain = "parcourspro.test" if structure is None else f"s{structure.pk}.test"
    email = f"{first}.{last}@{domain}".lower()
    for accented, plain in (("é", "e"), ("è", "e"), ("î", "i")):
        email = email.replace(accented, plain)
    extra.setdefault("employment_status", EmploymentStatus.EMPLOYEE)
    return UserFactory(email=email, first_name=first, last_name=last, structure=structure, **extra)


def _session(label, plan: SessionPlan, *, base, theme, provider, index) -> Session:
    day = base.date() + dt.timedelta(days=plan.days_ahead)
    starts_at = dt.datetime(day.year, day.month, day.day, plan.hour, 0, tzinfo=PARIS)
    action = ActionFactory(
        kind=plan.kind,
        title=f"{TITLES[plan.kind]} ({label})",
        slug=f"{plan.kind.replace('_', '-')}-{index}",
        duration_days=Decimal("2" if plan.kind == "training" else "1"),
        theme=theme,
        provider=provider,
    )
    return SessionFactory(
        action=action,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=7),
        # Wall-clock arithmetic (ZoneInfo): the deadline is at the start's Paris time.
        registration_deadline=starts_at - dt.timedelta(days=plan.deadline_days),
        capacity=plan.capacity,
    )


def _hold(world: World, user, session) -> None:
    """A training the person already holds, through the services (cart, employer, provider)."""
    try:
        services.add_to_cart(user, session)
        [registration] = services.submit_cart(
            user, contact=contact_of(user), motivations={session.pk: "Me perfectionner."}
        )
    except RuleViolation:  # e.g. Tremplin not a member next year
        services.remove_from_cart(user, session)
        return
    if registration.status == "pending_employer":
        registration = services.approve(registration, by=world.approvers[registration.structure_id])
    assert registration.status == "pending_provider", registration.status
    services.confirm(registration, by=world.provider_user)


def build_world(plan: WorldPlan) -> World:
    """Create the world of `plan`; the clock must already stand at SCENARIOS[plan.scenario]."""
    base = SCENARIOS[plan.scenario]
    year = base.year
    structures = {
        key: StructureFactory(name=name, kind=kind, siret=complete_siret(prefix))
        for key, (name, kind, prefix) in STRUCTURES.items()
    }
    member_years = {
        "graves": (year, year + 1),
        "tremplin": (year, year + 1) if plan.tremplin_member_next_year else (year,),
        "estuaire": (),
        "ines": (year, year + 1),
    }
    for key, years in member_years.items():
        for member_year in years:
            Membership.objects.create(
                structure=structures[key], year=member_year, formula="base", paid_on=base.date()
            )
    people = {
        key: _user(first, last, structures.get(where), employment_status=status)
        for key, (first, last, where, status) in PEOPLE.items()
    }
    approvers = {
        structures["graves"].pk: people["aline"],
        structures["tremplin"].pk: _user("Béatrice", "Lacoste", structures["tremplin"]),
        structures["estuaire"].pk: _user("Charles", "Moreau", structures["estuaire"]),
        structures["ines"].pk: people["ines"],
    }
    for structure in structures.values():
        structure.approvers.add(approvers[structure.pk])
    staff = _user("Sophie", "Laurent", None, is_staff=True, employment_status="")
    provider_user = _user("Paul", "Mercier", None, employment_status="")
    theme = ThemeFactory(name="Accompagnement des publics", slug="accompagnement")
    provider = ProviderFactory(name="Cap Formation Aquitaine", email="contact@capformation.test")
    provider.users.add(provider_user)

    labels = {}

    def session(label, session_plan, index):
        created = _session(
            label, session_plan, base=base, theme=theme, provider=provider, index=index
        )
        labels[created.pk] = f"{label} ({session_plan.kind})"
        return created

    pool = [
        session(f"S{index}", session_plan, index)
        for index, session_plan in enumerate((*plan.sessions, plan.webinar), start=1)
    ]
    held = [
        session(f"F{n}", SessionPlan("training", 20, 48 + 3 * n, 9, 3), 10 + n) for n in (1, 2, 3)
    ]
    world = World(
        base=base,
        structures=structures,
        people=people,
        approvers=approvers,
        staff=staff,
        provider_user=provider_user,
        pool=pool,
        held=held,
        labels=labels,
        names={
            **{user.pk: user.first_name for user in people.values()},
            **{user.pk: user.first_name for user in approvers.values()},
            staff.pk: staff.first_name,
            provider_user.pk: provider_user.first_name,
        },
        structure_names={s.pk: s.name for s in structures.values()},
    )
    for key, count in zip(TRAININGS_HELD, plan.trainings_held, strict=True):
        for n in TRAININGS_HELD[key][:count]:
            _hold(world, people[key], held[n - 1])
    return world


@functools.cache
def _flushed_tables() -> tuple[str, ...]:
    """The tables of the apps the world lives in, and of every model pointing at them."""
    models = set(apps.get_models(include_auto_created=True))
    chosen = {m for m in models if m._meta.app_label in FLUSHED_APPS}
    grown = True
    while grown:
        pointing = {
            m
            for m in models - chosen
            if any(
                f.related_model in chosen
                for f in m._meta.get_fields()
                if f.is_relation and getattr(f, "concrete", False)
            )
        }
        chosen |= pointing
        grown = bool(pointing)
    return tuple(sorted(connection.ops.quote_name(m._meta.db_table) for m in chosen))


def flush_tables() -> None:
    """Each example starts from empty tables. DELETE in one transaction (foreign keys are
    checked at commit) is much faster than TRUNCATE on tables this small."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _flushed_tables():
            cursor.execute(f"DELETE FROM {table}")


def run_in_parallel(jobs: dict[str, Callable]) -> tuple[dict, dict]:
    """Start every job at the same instant, each on its own thread and connection."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results, errors = {}, {}

    def run(key, job):
        try:
            barrier.wait()
            results[key] = job()
        except Exception as error:  # noqa: BLE001 — sorted out by the caller
            errors[key] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stuck = [key for key, thread in zip(jobs, threads, strict=True) if thread.is_alive()]
    assert not stuck, f"Invariant 7 (no hang): {stuck} still running after 120 s"
    return results, errors
