"""The Employer Space (/espace-employeur/) of approvers with few and with many pending requests.

    .venv/bin/python bench/employer_space.py                    # 10, 100 and 500 requests
    .venv/bin/python bench/employer_space.py --steps 10,500,1000 --runs 40

On PostgreSQL database `pp_bench` (created, migrated and filled with bench/catalog.py's filler
when needed), builds one member structure per step, each with its approver, 125 employees,
a history of 150 decided requests (one event each, by the approver: 4 acceptances for 1
refusal) and the step's number of pending requests (`pending_employer`, 2 per session as the
structure cap allows, spread over the employees). Then, for each structure's space (first
page: up to 50 rows), decisions history (first page) and CSV export of the year, it measures
N GETs (django.test.Client, logged in as the structure's approver) taken in turn across the
structures, so that the load of a shared machine weighs on every step alike; it prints the
median wall time, the median CPU time of the process serving them, the number of SQL queries
(CaptureQueriesContext) and the size.

Exit status: non-zero when the number of queries of a page grows with the requests, or when
the space's median time at the last step exceeds MAX_RATIO times the first step's (issue 12:
at most 1.5 from 10 to 500 pending requests).
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
REFUSED_EVERY = 5  # one decided request in 5 is a refusal
MAX_RATIO = 1.5  # the space's first page at the last step ÷ at the first (issue 12)


def clean() -> None:
    from accounts.models import User
    from employers.models import Structure
    from enrollment.models import Registration

    users = User.objects.filter(email__endswith=f"@{DOMAIN}")
    Registration.objects.filter(user__in=users).delete()
    Registration.objects.filter(structure__name__startswith=STRUCTURE_NAME).delete()
    users.delete()
    Structure.objects.filter(name__startswith=STRUCTURE_NAME).delete()


def build_people(index: int):
    """A member structure (this year and next), its approver and its employees."""
    from django.utils import timezone

    from accounts.models import User
    from employers.models import Membership, Structure

    structure = Structure.objects.create(
        name=f"{STRUCTURE_NAME} {index}", siret=str(99999999999999 - index), department="33"
    )
    year = timezone.localdate().year
    Membership.objects.bulk_create(
        [
            Membership(structure=structure, year=y, formula="base", amount=100)
            for y in (year, year + 1)
        ]
    )
    approver = User.objects.create(
        email=f"approver-{index}@{DOMAIN}",
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
                email=f"employee-{index}-{n}@{DOMAIN}",
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


def build_structure(index: int, pending: int, sessions, now):
    """A structure with its history of HISTORY decided requests and `pending` requests."""
    from enrollment.models import Registration, RegistrationEvent, RegistrationStatus

    structure, approver, employees = build_people(index)
    pairs = list(slots(sessions, employees))

    def decided(k, user, session):
        submitted_at = now - dt.timedelta(days=30, minutes=k)
        if k % REFUSED_EVERY == 0:
            return registration(
                user,
                session,
                structure,
                RegistrationStatus.REFUSED,
                submitted_at,
                decision_reason="Plan de formation complet pour cette période.",
            )
        return registration(
            user,
            session,
            structure,
            RegistrationStatus.PENDING_PROVIDER,
            submitted_at,
            employer_approved_at=now - dt.timedelta(days=20, minutes=k),
            employer_approved_by=approver,
        )

    history = Registration.objects.bulk_create(
        [decided(k, user, session) for k, (user, session) in enumerate(pairs[:HISTORY])]
    )
    RegistrationEvent.objects.bulk_create(
        [
            RegistrationEvent(
                registration=r,
                from_status=RegistrationStatus.PENDING_EMPLOYER,
                to_status=r.status,
                by=approver,
                reason=r.decision_reason,
            )
            for r in history
        ]
    )
    Registration.objects.bulk_create(
        [
            registration(
                user,
                session,
                structure,
                RegistrationStatus.PENDING_EMPLOYER,
                now - dt.timedelta(days=2, minutes=k),
            )
            for k, (user, session) in enumerate(pairs[HISTORY : HISTORY + pending])
        ]
    )
    return structure, approver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_bench")
    parser.add_argument("--steps", default="10,100,500", help="pending requests at each step")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",")]
    assert steps == sorted(steps) and steps[-1] <= 2 * EMPLOYEES * 8

    setup_django(args.database)
    ensure_catalogue()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from catalog.models import MEMBER_ONLY_KINDS, Session

    clean()
    now = timezone.now()
    sessions = list(
        Session.objects.published()
        .filter(action__kind__in=MEMBER_ONLY_KINDS, starts_at__gt=now + dt.timedelta(days=20))
        .order_by("pk")[: steps[-1] // 2 + HISTORY // 2 + 2]
    )
    year = timezone.localtime(sessions[0].starts_at).year
    targets = []  # (step, page, client, url)
    for index, step in enumerate(steps):
        structure, approver = build_structure(index, step, sessions, now)
        client = Client()
        client.force_login(approver)
        for page, url in (
            ("space", "/espace-employeur/"),
            ("history", "/espace-employeur/decisions/"),
            ("export", f"/espace-employeur/export.csv?structure={structure.pk}&year={year}"),
        ):
            targets.append((step, page, client, url))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrollment_registration")
        cursor.execute("ANALYZE enrollment_registrationevent")

    results = measure(targets, args.runs)
    pages = list(dict.fromkeys(page for _, page, _, _ in targets))

    # Where the time goes at the largest step: the space's data vs the rest (the template).
    from enrollment import employer_requests as tables
    from enrollment import employer_space as space

    structures = space.approved_structures(approver)
    started = time.perf_counter()
    for _ in range(5):
        people = tables.people_of(structures)
        page = tables.requests_page(structures, tables.Criteria(), user=approver)
        space.employer_space(structures, people, rows=page.object_list)
    data_ms = (time.perf_counter() - started) / 5 * 1000

    print()
    print(
        f"{dt.date.today():%Y-%m-%d}, 2 cores, {connection.vendor} `{args.database}`, "
        f"django.test.Client in-process (DEBUG as configured), median of {args.runs} GETs "
        "taken in turn across the steps (wall time, and the CPU time of the process serving "
        f"them); one structure per step, each with {EMPLOYEES} employees and {HISTORY} decided "
        "requests in its history."
    )
    print()
    print(
        "| pending requests | page | median ms | CPU ms | SQL queries | SQL time ms | KB | "
        "slowest query |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for step in steps:
        for page in pages:
            row = results[(step, page)]
            ms, sql = row["slowest"]
            print(
                f"| {step} | {page} | {row['median_ms']:.0f} | {row['cpu_ms']:.0f} | "
                f"{row['queries']} | {row['sql_ms']:.0f} | {row['kb']:.0f} | "
                f"{ms:.1f} ms `{sql}…` |"
            )
    print()
    first, last = steps[0], steps[-1]
    ratios = {
        page: tuple(
            results[(last, page)][key] / results[(first, page)][key]
            for key in ("median_ms", "cpu_ms")
        )
        for page in pages
    }
    print(
        f"Ratio {last} ÷ {first} pending (time, CPU): "
        + ", ".join(f"{page} {wall:.2f}, {cpu:.2f}" for page, (wall, cpu) in ratios.items())
        + f" (goal for the space: ≤ {MAX_RATIO})."
    )
    print(
        f"At {last} pending: building the space's data (people, the first page of requests, "
        f"the employees' counters) takes {data_ms:.0f} ms of the "
        f"{results[(last, 'space')]['median_ms']:.0f} ms; the rest is the template."
    )
    clean()
    for page in pages:
        if len({results[(step, page)]["queries"] for step in steps}) > 1:
            sys.exit(f"the number of queries of the {page} grows with the number of requests")
    if ratios["space"][0] > MAX_RATIO:
        sys.exit(f"the space's time grows with the pending requests: {ratios['space'][0]:.2f}")


def measure(targets, runs: int) -> dict:
    """For each (step, page, client, url): the median wall and CPU time of `runs` GETs, taken
    in turn across the targets after a warm-up, then its queries and size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wall = {(step, page): [] for step, page, _, _ in targets}
    cpu = {(step, page): [] for step, page, _, _ in targets}
    for _, _, client, url in targets:
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
    for _ in range(runs):
        for step, page, client, url in targets:
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            wall[(step, page)].append(time.perf_counter() - started)
            cpu[(step, page)].append(time.process_time() - started_cpu)
    results = {}
    for step, page, client, url in targets:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        results[(step, page)] = {
            "median_ms": statistics.median(wall[(step, page)]) * 1000,
            "cpu_ms": statistics.median(cpu[(step, page)]) * 1000,
            "queries": len(queries),
            "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
            "slowest": (float(slowest["time"]) * 1000, slowest["sql"][:90]),
            "kb": len(response.content) / 1024,
        }
        print(
            f"{step} pending requests, {page}: {results[(step, page)]['median_ms']:.0f} ms",
            flush=True,
        )
    return results


if __name__ == "__main__":
    main()
