"""« Pilotage » on a programme year: 2,000 sessions (12 departments, 10 themes, 20 providers,
every kind), 10,000 requests, their history, questionnaires and answers, written with
bulk_create. The page, the CSV and the report read it in the same fixed number of queries as
a year of two sessions, and their totals are the database's own counts."""

import datetime as dt
import io
import time
import zoneinfo

import pytest
from django.db.models import Sum
from django.urls import reverse

from catalog.models import Action, ActionKind, Session
from common.choices import Department
from employers.models import Structure
from employers.validators import complete_siret
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus
from surveys.models import Survey, SurveyAnswer
from tests.factories import ProviderFactory, ThemeFactory, UserFactory
from tests.surveys.data import programme_2027

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
S = RegistrationStatus
# The page: session and user (2), the dashboard's own (4), the filter form's themes and
# providers (2), the financer's view's grouped queries (15), the header (1).
PAGE_QUERIES = 24
STATUSES = [S.ATTENDED, S.ATTENDED, S.CONFIRMED, S.ABSENT, S.WAITLISTED, S.CANCELLED]
DEPARTMENTS = list(Department.values)


@pytest.fixture
def year():
    themes = [ThemeFactory() for _ in range(10)]
    providers = [ProviderFactory() for _ in range(20)]
    kinds = list(ActionKind.values)
    actions = [
        Action.objects.create(
            title=f"Action {n}",
            slug=f"action-echelle-{n}",
            kind=kinds[n % len(kinds)],
            summary="Résumé.",
            objectives="Objectifs.",
            duration_days=1,
            theme=themes[n % 10],
            provider=providers[n % 20],
        )
        for n in range(40)
    ]
    first = dt.datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)
    sessions = Session.objects.bulk_create(
        [
            Session(
                action=actions[n % 40],
                starts_at=first + dt.timedelta(hours=4 * n),
                ends_at=first + dt.timedelta(hours=4 * n + 3),
                registration_deadline=first + dt.timedelta(hours=4 * n - 48),
                capacity=8,
                department=DEPARTMENTS[n % 12] if n % 7 else "",
                status="cancelled" if n % 50 == 0 else "published",
            )
            for n in range(2000)
        ]
    )
    structures = Structure.objects.bulk_create(
        [
            Structure(name=f"Structure {n}", siret=complete_siret(f"9{n:07d}"), department="33")
            for n in range(60)
        ]
    )
    people = [
        UserFactory(structure=structures[n % 60], department=DEPARTMENTS[n % 12]) for n in range(60)
    ]
    people += [UserFactory(structure=structures[n % 60]) for n in range(340)]
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                user=people[(5 * index + k) % 400],
                session=session,
                structure=people[(5 * index + k) % 400].structure,
                status=STATUSES[(index + k) % 6],
                counted_in_quota=STATUSES[(index + k) % 6] == S.CANCELLED and k == 1,
                waitlist_reason="full" if STATUSES[(index + k) % 6] == S.WAITLISTED else "",
                submitted_at=session.starts_at - dt.timedelta(days=30),
                first_name="Camille",
                last_name="Martin",
                email="camille@example.test",
                phone="05 56 00 00 00",
                job_title="Conseillère",
                motivations="Approfondir.",
            )
            for index, session in enumerate(sessions)
            for k in range(5)
        ]
    )
    RegistrationEvent.objects.bulk_create(
        [
            RegistrationEvent(registration=r, from_status="", to_status=r.status)
            for r in registrations
        ]
    )
    surveys = Survey.objects.bulk_create(
        [
            Survey(
                kind="hot",
                session_id=r.session_id,
                registration=r,
                respondent_id=r.user_id,
                token=f"echelle-{r.pk}-" + "s" * 30,
                sent_at=first,
                closes_at=first,
            )
            for r in registrations
            if r.status == S.ATTENDED
        ]
    )
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                survey=survey,
                objectives=1 + n % 5,
                content=1 + (n + 1) % 5,
                trainer=1 + (n + 2) % 5,
                organisation=1 + (n + 3) % 5,
                answered_at=first,
            )
            for n, survey in enumerate(surveys)
            if n % 3
        ]
    )
    return sessions


def test_the_page_reads_a_programme_year_in_a_fixed_number_of_queries(
    client, staff, year, django_assert_num_queries
):
    client.force_login(staff)
    url = reverse("operations:dashboard")
    for group in ("department", "theme", "provider", "kind", "month"):
        client.get(url, {"year": "2027", "group": group})  # warm-up
        started = time.perf_counter()
        with django_assert_num_queries(PAGE_QUERIES):
            response = client.get(url, {"year": "2027", "group": group})
        elapsed = (time.perf_counter() - started) * 1000
        print(
            f"\n« Pilotage » by {group}, 2,000 sessions: {PAGE_QUERIES} queries, {elapsed:.0f} ms"
        )
        assert len(response.context["charts"]) == 6
    total = response.context["pilotage"].total
    counted = Session.objects.filter(starts_at__year=2027).exclude(status="cancelled")
    assert total.sessions == counted.count() == 1960
    assert total.offered == counted.aggregate(n=Sum("capacity"))["n"]
    assert total.requests == Registration.objects.filter(session__in=counted).count()
    assert (
        total.no_shows == Registration.objects.filter(session__in=counted, status="absent").count()
    )
    assert (
        total.satisfaction.hot.answers
        == SurveyAnswer.objects.filter(survey__session__in=counted).count()
    )
    assert len(response.context["pilotage"].rows) == 12  # one per month


def test_the_same_queries_for_two_sessions(client, staff, django_assert_num_queries):
    programme_2027()
    client.force_login(staff)
    client.get(reverse("operations:dashboard"), {"year": "2027"})
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(reverse("operations:dashboard"), {"year": "2027"})


def test_the_csv_and_the_report_at_that_size(
    client, staff, year, documents_enabled, django_assert_max_num_queries
):
    from pypdf import PdfReader

    client.force_login(staff)
    with django_assert_max_num_queries(PAGE_QUERIES - 4):
        response = client.get(
            reverse("operations:dashboard_csv"), {"year": "2027", "group": "provider"}
        )
    assert len(response.content.decode("utf-8-sig").splitlines()) == 22  # header, 20, total
    started = time.perf_counter()
    with django_assert_max_num_queries(PAGE_QUERIES - 4):
        response = client.get(
            reverse("operations:dashboard_pdf"), {"year": "2027", "group": "provider"}
        )
    print(f"\nThe report, by 20 providers: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
