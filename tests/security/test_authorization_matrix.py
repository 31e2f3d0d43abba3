"""Every URL of the site × every role × GET and POST, with the expected answer.

The URLs are discovered from the URL conf: a new view without a row in EXPECTED fails
`test_every_url_is_in_the_matrix`, so no view escapes the matrix. Objects that belong to
someone else answer 404, never 403 (their existence is not revealed).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from catalog.models import ActionKind
from employers.attachments import request_attachment
from enrollment import services
from enrollment.attendance import half_days
from enrollment.models import AttendanceSheet, Offer
from surveys.models import Survey
from tests.factories import (
    DocumentFactory,
    MemberEmployeeFactory,
    ProviderFactory,
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    accepted,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "professional",
    "other_professional",
    "approver",
    "other_approver",
    "provider",
    "other_provider",
    "staff",
]
LOGIN = "login"  # a redirect to the login page
ADMIN_LOGIN = "admin_login"  # a redirect to the admin's login page


def expect(get, post, **per_role):
    """Expected (GET, POST) answers for every role, with per-role overrides as (get, post)."""
    table = dict.fromkeys(ROLES, (get, post))
    table.update(per_role)
    return table


def private(get, post, **per_role):
    """A page for logged-in users: anonymous visitors are sent to the login page."""
    return expect(get, post, **{"anonymous": (LOGIN, LOGIN), **per_role})


PUBLIC_PAGE = expect(200, 405)

EXPECTED: dict[str, dict[str, tuple]] = {
    "healthz": PUBLIC_PAGE,
    "catalog:home": PUBLIC_PAGE,
    "catalog:catalogue": PUBLIC_PAGE,
    "catalog:action_detail": PUBLIC_PAGE,
    "catalog:faq": PUBLIC_PAGE,
    # e-ParcoursPro's login tutorial (FAQ Q13) and the logo Moodle's login page shows.
    "elearning:first_login": PUBLIC_PAGE,
    "elearning:logo": expect(302, 405),
    "elearning:favicon": expect(302, 405),
    "accounts:structure_search": PUBLIC_PAGE,
    "accounts:logged_out": PUBLIC_PAGE,  # after a logout asked by e-ParcoursPro
    "accounts:profile": private(200, 200),  # POST without data: the form with its errors
    # The cart and « Mon espace »: everyone has their own.
    # POST without data: the form and its errors for a full cart, « Mon espace » for an empty one
    "enrollment:cart": private(200, 302, professional=(200, 200)),
    "enrollment:cart_add": private(405, 302, anonymous=(405, LOGIN)),
    # A visitor's « Ajouter au panier » (no CSRF token: it only remembers the choice).
    "enrollment:cart_choose": private(405, 302, anonymous=(405, LOGIN)),
    "enrollment:cart_remove": private(405, 302, anonymous=(405, LOGIN)),
    "enrollment:cart_done": private(404, 405, professional=(200, 405)),
    "enrollment:my_space": private(200, 405),
    "enrollment:cancel": private(404, 404, professional=(200, 200)),
    # A place offered to the professional (late release): the person's own only; the POST
    # answers it (accepted) and goes back to « Mon espace ».
    "enrollment:offer_accept": private(404, 404, professional=(200, 302)),
    "enrollment:offer_decline": private(404, 404, professional=(200, 302)),
    # The short link of a half-day's signing: anyone logged in sees the page (it says who
    # may sign); the POST signs only the person's own confirmed registration, or says no.
    "enrollment:sign": private(200, 302),
    "enrollment:my_data": private(200, 200),
    "enrollment:my_data_export": private(200, 405),
    "operations:registration_ics": private(404, 405, professional=(200, 405)),
    # The Employer Space: approvers decide only for their structures.
    "employers:space": private(403, 405, approver=(200, 405), other_approver=(200, 405)),
    "employers:approve": private(405, 404, approver=(405, 302)),
    "employers:refuse": private(405, 404, approver=(405, 400)),  # POST without a reason
    # An empty selection changes nothing and goes back to the space (403 there for non-approvers)
    "employers:bulk_approve": private(405, 302),
    "employers:bulk_refuse": private(405, 302),
    "employers:history": private(403, 405, approver=(200, 405), other_approver=(200, 405)),
    # The first structure's CSV: its approver and staff; anyone else 404 (not revealed).
    "employers:export": private(404, 405, approver=(200, 405), staff=(200, 405)),
    "employers:invite": private(405, 404, approver=(405, 400)),  # POST without an email
    "employers:invitation": expect(403, 405, anonymous=(200, 405)),
    # Attachments: the structure's approvers (and staff) decide; once decided, staff's second
    # POST is told so (a redirect with the message); a detached person is no longer found.
    "employers:attachment_accept": private(405, 404, approver=(405, 302), staff=(405, 302)),
    "employers:attachment_refuse": private(405, 404, approver=(405, 302), staff=(405, 302)),
    "employers:detach": private(405, 404, approver=(405, 302)),
    # The provider space: providers see only their own sessions.
    "operations:provider_space": private(403, 405, provider=(200, 405), other_provider=(200, 405)),
    # Staff act on registrations from the admin; the provider space is the provider's own.
    "operations:provider_session": private(404, 405, provider=(200, 405)),
    "operations:provider_confirm": private(405, 404, provider=(405, 302)),
    "operations:provider_decline": private(405, 404, provider=(405, 200)),  # no reason: form
    "operations:provider_attendance": private(405, 404, provider=(405, 302)),
    "operations:attendance_sheet": private(404, 405, provider=(200, 405), staff=(200, 405)),
    "operations:session_participants_csv": private(404, 405, provider=(200, 405), staff=(200, 405)),
    # Electronic attendance: the session's provider and staff; anyone else 404. Before the
    # session, opening and validating are refused with a message (a redirect); a correction
    # without a reason comes back with the form's errors (400).
    "operations:signing": private(404, 405, provider=(200, 405), staff=(200, 405)),
    "operations:signing_half_day": private(404, 405, provider=(200, 405), staff=(200, 405)),
    "operations:signing_open": private(405, 404, provider=(405, 302), staff=(405, 302)),
    "operations:signing_close": private(405, 404, provider=(405, 302), staff=(405, 302)),
    "operations:signing_correct": private(405, 404, provider=(405, 400), staff=(405, 400)),
    "operations:signing_validate": private(405, 404, provider=(405, 302), staff=(405, 302)),
    "operations:dashboard": private(403, 405, staff=(200, 405)),
    # Participation documents: the first structure's convention of the provider's workshop.
    # Its approver, the provider and staff; anyone else 404 (not revealed).
    "documents:download": private(
        404, 405, approver=(200, 405), provider=(200, 405), staff=(200, 405)
    ),
    "documents:download_accepted": private(
        404, 405, approver=(200, 405), provider=(200, 405), staff=(200, 405)
    ),
    "documents:employer_conventions": private(
        404, 405, approver=(200, 405), other_approver=(200, 405)
    ),
    # Already accepted: its approver's POST is told so (a redirect with the message).
    "documents:accept": private(405, 404, approver=(405, 302)),
    "documents:session_zip": private(404, 405, staff=(200, 405)),
    # The financer's view's exports (the PDF is off with DOCUMENTS_ENABLED false, as here).
    "operations:dashboard_csv": private(403, 405, staff=(200, 405)),
    "operations:dashboard_pdf": private(403, 405, staff=(404, 405)),
    # A questionnaire: the email's token is the key (POST without scores: the form, 400);
    # from « Mon espace », the person's own only; the provider's aggregates.
    "surveys:answer": expect(200, 400),
    "surveys:my_answer": private(404, 404, professional=(200, 400)),
    "surveys:provider": private(403, 405, provider=(200, 405), other_provider=(200, 405)),
}


def project_patterns():
    """(name, pattern) of every URL of the project's own apps (not admin, not allauth)."""
    found = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                module = pattern.callback.__module__
                if module.startswith(("allauth", "django.")):
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append(name)

    walk(get_resolver().url_patterns)
    return found


