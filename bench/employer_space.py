"""The Employer Space (/espace-employeur/) of an approver with many pending requests.

    .venv/bin/python bench/employer_space.py                    # 10, 100, then 500 requests
    .venv/bin/python bench/employer_space.py --steps 500,1000 --runs 30

On PostgreSQL database `pp_bench` (created, migrated and filled with bench/catalog.py's filler
when needed), builds one member structure with its approver and 125 employees, a history of
150 decided requests (one event each, by the approver), then bulk-creates pending requests
(`pending_employer`, 2 per session as the structure cap allows, spread over the employees)
in steps; at each step prints the median response time of N GETs (django.test.Client, logged
in as the approver), the number of SQL queries (CaptureQueriesContext) and the page's size.
The queries must not grow with the data; the time may, with the HTML to render.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import ensure_catalogue, setup_django  # noqa: E402

DOMAIN = "employer.bench-space.test"
STRUCTURE_NAME = "Structure bench Espace employeur"
EMPLOYEES = 125
HISTORY = 150


def clean() -> None:
    from accounts.models import User
    from employers.models import Structure
    from enrollment.models import Registration

    users = User.objects.filter(email__endswith=f"@{DOMAIN}")
    Registration.objects.filter(user__in=users).delete()
    Registration.objects.filter(structure__name=STRUCTURE_NAME).delete()
    users.delete()
    Structure.objects.filter(name=STRUCTURE_NAME).delete()


def build_people():
    from django.utils import timezone

    from accounts.models import User
    from employers.models import Membership, Structure

    structure = Structure.objects.create(
        name=STRUCTURE_NAME, siret="99999999999999", department="33"
    )
    year = timezone.localdate().year
    Membership.objects.bulk_create(
        [
            Membership(structure=structure, year=y, formula="base", amount=100)
            for y in (year, year + 1)
        ]
    )
    approver = User.objects.create(
        email=f"approver@{DOMAIN}",
        password="!",
        first_name="Dominique",
        last_name="Valideur",
        employment_status="employee",
        structure=structure,
    )
    structure.approvers.add(approver)
    employees = User.objects.bulk_create(
        [
            User(
                email=f"employee-{n}@{DOMAIN}",
                password="!",
                first_name="Salarié",
                last_name=f"Numéro {n:03d}",
                employment_status="employee",
                structure=structure,
                phone="0556000000",
                job_title="Conseiller",
            )
            for n in range(EMPLOYEES)
        ]
    )
    return structure, approver, employees


def registration(user, session, structure, status, submitted_at, **extra):
    from enrollment.models import Registration

    return Registration(
        user=user,
        session=session,
        structure=structure,
        status=status,
        submission=uuid.uuid4(),
        submitted_at=submitted_at,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone=user.phone,
        job_title=user.job_title,
        motivations="Je souhaite approfondir ma pratique d'accompagnement. " * 3,
        **extra,
    )


def slots(sessions, employees):
    """(employee, session) pairs: 2 employees per session (the cap), employees in turn."""
    n = 0
    for session in sessions:
        for _ in range(2):
            yield employees[n % len(employees)], session
            n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_bench")
    parser.add_argument("--steps", default="10,100,500", help="pending requests at each step")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",")]
    assert steps == sorted(steps) and steps[-1] <= 2 * EMPLOYEES * 8

    setup_django(args.database)
    ensure_catalogue()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from catalog.models import MEMBER_ONLY_KINDS, Session
    from enrollment.models import Registration, RegistrationEvent, RegistrationStatus

    clean()
    structure, approver, employees = build_people()
    now = timezone.now()
    sessions = list(
        Session.objects.published()
        .filter(action__kind__in=MEMBER_ONLY_KINDS, starts_at__gt=now + dt.timedelta(days=20))
        .order_by("pk")[: steps[-1] // 2 + HISTORY // 2 + 2]
    )
    pairs = list(slots(sessions, employees))
    # The history: decided requests (approved, now with the provider), an event each.
    decided = Registration.objects.bulk_create(
        [
            registration(
                user,
                session,
                structure,
                RegistrationStatus.PENDING_PROVIDER,
                now - dt.timedelta(days=30, minutes=k),
                employer_approved_at=now - dt.timedelta(days=20, minutes=k),
                employer_approved_by=approver,
            )
            for k, (user, session) in enumerate(pairs[:HISTORY])
        ]
    )
    RegistrationEvent.objects.bulk_create(
        [
            RegistrationEvent(
                registration=r,
                from_status=RegistrationStatus.PENDING_EMPLOYER,
                to_status=RegistrationStatus.PENDING_PROVIDER,
                by=approver,
            )
            for r in decided
        ]
    )
    pending_pairs = pairs[HISTORY:]
    client = Client()
    client.force_login(approver)
    rows = []
    created = 0
    for step in steps:
        Registration.objects.bulk_create(
            [
                registration(
                    user,
                    session,
                    structure,
                    RegistrationStatus.PENDING_EMPLOYER,
                    now - dt.timedelta(days=2, minutes=k),
                )
                for k, (user, session) in enumerate(pending_pairs[created:step], start=created)
            ]
        )
        created = step
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE enrollment_registration")
        response = client.get("/espace-employeur/")  # warm-up
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get("/espace-employeur/")
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/espace-employeur/")
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        rows.append(
            {
                "pending": step,
                "median_ms": statistics.median(times) * 1000,
                "queries": len(queries),
                "sql_ms": sql_ms,
                "slowest": (float(slowest["time"]) * 1000, slowest["sql"][:90]),
                "kb": len(response.content) / 1024,
            }
        )
        print(f"{step} pending requests: {rows[-1]['median_ms']:.0f} ms", flush=True)

    # Where the time goes at the largest step: rendering vs queries.
    from enrollment import employer_space as space

    structures = space.approved_structures(approver)
    started = time.perf_counter()
    for _ in range(5):
        space.employer_space(approver, structures)
    data_ms = (time.perf_counter() - started) / 5 * 1000

    print()
    print(
        f"{dt.date.today():%Y-%m-%d}, 2 cores, {connection.vendor} `{args.database}`, "
        f"django.test.Client in-process (DEBUG as configured), median of {args.runs} GETs; one "
        f"structure, {EMPLOYEES} employees, {HISTORY} decided requests in the history."
    )
    print()
    print("| pending requests | median ms | SQL queries | SQL time ms | page KB | slowest query |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        ms, sql = row["slowest"]
        print(
            f"| {row['pending']} | {row['median_ms']:.0f} | {row['queries']} | "
            f"{row['sql_ms']:.0f} | {row['kb']:.0f} | {ms:.1f} ms `{sql}…` |"
        )
    print()
    print(
        f"At {steps[-1]} pending: building the page's data "
        "(enrollment.employer_space.employer_space) "
        f"takes {data_ms:.0f} ms of the {rows[-1]['median_ms']:.0f} ms; the rest is the "
        "template (one approve button and one refusal form per request)."
    )
    clean()
    if len({row["queries"] for row in rows}) > 1:
        sys.exit("the number of queries grows with the number of requests")


if __name__ == "__main__":
    main()
