"""Staff see every e-ParcoursPro job, Moodle's error on a failed one, and relaunch it; the
admin says when enrolment is off; an action's course is checked."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import ActionKind
from common.typography import spaced
from elearning.models import EnrolmentJob
from enrollment import services as enrollment
from tests.factories import ActionFactory, UserFactory, awaiting_provider, tutored_session
from web.admin.elearning import DISABLED_NOTICE

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:elearning_enrolmentjob_changelist"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, structure=None))
    return client


def confirm(session, django_capture_on_commit_callbacks):
    registration = awaiting_provider(session)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


@pytest.mark.parametrize("debugging", ["", "normal"])
def test_a_failed_job_shows_moodles_error_and_what_to_do(
    staff_client, moodle, debugging, django_capture_on_commit_callbacks
):
    """An unknown course: Moodle's errorcode and message, its debuginfo when its debugging
    is on, and what to do in French."""
    moodle.debugging = debugging
    registration = confirm(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    # A name no admin page holds (a drawn « Barre » is in « Barre latérale »).
    registration.user.last_name = "Quintavalle-Oyarzabal"
    registration.user.save(update_fields=["last_name"])
    body = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "En échec" in body
    assert "invalidparameter\u00a0: Invalid parameter value detected" in body
    assert ("Context does not exist" in body) == bool(debugging)
    assert f"#{registration.user_id}" in body
    assert registration.user.last_name not in body  # the job names nobody
    change = staff_client.get(reverse("admin:elearning_enrolmentjob_change", args=[job.pk]))
    assert change.status_code == 200
    page = change.content.decode().replace("&#x27;", "'")
    if debugging:
        assert "Le cours n'existe pas sur e-ParcoursPro" in page
    else:
        assert "activez le débogage de Moodle" in page
    failed_only = staff_client.get(reverse(CHANGELIST), {"state__exact": "failed"})
    assert failed_only.context["cl"].result_count == 1


def test_a_given_up_job_is_shown_and_filtered(staff_client, moodle, settings):
    registration = confirm_nothing_sent(settings)
    job = EnrolmentJob.objects.get(registration=registration)
    job.state, job.error_code, job.gave_up_at = "failed", "gave_up", job.created_at
    job.last_error = "Abandonnée après 60 tentatives"
    job.save()
    answer = staff_client.get(reverse(CHANGELIST), {"gave_up_at__isempty": "0"})
    assert answer.context["cl"].result_count == 1
    assert "gave_up\u00a0: Abandonnée après 60 tentatives" in answer.content.decode()


def confirm_nothing_sent(settings):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    registration = awaiting_provider(tutored_session())
    return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def test_relaunch_from_the_admin(staff_client, moodle, django_capture_on_commit_callbacks):
    registration = confirm(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    moodle.courses.add(77)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(CHANGELIST),
            {"action": "relaunch", "_selected_action": [job.pk]},
            follow=True,
        )
    assert "1 opération relancée." in response.content.decode()
    job.refresh_from_db()
    assert job.state == EnrolmentJob.State.DONE


def test_jobs_are_not_added_or_deleted_by_hand(staff_client, moodle):
    assert staff_client.get(reverse("admin:elearning_enrolmentjob_add")).status_code == 403


def test_without_a_token_the_admin_says_enrolment_is_off(
    staff_client, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    confirm(tutored_session(), django_capture_on_commit_callbacks)
    body = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert spaced(str(DISABLED_NOTICE)).replace("'", "&#x27;") in body
    assert "À envoyer" in body


def test_with_a_token_the_admin_says_nothing_of_the_sort(staff_client, moodle):
    body = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "Inscription automatique désactivée" not in body


def test_the_action_list_shows_a_tutored_self_training_without_course(staff_client):
    tutored_session(course_id=None)
    body = staff_client.get(reverse("admin:catalog_action_changelist")).content.decode()
    assert "À renseigner\u00a0: pas d&#x27;inscription automatique" in body


def test_only_a_tutored_self_training_has_a_course():
    action = ActionFactory(kind=ActionKind.TRAINING)
    action.e_parcourspro_course_id = 42
    with pytest.raises(ValidationError) as raised:
        action.full_clean()
    assert (
        "Seule une autoformation tutorée" in raised.value.message_dict["e_parcourspro_course_id"][0]
    )


def test_the_database_refuses_a_course_on_another_kind():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionFactory(kind=ActionKind.WEBINAR, duration_days=1, e_parcourspro_course_id=42)


def test_the_action_form_shows_the_course_field(staff_client):
    action = tutored_session().action
    body = staff_client.get(
        reverse("admin:catalog_action_change", args=[action.pk])
    ).content.decode()
    assert 'name="e_parcourspro_course_id"' in body
    assert 'value="42"' in body


def test_participants_confirmed_before_the_course_was_given_are_enrolled_on_request(
    staff_client, moodle, django_capture_on_commit_callbacks
):
    session = tutored_session(course_id=None)
    registration = confirm(session, django_capture_on_commit_callbacks)
    assert not EnrolmentJob.objects.exists()
    action = session.action
    action.e_parcourspro_course_id = 42
    action.save()
    messages = []
    for _ in range(2):  # the second time, nothing more
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                reverse("admin:catalog_action_changelist"),
                {"action": "enrol_on_e_parcourspro", "_selected_action": [action.pk]},
                follow=True,
            )
        messages.append([str(m) for m in response.context["messages"]])
    assert messages[0] == ["1 inscription sur e-ParcoursPro enregistrée."]
    assert messages[1][0].startswith("0 inscription")
    job = EnrolmentJob.objects.get(registration=registration)
    assert job.state == EnrolmentJob.State.DONE
    assert moodle.enrolments[(job.moodle_user_id, 42)]["status"] == "active"