def test_every_url_is_in_the_matrix():
    missing = sorted(set(project_patterns()) - set(EXPECTED))
    assert missing == [], f"add these views to EXPECTED in {__name__}: {missing}"


@pytest.fixture
def world():
    """Two member structures with an approver each, two providers, a professional of each
    structure with requests, and staff."""
    first, second = StructureFactory(), StructureFactory()
    year = timezone.localdate().year
    for structure in (first, second):
        for y in (year, year + 1):
            structure.memberships.create(year=y, formula="base")
    people = {
        "professional": MemberEmployeeFactory(structure=first),
        "other_professional": MemberEmployeeFactory(structure=second),
        "approver": UserFactory(structure=first),
        "other_approver": UserFactory(structure=second),
        "provider": UserFactory(structure=None, employment_status=""),
        "other_provider": UserFactory(structure=None, employment_status=""),
        "staff": UserFactory(is_staff=True, is_superuser=True, structure=None),
    }
    first.approvers.add(people["approver"])
    second.approvers.add(people["other_approver"])
    provider, other_provider = ProviderFactory(), ProviderFactory()
    provider.users.add(people["provider"])
    other_provider.users.add(people["other_provider"])

    training = session_of(ActionKind.TRAINING, days=30)
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP, days=31)
    for session in (training, workshop):
        session.action.provider = provider
        session.action.save()
    webinar = session_of(ActionKind.WEBINAR)
    [for_employer] = register(people["professional"], training)
    [for_provider] = register(people["professional"], workshop)
    services.approve(for_provider, by=people["approver"])
    register(people["other_professional"], training)
    services.add_to_cart(people["professional"], webinar)
    invitation = services_invitation(first, people["approver"])
    newcomer = UserFactory(structure=None)
    attachment = request_attachment(newcomer, first)
    survey = Survey.objects.create(
        kind=Survey.Kind.HOT,
        session=training,
        registration=for_employer,
        respondent=people["professional"],
        token="matrix-" + "m" * 40,
        sent_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(days=30),
    )
    offered = RegistrationFactory(
        user=people["professional"], session=session_of(ActionKind.WEBINAR), status="offered"
    )
    offer = Offer.objects.create(
        registration=offered,
        session=offered.session,
        made_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=48),
    )
    [half_day] = half_days(workshop)[:1]
    sheet = AttendanceSheet.objects.create(
        session=workshop,
        day=half_day.day,
        half=half_day.half,
        code="MATRIX23",
        opened_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(hours=1),
    )
    convention = DocumentFactory(session=workshop, structure=first)
    accepted(convention, people["approver"])
    kwargs = {
        "documents:download": {"pk": convention.pk},
        "documents:download_accepted": {"pk": convention.pk},
        "documents:accept": {"pk": convention.pk},
        "documents:session_zip": {"pk": workshop.pk},
        "catalog:action_detail": {"slug": training.action.slug},
        "enrollment:cart_add": {"session_id": webinar.pk},
        "enrollment:cart_choose": {"session_id": webinar.pk},
        "enrollment:cart_remove": {"session_id": webinar.pk},
        "enrollment:cart_done": {"submission": for_employer.submission},
        "enrollment:cancel": {"pk": for_employer.pk},
        "operations:registration_ics": {"pk": for_employer.pk},
        "employers:approve": {"pk": for_employer.pk},
        "employers:refuse": {"pk": for_employer.pk},
        "employers:invite": {"pk": first.pk},
        "employers:invitation": {"token": invitation.token},
        "employers:attachment_accept": {"pk": attachment.pk},
        "employers:attachment_refuse": {"pk": attachment.pk},
        "employers:detach": {"structure_pk": first.pk, "user_pk": people["professional"].pk},
        "operations:provider_session": {"pk": workshop.pk},
        "operations:provider_confirm": {"pk": workshop.pk, "registration_pk": for_provider.pk},
        "operations:provider_decline": {"pk": workshop.pk, "registration_pk": for_provider.pk},
        "operations:provider_attendance": {"pk": workshop.pk},
        "operations:attendance_sheet": {"pk": workshop.pk},
        "operations:session_participants_csv": {"pk": workshop.pk},
        "enrollment:offer_accept": {"pk": offer.pk},
        "enrollment:offer_decline": {"pk": offer.pk},
        "enrollment:sign": {"code": sheet.code},
        "operations:signing": {"pk": workshop.pk},
        "operations:signing_half_day": {"pk": workshop.pk, "key": half_day.key},
        "operations:signing_open": {"pk": workshop.pk, "key": half_day.key},
        "operations:signing_close": {"pk": workshop.pk, "key": half_day.key},
        "operations:signing_correct": {
            "pk": workshop.pk,
            "key": half_day.key,
            "registration_pk": for_provider.pk,
        },
        "operations:signing_validate": {"pk": workshop.pk, "key": half_day.key},
        "surveys:answer": {"token": survey.token},
        "surveys:my_answer": {"pk": survey.pk},
    }
    queries = {"employers:export": {"structure": first.pk, "year": year}}
    return people, kwargs, queries


