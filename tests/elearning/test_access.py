"""Course access on e-ParcoursPro (DESIGN.md, turn 3): from the session's first day to the
end of its last day plus E_PARCOURSPRO_ACCESS_DAYS, following the session's dates; the
participant told how to log in when it is open; the token sees what it needs."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from common.typography import spaced
from elearning.access import access_window
from elearning.models import EnrolmentJob
from enrollment import services as enrollment
from mailing.models import Email
from tests.factories import MemberEmployeeFactory, UserFactory, awaiting_provider, tutored_session

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
State = EnrolmentJob.State
Kind = EnrolmentJob.Kind


def confirm_now(session, django_capture_on_commit_callbacks, user=None):
    registration = awaiting_provider(session, user)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def eight_hours_on(session, day: dt.date):
    session.starts_at = paris(day.year, day.month, day.day, 9, 0)
    session.ends_at = paris(day.year, day.month, day.day, 17, 0)
    session.save(update_fields=["starts_at", "ends_at"])
    return session


def test_access_runs_from_the_first_day_to_the_end_of_the_last_plus_the_setting(settings):
    settings.E_PARCOURSPRO_ACCESS_DAYS = 30
    session = tutored_session()
    session.starts_at = paris(2027, 3, 8, 9, 30)
    session.ends_at = paris(2027, 3, 26, 17, 0)
    assert access_window(session) == (paris(2027, 3, 8), paris(2027, 4, 26))
    settings.E_PARCOURSPRO_ACCESS_DAYS = 0
    assert access_window(session)[1] == paris(2027, 3, 27)


def test_days_are_paris_days_across_a_clock_change():
    """Summer time starts on 28 March 2027: the access still ends at Paris midnight."""
    session = tutored_session()
    session.starts_at = paris(2027, 3, 27, 23, 30)
    session.ends_at = paris(2027, 3, 28, 0, 30)
    assert access_window(session, days=1) == (paris(2027, 3, 27), paris(2027, 3, 30))


def test_q13_a_session_of_eight_hours_gives_a_month_of_access(
    moodle, settings, django_capture_on_commit_callbacks
):
    """The issue's case: `timeend` = the session's end gave 8 hours of access. Moodle's
    is_enabled() now says the participant has the course through the whole window."""
    settings.E_PARCOURSPRO_ACCESS_DAYS = 30
    day = timezone.localdate() + dt.timedelta(days=40)
    session = eight_hours_on(tutored_session(), day)
    registration = confirm_now(session, django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    first = paris(day.year, day.month, day.day)
    assert (job.timestart, job.timeend) == (first, first + dt.timedelta(days=31))

    def enrolled(at):
        return moodle.is_enrolled(job.moodle_user_id, 42, int(at.timestamp()))

    assert not enrolled(first - dt.timedelta(minutes=1))
    assert enrolled(first + dt.timedelta(hours=9))
    assert enrolled(first + dt.timedelta(hours=17, minutes=1))  # after the session's end
    assert enrolled(first + dt.timedelta(days=30, hours=23))
    assert not enrolled(first + dt.timedelta(days=31))


def test_the_access_follows_the_session_when_staff_move_it(
    moodle, settings, django_capture_on_commit_callbacks
):
    """enrol_manual_enrol_users on an existing enrolment updates its timestart and timeend
    (enrol_plugin::enrol_user): the job is sent again with the new window."""
    settings.E_PARCOURSPRO_ACCESS_DAYS = 10
    session = tutored_session()
    registration = confirm_now(session, django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    session.refresh_from_db()
    session.starts_at += dt.timedelta(days=14)
    session.ends_at += dt.timedelta(days=21)
    with django_capture_on_commit_callbacks(execute=True):
        session.save()
    job.refresh_from_db()
    start, end = access_window(session)
    assert (job.state, job.timestart, job.timeend) == (State.DONE, start, end)
    enrolment = moodle.enrolments[(job.moodle_user_id, 42)]
    assert (enrolment["timestart"], enrolment["timeend"]) == (
        int(start.timestamp()),
        int(end.timestamp()),
    )
    assert len(moodle.enrolments) == 1


def test_the_participant_is_told_how_to_log_in_once_the_course_is_open(
    moodle, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_ACCESS_DAYS = 30
    settings.SITE_URL = "https://parcourspro.example"
    user = MemberEmployeeFactory(first_name="Léna")
    session = tutored_session()
    registration = confirm_now(session, django_capture_on_commit_callbacks, user=user)
    [email] = Email.objects.filter(template="e_parcourspro_access")
    assert email.to == user.email
    text = email.body_text
    assert "Bonjour Léna," in text
    assert session.action.title in text
    assert f"{moodle.url}/course/view.php?id=42" in text
    assert "«\u00a0ParcoursPro (mêmes identifiants)\u00a0»" in text
    assert "https://parcourspro.example/e-parcourspro/premiere-connexion/" in text
    assert spaced(settings.PROGRAMME_CONTACT_PHONE) in text
    start, end = access_window(session)
    last_day = timezone.localtime(end).date() - dt.timedelta(days=1)
    assert f"au {last_day.day} " in text
    assert 'href="https://parcourspro.example/e-parcourspro/premiere-connexion/"' in (
        email.body_html
    )
    job = EnrolmentJob.objects.get(registration=registration)
    assert job.welcomed_at is not None
    # Sent again with new dates: not told twice.
    session.refresh_from_db()
    session.ends_at += dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        session.save()
    assert Email.objects.filter(template="e_parcourspro_access").count() == 1


def test_no_login_email_while_the_enrolment_fails(moodle, django_capture_on_commit_callbacks):
    confirm_now(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    assert not Email.objects.filter(template="e_parcourspro_access").exists()


def test_a_second_course_for_the_same_person_uses_their_account(
    moodle, django_capture_on_commit_callbacks
):
    user = MemberEmployeeFactory()
    moodle.courses.add(43)
    confirm_now(tutored_session(course_id=42), django_capture_on_commit_callbacks, user=user)
    confirm_now(
        tutored_session(course_id=43, days=80), django_capture_on_commit_callbacks, user=user
    )
    [account] = moodle.people()
    assert {course for (_, course) in moodle.enrolments} == {42, 43}
    assert {uid for (uid, _) in moodle.enrolments} == {account["id"]}


def test_without_viewalldetails_moodle_hides_the_account_and_staff_are_told_why(
    moodle, django_capture_on_commit_callbacks
):
    """The issue's case: a token without moodle/user:viewalldetails does not find the
    account it created (core_user_get_users_by_field leaves it out); the second course
    fails with what to do, and a withdrawal still suspends the enrolment it made."""
    moodle.debugging = "normal"
    user = MemberEmployeeFactory()
    moodle.courses.add(43)
    first = confirm_now(tutored_session(), django_capture_on_commit_callbacks, user=user)
    moodle.capabilities.discard("moodle/user:viewalldetails")
    moodle.capabilities.discard("moodle/site:viewuseridentity")
    second = confirm_now(
        tutored_session(course_id=43, days=80), django_capture_on_commit_callbacks, user=user
    )
    job = EnrolmentJob.objects.get(registration=second)
    assert (job.state, job.error_code) == (State.FAILED, "invalidparameter")
    assert job.error_debuginfo == f"Username already exists: {user.pk}"
    email = Email.objects.get(template="e_parcourspro_job_failed")
    assert "moodle/user:viewalldetails" in email.body_text
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.cancel(first, by=user, reason="Je change de poste le mois prochain.")
    suspend = EnrolmentJob.objects.get(registration=first, kind=Kind.SUSPEND)
    assert suspend.state == State.DONE
    [account] = moodle.people()
    assert moodle.enrolments[(account["id"], 42)]["status"] == "suspended"
