"""What becomes of a job whatever Moodle answers (issue 23, item 9; DESIGN.md turn 3,
« nothing abandoned silently »): an answer of an unexpected shape fails the job with the
answer recorded, no job's failure stops the sweep, and a Moodle that does not answer is
tried again for E_PARCOURSPRO_GIVE_UP_DAYS, then given up with staff told once."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from elearning import calls, services
from elearning.models import EnrolmentJob
from enrollment import services as enrollment
from mailing.models import Email
from tests.elearning.fake_moodle import closed_port_url
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, UserFactory, awaiting_provider, tutored_session

pytestmark = pytest.mark.django_db
State = EnrolmentJob.State
Kind = EnrolmentJob.Kind


def confirm_now(session, django_capture_on_commit_callbacks, user=None):
    registration = awaiting_provider(session, user)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def job_of(registration, kind=Kind.ENROL):
    return EnrolmentJob.objects.get(registration=registration, kind=kind)


def test_rest_off_answers_an_empty_200_and_the_job_fails_with_what_to_do(
    moodle, django_capture_on_commit_callbacks
):
    """webservice/rest/server.php ends with `die;` when the web services or REST are off."""
    moodle.rest_enabled = False
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.attempts, job.error_code) == (State.FAILED, 1, "empty_answer")
    assert "réponse vide" in job.last_error
    email = Email.objects.get(template="e_parcourspro_job_failed")
    assert "Activer les services web" in email.body_text
    assert "Gérer les protocoles" in email.body_text


def test_web_services_off_is_the_same_empty_answer(moodle, django_capture_on_commit_callbacks):
    moodle.webservices_enabled = False
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.error_code) == (State.FAILED, "empty_answer")


def test_an_html_page_fails_the_job_with_the_page_recorded(
    moodle, django_capture_on_commit_callbacks
):
    moodle.mode = "garbage"
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.error_code) == (State.FAILED, "unexpected_answer")
    assert "<html>Site en maintenance</html>" in job.last_error


@pytest.mark.parametrize(
    "answer",
    [{}, {"users": []}, "ok", [1, 2], [{"id": "101"}], [{"username": "7"}], None],
    ids=["dict", "other-dict", "string", "list-of-ints", "text-id", "no-id", "null"],
)
def test_json_of_another_shape_fails_the_job_with_the_answer_recorded(
    moodle, answer, django_capture_on_commit_callbacks
):
    """core_user_get_users_by_field returns a list of users, each with an integer id."""
    moodle.overrides["core_user_get_users_by_field"] = answer
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.attempts, job.error_code) == (State.FAILED, 1, "unexpected_answer")
    assert "core_user_get_users_by_field" in job.last_error
    assert "Réponse reçue" in job.last_error


def test_an_enrolment_answered_with_anything_but_null_fails(
    moodle, django_capture_on_commit_callbacks
):
    """enrol_manual_enrol_users returns nothing (null): a list there is not Moodle's."""
    user = MemberEmployeeFactory()
    moodle.add_user(str(user.pk), auth="oauth2", email=user.email, idnumber=str(user.pk))
    moodle.overrides["enrol_manual_enrol_users"] = [{"id": 1}]
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, user=user)
    job = job_of(registration)
    assert (job.state, job.error_code) == (State.FAILED, "unexpected_answer")
    assert "enrol_manual_enrol_users" in job.last_error


def test_a_long_answer_is_recorded_truncated(moodle, django_capture_on_commit_callbacks):
    moodle.overrides["core_user_get_users_by_field"] = {"blob": "x" * 50_000}
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert job.state == State.FAILED
    assert len(job.last_error) < 2000


def test_one_failed_job_never_stops_the_sweep(
    moodle, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Three jobs wait (no token when confirmed): one for a course Moodle does not know, one
    whose preparation raises an error of ours, one fine. The sweep finishes all three."""
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    unknown = confirm_now(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    broken = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    fine = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    perform = calls.perform

    def failing_once(job, client):
        if job.registration_id == broken.pk:
            raise KeyError("id")
        return perform(job, client)

    monkeypatch.setattr(calls, "perform", failing_once)
    settings.E_PARCOURSPRO_WS_TOKEN = moodle.token
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_due_jobs() == 3
    assert job_of(unknown).state == State.FAILED
    assert (job_of(broken).state, job_of(broken).error_code) == (State.FAILED, "internal_error")
    assert "KeyError" in job_of(broken).last_error
    assert job_of(fine).state == State.DONE
    assert Email.objects.filter(template="e_parcourspro_job_failed").count() == 2


def test_moodle_down_for_the_whole_give_up_time_fails_the_job_and_tells_staff_once(
    moodle, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_URL = closed_port_url()
    settings.E_PARCOURSPRO_GIVE_UP_DAYS = 3
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.attempts) == (State.PENDING, 1)
    start = timezone.now()
    # Tried again, with a growing delay, for three days.
    for hours in (1, 5, 30, 71):
        with time_machine.travel(start + dt.timedelta(hours=hours)):
            services.run_due_jobs()
        job.refresh_from_db()
        assert job.state == State.PENDING
    assert job.attempts == 5
    assert not Email.objects.filter(template="e_parcourspro_job_gave_up").exists()
    with time_machine.travel(start + dt.timedelta(days=3, hours=1)):
        services.run_due_jobs()
    job.refresh_from_db()
    assert (job.state, job.error_code) == (State.FAILED, "gave_up")
    assert job.gave_up_at is not None
    assert "Abandonnée après 6 tentatives" in job.last_error
    [email] = rendered(Email.objects.filter(template="e_parcourspro_job_gave_up"))
    assert email.to == settings.PROGRAMME_CONTACT_EMAIL
    assert "3 jours" in email.subject
    with time_machine.travel(start + dt.timedelta(days=5)):
        services.run_due_jobs()
    assert Email.objects.filter(template="e_parcourspro_job_gave_up").count() == 1
    # Moodle is back: « Relancer » gives it three days again.
    settings.E_PARCOURSPRO_URL = moodle.url
    with (
        time_machine.travel(start + dt.timedelta(days=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.relaunch([job.pk])
    job.refresh_from_db()
    assert (job.state, job.gave_up_at, job.error_code) == (State.DONE, None, "")


def test_moodle_in_maintenance_is_tried_again_not_failed(
    moodle, django_capture_on_commit_callbacks
):
    """Maintenance mode: authenticate_user throws moodle_exception('sitemaintenance')."""
    moodle.maintenance = True
    job = job_of(confirm_now(tutored_session(), django_capture_on_commit_callbacks))
    assert (job.state, job.attempts) == (State.PENDING, 1)
    assert "sitemaintenance" in job.last_error
    moodle.maintenance = False
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        services.run_due_jobs()
    job.refresh_from_db()
    assert job.state == State.DONE
