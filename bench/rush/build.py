"""The rush's data at a programme year's scale, built in the benchmark's template database.

Called by run.py in a process set up for Django on that database. The catalogue, structures,
memberships and accounts are bulk inserts (no rule applies to creating them); every
registration goes through the services, as the pages would make it: `add_to_cart` then
`submit_cart` for carts of one to three sessions, and `approve` by the structure's approver
for half of the requests that wait for one. The emails they record are marked sent at the
end (the outbox as a worker would leave it), so the run's worker starts with an empty queue.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import traceback
from collections import Counter, defaultdict
from decimal import Decimal

DOMAIN = "rush.parcourspro.test"
PASSWORD = "rush-bench-motdepasse"  # noqa: S105 — the bench's accounts only
SCALE = {
    "professionals": 10_000,
    "job_seekers": 1_000,  # of the professionals
    "structures": 1_500,
    "members": 1_000,  # structures with a membership and an approver
    "actions": 600,
    "sessions": 2_000,
    "held": 0.30,  # share of the places held before the rush
}
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
    "handicap",
    "territoire",
    "réseau",
    "entreprise",
    "projet",
    "bilan",
    "reconversion",
    "apprentissage",
    "décrochage",
    "pédagogie",
    "évaluation",
    "coopération",
    "égalité",
    "santé",
    "mobilité",
    "illettrisme",
    "médiation",
    "posture",
    "outils",
    "méthodes",
]
FIRST_NAMES = [
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Morgan",
    "Lou",
    "Noa",
    "Charlie",
    "Eden",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
]


def professional_email(n: int) -> str:
    return f"pro-{n}@{DOMAIN}"


def approver_email(n: int) -> str:
    return f"approver-{n}@{DOMAIN}"


def in_parallel(jobs: int, items: list, work) -> None:
    """`work(items[n::jobs])` in `jobs` forked processes, each with its own database
    connection; raises when one fails."""
    from django.db import connections

    connections.close_all()
    children = []
    for n in range(jobs):
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                work(items[n::jobs])
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                connections.close_all()
                os._exit(code)
        children.append(pid)
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} of {jobs} build processes failed")


def build(
    scale: dict | None = None, *, seed: int = 26, jobs: int = 2, log=print
) -> dict[str, float]:
    """Fill an empty, migrated database; returns the seconds each step took. The
    registrations are made by `jobs` processes at once."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Action, ActionKind, Provider, Session, Theme, is_member_only
    from common.choices import Department, EmploymentStatus, FieldOfActivity
    from employers.models import Membership, Structure
    from employers.validators import complete_siret
    from enrollment import services
    from enrollment.models import Registration, RegistrationStatus
    from mailing.models import Email

    scale = {**SCALE, **(scale or {})}
    rng = random.Random(seed)
    now = timezone.now()
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        timings[name] = time.perf_counter() - started
        log(f"  {name}: {timings[name]:.1f} s")
        started = time.perf_counter()

    # --- the catalogue ----------------------------------------------------------------------
    themes = Theme.objects.bulk_create(
        [Theme(name=f"Thématique {n} du rush", slug=f"rush-theme-{n}") for n in range(12)]
    )
    providers = Provider.objects.bulk_create(
        [
            Provider(name=f"Prestataire {n} du rush", email=f"provider-{n}@{DOMAIN}")
            for n in range(40)
        ]
    )
    kinds = (
        [ActionKind.TRAINING] * 8
        + [ActionKind.TUTORED_SELF_TRAINING] * 2
        + [ActionKind.PRACTICE_WORKSHOP] * 3
        + [ActionKind.DISCOVERY_MODULE] * 2
        + [ActionKind.WEBINAR, ActionKind.CONFERENCE, ActionKind.ROUND_TABLE]
        + [ActionKind.WEB_WORKSHOP] * 2
    )
    actions = []
    for n in range(scale["actions"]):
        kind = kinds[n % len(kinds)]
        words = rng.sample(WORDS, 12)
        actions.append(
            Action(
                title=" ".join(words[:5]).capitalize() + f" ({n})",
                slug=f"rush-action-{n}",
                kind=kind,
                summary=" ".join(words[3:10]).capitalize() + ".",
                objectives="Savoir " + " ".join(words[6:12]) + ".",
                duration_days=Decimal(rng.choice([1, 2, 3]))
                if kind == ActionKind.TRAINING
                else Decimal("0.5"),
                theme=themes[n % len(themes)],
                provider=providers[n % len(providers)],
            )
        )
    actions = Action.objects.bulk_create(actions)
    departments = [d.value for d in Department]
    sessions = []
    for n in range(scale["sessions"]):
        action = actions[n % len(actions)]
        starts_at = (now + dt.timedelta(days=rng.randint(25, 300))).replace(
            hour=7 + rng.randint(0, 3), minute=0, second=0, microsecond=0
        )
        member_only = is_member_only(action.kind)
        remote = not member_only or rng.random() < 0.2
        sessions.append(
            Session(
                action=action,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=7 if member_only else 2),
                registration_deadline=starts_at - dt.timedelta(days=7),
                format=Session.Format.REMOTE if remote else Session.Format.ON_SITE,
                remote_url="https://visio.example.test/rush" if remote else "",
                location="" if remote else "Cap Métiers, Pessac",
                department="" if remote else departments[n % len(departments)],
                capacity=rng.randint(12, 20) if member_only else rng.randint(20, 40),
            )
        )
    sessions = Session.objects.bulk_create(sessions)
    step("catalogue (600 actions, 2,000 sessions)")

    # --- structures, memberships, accounts ---------------------------------------------------
    structures = Structure.objects.bulk_create(
        [
            Structure(
                name=f"Structure {n} du rush",
                siret=complete_siret(f"8{n:08d}"),
                department=departments[n % len(departments)],
                kind=Structure.Kind.ASSOCIATION,
            )
            for n in range(scale["structures"])
        ]
    )
    members = structures[: scale["members"]]
    years = sorted({timezone.localtime(s.starts_at).year for s in sessions})
    Membership.objects.bulk_create(
        [
            Membership(structure=s, year=year, formula="base", amount=Decimal("100.00"))
            for s in members
            for year in years
        ]
    )
    password = make_password(PASSWORD)  # one hash for all: hashing 11,000 would take minutes
    fields = list(FieldOfActivity.values)

    def person(email: str, n: int, **extra) -> User:
        return User(
            email=email,
            password=password,
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]} {n}",
            phone="05 56 00 00 00",
            job_title="Conseiller·e",
            field_of_activity=fields[n % len(fields)],
            department=departments[n % len(departments)],
            **extra,
        )

    approvers = User.objects.bulk_create(
        [
            person(
                approver_email(n),
                n,
                employment_status=EmploymentStatus.EMPLOYEE,
                structure=s,
            )
            for n, s in enumerate(members)
        ]
    )
    Structure.approvers.through.objects.bulk_create(
        [
            Structure.approvers.through(structure_id=s.pk, user_id=a.pk)
            for s, a in zip(members, approvers, strict=True)
        ]
    )
    n_employees = scale["professionals"] - scale["job_seekers"]
    # Seven in ten employees work for a member structure.
    member_share = int(n_employees * 0.7)
    professionals = []
    for n in range(scale["professionals"]):
        if n < n_employees:
            pool = members if n < member_share else structures[scale["members"] :]
            structure = pool[n % len(pool)]
            professionals.append(
                person(
                    professional_email(n),
                    n,
                    employment_status=EmploymentStatus.EMPLOYEE,
                    structure=structure,
                )
            )
        else:
            professionals.append(
                person(professional_email(n), n, employment_status=EmploymentStatus.JOB_SEEKER)
            )
    professionals = User.objects.bulk_create(professionals, batch_size=2000)
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in [*approvers, *professionals]
        ],
        batch_size=2000,
    )
    step("structures, memberships, 11,000 accounts")

    # --- 30 % of the places held, through the services ----------------------------------------
    member_ids = {s.pk for s in members}
    eligible_member = [u for u in professionals if u.structure_id in member_ids]
    everyone = professionals
    counted = Counter()  # (user, year, "member" | "training") → requests
    per_structure = Counter()  # (session, structure) → requests
    wanted = defaultdict(list)  # user → sessions
    taken = set()
    for session in sessions:
        action = session.action
        member_only = is_member_only(action.kind)
        year = timezone.localtime(session.starts_at).year
        pool = eligible_member if member_only else everyone
        need = round(session.capacity * scale["held"])
        tries = 0
        while need and tries < 200:
            tries += 1
            user = rng.choice(pool)
            if (user.pk, session.pk) in taken or len(wanted[user]) >= 6:
                continue
            if member_only:
                if counted[user.pk, year, "member"] >= 2:
                    continue  # room left in the quota for the rush (R6: 4 a year)
                if action.kind == ActionKind.TRAINING and counted[user.pk, year, "training"] >= 1:
                    continue
                if per_structure[session.pk, user.structure_id] >= 2:
                    continue  # R5: the third colleague would wait
                counted[user.pk, year, "member"] += 1
                counted[user.pk, year, "training"] += action.kind == ActionKind.TRAINING
                per_structure[session.pk, user.structure_id] += 1
            taken.add((user.pk, session.pk))
            wanted[user].append(session)
            need -= 1

    def validate(people) -> None:
        # One person's carts one after another, in one process: their cart is one row.
        for user, chosen in people:
            for start in range(0, len(chosen), 3):
                validate_cart(user, chosen[start : start + 3])

    def validate_cart(user, cart) -> None:
        for session in cart:
            services.add_to_cart(user, session)
        services.submit_cart(
            user,
            contact={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "phone": user.phone,
                "job_title": user.job_title,
            },
            motivations={s.pk: "Approfondir ma pratique auprès du public." for s in cart},
        )

    in_parallel(jobs, list(wanted.items()), validate)
    carts = sum((len(chosen) + 2) // 3 for chosen in wanted.values())
    step(f"{len(taken):,} requests in {carts:,} validated carts (services, {jobs} processes)")

    approver_of = {s.pk: a for s, a in zip(members, approvers, strict=True)}
    waiting = list(
        Registration.objects.filter(status=RegistrationStatus.PENDING_EMPLOYER).order_by("pk")
    )[::2]

    def accept(registrations) -> None:
        for registration in registrations:
            services.approve(registration, by=approver_of[registration.structure_id])

    in_parallel(jobs, waiting, accept)
    decided = len(waiting)
    step(f"{decided:,} requests accepted by their approver (services)")

    Email.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    step("outbox marked sent, VACUUM ANALYZE")
    return timings


def export(path, *, seed: int = 26) -> dict:
    """What the rush's people need, written as JSON to `path`: the professionals in a
    shuffled order (email, whether their structure is a member), the open sessions (id, the
    action's slug) — all, and those of short formats, open to everyone — the approvers with
    the most requests waiting for them first, the sessions' years, catalogue searches."""
    import json

    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import MEMBER_ONLY_KINDS, Session
    from common.choices import EmploymentStatus

    rng = random.Random(seed)
    professionals = [
        [email, member]
        for email, member in User.objects.filter(email__startswith="pro-", email__endswith=DOMAIN)
        .annotate(member=Count("structure__approvers"))
        .values_list("email", "member")
    ]
    job_seekers = set(
        User.objects.filter(
            email__endswith=DOMAIN, employment_status=EmploymentStatus.JOB_SEEKER
        ).values_list("email", flat=True)
    )
    professionals = [[e, bool(m) and e not in job_seekers] for e, m in professionals]
    rng.shuffle(professionals)
    sessions = list(
        Session.objects.open_for_registration()
        .order_by("pk")
        .values_list("pk", "action__slug", "action__kind", "starts_at")
    )
    approvers = list(
        User.objects.filter(email__startswith="approver-", email__endswith=DOMAIN)
        .annotate(
            waiting=Count(
                "approved_structures__registrations",
                filter=Q(approved_structures__registrations__status="pending_employer"),
            )
        )
        .order_by("-waiting", "pk")
        .values_list("email", flat=True)[:200]
    )
    data = {
        "password": PASSWORD,
        "professionals": professionals,
        "sessions": [[pk, slug] for pk, slug, _, _ in sessions],
        "open_sessions": [
            [pk, slug] for pk, slug, kind, _ in sessions if kind not in MEMBER_ONLY_KINDS
        ],
        "approvers": approvers,
        "years": sorted({timezone.localtime(s).year for _, _, _, s in sessions}),
        "searches": [
            "q=orientation",
            "q=accompagnement+jeunes",
            "format=remote",
            "kind=training&department=33",
            "q=numérique&format=on_site",
            "places=on",
            "tri=date&kind=webinar",
            "q=insertion&page=2",
        ],
    }
    path.write_text(json.dumps(data))
    return data
