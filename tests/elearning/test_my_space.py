"""« Mon espace » (Q13): a confirmed tutored self-training links to its course on
e-ParcoursPro and says where the enrolment stands."""

from html import unescape

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services as enrollment
from enrollment.models import RegistrationStatus
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    awaiting_provider,
    registration_in,
    session_of,
    tutored_session,
)

pytestmark = pytest.mark.django_db
ACCESS = "Accéder à e-ParcoursPro"


def my_space(client, user):
    client.force_login(user)
    return client.get(reverse("enrollment:my_space")).content.decode()


def confirm(session, django_capture_on_commit_callbacks):
    registration = awaiting_provider(session)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def test_q13_an_enrolled_participant_gets_the_course_link(
    client, moodle, django_capture_on_commit_callbacks
):
    registration = confirm(tutored_session(course_id=42), django_capture_on_commit_callbacks)
    body = my_space(client, registration.user)
    assert ACCESS in body
    assert f'href="{moodle.url}/course/view.php?id=42"' in body
    assert "Inscrit·e sur e-ParcoursPro" in body


def test_an_enrolment_not_sent_yet_is_in_progress(
    client, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    registration = confirm(tutored_session(), django_capture_on_commit_callbacks)
    body = my_space(client, registration.user)
    assert ACCESS in body
    assert "Inscription sur e-ParcoursPro en cours" in body


def test_a_failed_enrolment_says_the_team_knows(client, moodle, django_capture_on_commit_callbacks):
    registration = confirm(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    body = my_space(client, registration.user)
    assert (
        "Inscription sur e-ParcoursPro en échec\u00a0: l'équipe ParcoursPro est prévenue."
        in unescape(body)
    )


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.PENDING_PROVIDER, RegistrationStatus.WAITLISTED, "cancelled"],
)
def test_no_link_before_the_confirmation_or_after_a_withdrawal(client, status):
    user = MemberEmployeeFactory()
    registration_in(tutored_session(), status, user=user)
    assert ACCESS not in my_space(client, user)


def test_no_link_without_a_course_or_for_another_kind(client):
    user = MemberEmployeeFactory()
    registration_in(tutored_session(course_id=None), user=user)
    registration_in(session_of(ActionKind.TRAINING), user=user)
    assert ACCESS not in my_space(client, user)


@pytest.mark.parametrize("count", [3, 30])
def test_my_space_query_count_does_not_grow_with_tutored_registrations(
    client, settings, count, django_assert_max_num_queries
):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    user = MemberEmployeeFactory()
    for index in range(count):
        registration = registration_in(tutored_session(days=20 + index * 15), user=user)
        registration.enrolment_jobs.create(
            kind="enrol",
            moodle_username=str(user.pk),
            course_id=42,
            timestart=registration.session.starts_at,
            timeend=registration.session.ends_at,
            state=["pending", "done", "failed"][index % 3],
        )
    client.force_login(user)
    # 9, as in tests/enrollment/test_views_my_space.py: the jobs and the documents each
    # take one query for all the requests.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("enrollment:my_space"))
    assert response.content.decode().count(ACCESS) == count