def services_invitation(structure, by):
    from employers.services import invite_approver

    return invite_approver(structure, "invitee@example.test", by=by)


def outcome(response) -> int | str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("account_login")):
            return LOGIN
    return response.status_code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matrix(client, world, name):
    people, kwargs, queries = world
    url = reverse(name, kwargs=kwargs.get(name, {}))
    if name in queries:
        url += "?" + urlencode(queries[name])
    seen, wanted = {}, {}
    for role in ROLES:
        for index, method in enumerate(("get", "post")):
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            response = getattr(client, method)(url)
            seen[(role, method)] = outcome(response)
            wanted[(role, method)] = EXPECTED[name][role][index]
    mismatches = {key: (seen[key], wanted[key]) for key in seen if seen[key] != wanted[key]}
    assert mismatches == {}, f"{name}: (seen, expected) {mismatches}"


ADMIN_PAGES = [
    "admin:index",
    "admin:enrollment_registration_changelist",
    "admin:catalog_session_changelist",
    "admin:employers_structure_changelist",
    "admin:accounts_user_changelist",
    "admin:mailing_email_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_is_for_staff_only(client, world, name):
    people, _, _ = world
    url = reverse(name)
    assert outcome(client.get(url)) == ADMIN_LOGIN
    for role in ROLES[1:-1]:
        client.force_login(people[role])
        assert outcome(client.get(url)) == ADMIN_LOGIN, role
    client.force_login(people["staff"])
    assert client.get(url).status_code == 200
