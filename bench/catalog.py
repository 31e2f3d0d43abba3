"""Benchmark of the catalogue's pages on a large catalogue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench .venv/bin/python bench/catalog.py

Uses the configured database (DATABASE_URL), migrates it, fills it once with 2,000 actions,
6,000 sessions and 12,000 registrations (bulk_create), then prints, for the catalogue's first
page, a filtered search and an action page, the median time over N runs (django.test.Client)
and the number of SQL queries. Run it on a throwaway database: `--reset` deletes the
catalogue, registrations and bench users first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcourspro.settings")
warnings.filterwarnings("ignore")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import Action, ActionKind, Provider, Session, Theme  # noqa: E402
from common.choices import Department  # noqa: E402
from employers.models import Membership, Structure  # noqa: E402
from enrollment.models import Cart, CartItem, Registration  # noqa: E402

BENCH_EMAIL = "bench-{n}@bench.parcourspro.test"
WORDS = [
    "accompagnement",
    "orientation",
    "insertion",
    "emploi",
    "formation",
    "entretien",
    "jeunes",
    "adultes",
    "numérique",
    "compétences",
    "VAE",
    "handicap",
    "territoire",
    "réseau",
    "entreprise",
    "projet",
    "professionnel",
    "bilan",
    "reconversion",
    "apprentissage",
    "décrochage",
    "pédagogie",
    "évaluation",
    "coopération",
    "égalité",
    "discrimination",
    "santé",
    "mobilité",
    "illettrisme",
    "médiation",
    "posture",
    "outils",
    "méthodes",
]
STATUSES = ["confirmed"] * 5 + ["pending_employer", "pending_provider", "waitlisted", "refused"]


def fill(n_actions: int, sessions_per_action: int, registrations_per_session: int) -> None:
    rng = random.Random(42)
    now = timezone.now()
    themes = Theme.objects.bulk_create(
        [Theme(name=f"Thématique bench {n}", slug=f"bench-theme-{n}") for n in range(12)]
    )
    providers = Provider.objects.bulk_create(
        [Provider(name=f"Prestataire bench {n}") for n in range(20)]
    )
    kinds = list(ActionKind)
    actions = []
    for n in range(n_actions):
        kind = kinds[n % len(kinds)]
        words = rng.sample(WORDS, 12)
        actions.append(
            Action(
                title=" ".join(words[:5]).capitalize() + f" {n}",
                slug=f"bench-action-{n}",
                kind=kind,
                summary=" ".join(words[3:10]) + ".",
                objectives="Savoir " + " ".join(words[6:12]) + ".",
                duration_days=Decimal("2") if kind == ActionKind.TRAINING else Decimal("0.5"),
                theme=themes[n % len(themes)],
                provider=providers[n % len(providers)],
                is_published=n % 50 != 0,
            )
        )
    actions = Action.objects.bulk_create(actions, batch_size=1000)
    departments = [d.value for d in Department]
    sessions = []
    for action in actions:
        for k in range(sessions_per_action):
            start = now + dt.timedelta(days=rng.randint(-30, 270), hours=rng.randint(0, 8))
            remote = rng.random() < 0.3
            sessions.append(
                Session(
                    action=action,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=7),
                    registration_deadline=start - dt.timedelta(days=7),
                    format=Session.Format.REMOTE if remote else Session.Format.ON_SITE,
                    department="" if remote else departments[(action.pk + k) % 12],
                    location="" if remote else "Salle 1",
                    capacity=rng.choice([4, 8, 12, 20]),
                )
            )
    sessions = Session.objects.bulk_create(sessions, batch_size=2000)
    structures = Structure.objects.bulk_create(
        [
            Structure(name=f"Structure bench {n}", siret=f"{n:014d}", department="33")
            for n in range(1, 50)
            if _luhn(f"{n:014d}")
        ]
        + [Structure(name="Structure bench Luhn", siret="73282932000074", department="33")]
    )
    Membership.objects.bulk_create(
        [Membership(structure=s, year=now.year, formula="base", amount=100) for s in structures]
    )
    users = User.objects.bulk_create(
        [
            User(
                email=BENCH_EMAIL.format(n=n),
                password="!",
                employment_status="employee",
                structure=structures[n % len(structures)],
            )
            for n in range(max(registrations_per_session * 4, 40))
        ]
    )
    registrations = []
    for session in sessions:
        for user in rng.sample(users, registrations_per_session):
            status = rng.choice(STATUSES)
            registrations.append(
                Registration(
                    user=user,
                    session=session,
                    status=status,
                    waitlist_reason="full" if status == "waitlisted" else "",
                    submitted_at=now,
                    first_name="Bench",
                    last_name="User",
                    email=user.email,
                    phone="0556000000",
                    job_title="Conseiller",
                    motivations="Bench.",
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map


def _luhn(digits: str) -> bool:
    from employers.validators import luhn_is_valid

    return luhn_is_valid(digits)


def reset() -> None:
    CartItem.objects.all().delete()
    Cart.objects.all().delete()
    Registration.objects.all().delete()
    Session.objects.all().delete()
    Action.objects.all().delete()
    Theme.objects.all().delete()
    Provider.objects.all().delete()
    User.objects.filter(email__endswith="@bench.parcourspro.test").delete()
    Membership.objects.filter(structure__name__startswith="Structure bench").delete()
    Structure.objects.filter(name__startswith="Structure bench").delete()


def measure(client: Client, url: str, runs: int) -> tuple[float, int, int]:
    client.get(url)  # warm-up (connection, template cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(times) * 1000, len(queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="delete the catalogue first")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--sessions-per-action", type=int, default=3)
    parser.add_argument("--registrations-per-session", type=int, default=2)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.reset:
        reset()
    existing = Action.objects.count()
    if existing and not Action.objects.filter(slug="bench-action-0").exists():
        sys.exit(
            "This database already holds a catalogue: use a throwaway database or --reset "
            "(which deletes the catalogue and every registration)."
        )
    if not existing:
        started = time.perf_counter()
        fill(args.actions, args.sessions_per_action, args.registrations_per_session)
        print(f"filled in {time.perf_counter() - started:.1f} s")

    member = User.objects.filter(email__endswith="@bench.parcourspro.test").first()
    action = (
        Action.objects.published()
        .filter(sessions__starts_at__gt=timezone.now())
        .order_by("pk")
        .first()
    )
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(member)
    pages = [
        ("catalogue, page 1", anonymous, "/catalogue/"),
        ("catalogue, page 10", anonymous, "/catalogue/?page=10"),
        (
            "search q + filters",
            anonymous,
            "/catalogue/?q=accompagnement+jeunes&audience=members&format=on_site"
            "&department=33&places=on",
        ),
        ("search q only", anonymous, "/catalogue/?q=orientation"),
        ("action page (anonymous)", anonymous, action.get_absolute_url()),
        ("action page (logged in)", logged_in, action.get_absolute_url()),
        ("home", anonymous, "/"),
    ]
    print(
        f"{connection.vendor}: {Action.objects.count()} actions, {Session.objects.count()} "
        f"sessions, {Registration.objects.count()} registrations; median of {args.runs} runs"
    )
    print(f"{'page':<26} {'median ms':>10} {'queries':>8} {'status':>7}")
    for label, client, url in pages:
        median, queries, status = measure(client, url, args.runs)
        print(f"{label:<26} {median:>10.1f} {queries:>8} {status:>7}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT id FROM catalog_action WHERE to_tsvector('fr_unaccent'::regconfig, "
                "COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' || "
                "COALESCE(objectives, '')) @@ websearch_to_tsquery('fr_unaccent'::regconfig, "
                "'orientation')"
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        used = "catalog_action_search_fr" in plan
        print(f"GIN index catalog_action_search_fr used by the search: {'yes' if used else 'no'}")


if __name__ == "__main__":
    main()
