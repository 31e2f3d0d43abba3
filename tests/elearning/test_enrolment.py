"""Q13: confirmed participants of a tutored self-training are enrolled in their course on
e-ParcoursPro, through Moodle's web services, by durable jobs (like the email outbox)."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from catalog.models import ActionKind
from elearning import services
from elearning.access import access_window
from elearning.models import EnrolmentJob
from enrollment import services as enrollment
from enrollment.models import RegistrationStatus
from enrollment.privacy import delete_account
from mailing.models import Email
from parcourspro.celery import app as celery_app
from tests.elearning.fake_moodle import closed_port_url
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    awaiting_provider,
    confirmed,
    register,
    registration_in,
    session_of,
    tutored_session,
)

pytestmark = pytest.mark.django_db
State = EnrolmentJob.State
Kind = EnrolmentJob.Kind
STAFF_REASON = "Le formateur est indisponible."


def confirm_now(session, django_capture_on_commit_callbacks, user=None):
    """Confirm a request as the provider does; what the commit triggers runs."""
    registration = awaiting_provider(session, user)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def withdraw(registration, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.cancel(
            registration, by=registration.user, reason="Je change de poste le mois prochain."
        )


def account_of(moodle, user):
    [account] = [u for u in moodle.people() if u["username"] == str(user.pk)]
    return account


def window_of(session):
    start, end = access_window(session)
    return int(start.timestamp()), int(end.timestamp())


def test_q13_confirmed_participant_is_created_then_enrolled(
    moodle, django_capture_on_commit_callbacks
):
    session = tutored_session(course_id=42)
    registration = confirm_now(session, django_capture_on_commit_callbacks)
    user = registration.user
    account = account_of(moodle, user)
    assert account["auth"] == "oauth2"
    assert account["idnumber"] == str(user.pk)
    assert account["email"] == user.email
    assert account["firstname"] == user.first_name
    timestart, timeend = window_of(session)
    assert moodle.enrolments[(account["id"], 42)] == {
        "roleid": 5,
        "timestart": timestart,
        "timeend": timeend,
        "status": "active",
    }
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.kind, job.state, job.attempts) == (Kind.ENROL, State.DONE, 1)
    assert job.moodle_user_id == account["id"]
    # Looked for by username, idnumber, then email (an account Moodle's login created).
    assert moodle.functions_called() == [
        "core_user_get_users_by_field",
        "core_user_get_users_by_field",
        "core_user_get_users_by_field",
        "core_user_create_users",
        "enrol_manual_enrol_users",
    ]


def test_an_existing_moodle_account_is_not_created_again(
    moodle, django_capture_on_commit_callbacks
):
    user = MemberEmployeeFactory()
    existing = moodle.add_user(str(user.pk), auth="oauth2", email=user.email)
    confirm_now(tutored_session(course_id=42), django_capture_on_commit_callbacks, user=user)
    assert "core_user_create_users" not in moodle.functions_called()
    assert len(moodle.people()) == 1
    assert moodle.enrolments[(existing, 42)]["status"] == "active"


def test_an_account_created_meanwhile_by_another_job_is_used(
    moodle, django_capture_on_commit_callbacks
):
    """Two jobs of one person (two courses, two workers) both find no account: Moodle
    refuses the second creation, and the second job enrols the account the first made."""
    user = MemberEmployeeFactory()
    existing = moodle.add_user(str(user.pk), auth="oauth2", email=user.email)
    moodle.blind_lookups = 3  # by username, idnumber and email: nobody yet
    registration = confirm_now(
        tutored_session(course_id=42), django_capture_on_commit_callbacks, user=user
    )
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.moodle_user_id) == (State.DONE, existing)
    assert len(moodle.people()) == 1
    assert moodle.enrolments[(existing, 42)]["status"] == "active"


def test_an_account_moodle_created_at_a_login_is_the_one_enrolled(
    moodle, django_capture_on_commit_callbacks
):
    """The person logged in to e-ParcoursPro before any enrolment: Moodle's login created
    their account (username = their address). ParcoursPro finds it by its address, marks it
    with their number (idnumber) and enrols it: no second account, no refusal."""
    user = MemberEmployeeFactory()
    theirs = moodle.add_user(user.email.lower(), auth="oauth2", email=user.email)
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, user=user)
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.moodle_user_id) == (State.DONE, theirs)
    assert moodle.users[theirs]["idnumber"] == str(user.pk)
    assert "core_user_create_users" not in moodle.functions_called()
    assert moodle.enrolments[(theirs, 42)]["status"] == "active"


@pytest.mark.parametrize("debugging", ["", "normal"])
def test_an_address_the_token_cannot_see_fails_the_creation_with_what_to_do(
    moodle, debugging, django_capture_on_commit_callbacks
):
    """Without moodle/site:viewuseridentity the token does not find the person's account by
    its address, and Moodle refuses the creation. Staff read Moodle's error, its debuginfo
    when Moodle's debugging is on, and what to do."""
    moodle.capabilities.discard("moodle/site:viewuseridentity")
    moodle.debugging = debugging
    user = MemberEmployeeFactory()
    moodle.add_user("ancien.compte", auth="manual", email=user.email)
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, user=user)
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.error_code) == (State.FAILED, "invalidparameter")
    assert job.last_error == "Invalid parameter value detected"
    email = Email.objects.get(template="e_parcourspro_job_failed")
    if debugging:
        assert job.error_debuginfo == f"Email address already exists: {user.email}"
        assert "moodle/site:viewuseridentity" in email.body_text
    else:
        assert job.error_debuginfo == ""
        assert "activez le débogage de Moodle" in email.body_text
    assert moodle.enrolments == {}


def test_moodle_down_the_job_waits_and_nothing_is_lost(
    moodle, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_URL = closed_port_url()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.attempts) == (State.PENDING, 1)
    assert job.last_error
    assert job.next_attempt_at > timezone.now()
    # Moodle is back, but the job's next attempt is not due yet: the sweep leaves it.
    settings.E_PARCOURSPRO_URL = moodle.url
    assert services.run_due_jobs() == 0
    assert moodle.calls == []
    with (
        time_machine.travel(timezone.now() + dt.timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.run_due_jobs() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == (State.DONE, 2, "")
    assert moodle.enrolments[(job.moodle_user_id, 42)]["status"] == "active"


def test_the_delay_between_attempts_doubles_up_to_an_hour():
    delays = [services.retry_delay(n) for n in (1, 2, 3, 10)]
    assert delays == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
        dt.timedelta(hours=1),
    ]


def test_a_moodle_error_fails_the_job_tells_staff_and_is_not_retried(
    moodle, django_capture_on_commit_callbacks
):
    """An unknown course: Moodle's validate_context refuses it as an invalid parameter
    (« Context does not exist », in the debuginfo only when its debugging is on)."""
    moodle.debugging = "normal"
    # A name no email holds by chance (a drawn name may be a common word).
    person = MemberEmployeeFactory(last_name="Quintavalle-Oyarzabal")
    registration = confirm_now(
        tutored_session(course_id=77), django_capture_on_commit_callbacks, user=person
    )
    job = EnrolmentJob.objects.get(registration=registration)
    assert job.state == State.FAILED
    assert (job.error_code, job.last_error, job.error_debuginfo) == (
        "invalidparameter",
        "Invalid parameter value detected",
        "Context does not exist",
    )
    email = Email.objects.get(template="e_parcourspro_job_failed")
    assert "invalidparameter" in email.body_text
    assert "Context does not exist" in email.body_text
    assert "Le cours n'existe pas sur e-ParcoursPro" in email.body_text
    assert registration.user.last_name not in email.body_text  # names nobody
    calls = len(moodle.calls)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert services.run_due_jobs() == 0
    assert len(moodle.calls) == calls
    # Staff fix the course on Moodle's side, then « Relancer ».
    moodle.courses.add(77)
    with django_capture_on_commit_callbacks(execute=True):
        relaunched, refused = services.relaunch([job.pk])
    assert (len(relaunched), refused) == (1, [])
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error_code, job.error_debuginfo) == (
        State.DONE,
        2,
        "",
        "",
    )
    assert moodle.enrolments[(job.moodle_user_id, 77)]["status"] == "active"


def test_q13_withdrawal_suspends_the_enrolment(moodle, django_capture_on_commit_callbacks):
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    withdraw(registration, django_capture_on_commit_callbacks)
    suspend = EnrolmentJob.objects.get(registration=registration, kind=Kind.SUSPEND)
    assert suspend.state == State.DONE
    assert moodle.enrolments[(suspend.moodle_user_id, 42)]["status"] == "suspended"
    assert len(moodle.people()) == 1


def test_a_cancelled_session_suspends_its_participants(moodle, django_capture_on_commit_callbacks):
    session = tutored_session()
    first = confirm_now(session, django_capture_on_commit_callbacks)
    second = confirm_now(session, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.cancel_session(session, by=UserFactory(is_staff=True), reason=STAFF_REASON)
    for registration in (first, second):
        job = EnrolmentJob.objects.get(registration=registration, kind=Kind.SUSPEND)
        assert moodle.enrolments[(job.moodle_user_id, 42)]["status"] == "suspended"


def test_a_suspension_waits_for_the_enrolment_it_follows(
    moodle, settings, django_capture_on_commit_callbacks
):
    """Moodle down at the confirmation and at the withdrawal: once back, the enrolment runs
    first and the suspension after it, so the person ends up suspended."""
    settings.E_PARCOURSPRO_URL = closed_port_url()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    settings.E_PARCOURSPRO_URL = moodle.url
    withdraw(registration, django_capture_on_commit_callbacks)
    suspend = EnrolmentJob.objects.get(registration=registration, kind=Kind.SUSPEND)
    assert (suspend.state, suspend.attempts) == (State.PENDING, 0)  # waits its turn
    assert moodle.calls == []
    with (
        time_machine.travel(timezone.now() + dt.timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.run_due_jobs()
    states = dict(EnrolmentJob.objects.values_list("kind", "state"))
    assert states == {Kind.ENROL: State.DONE, Kind.SUSPEND: State.DONE}
    [(_, status)] = [(key, e["status"]) for key, e in moodle.enrolments.items()]
    assert status == "suspended"


def test_a_failed_enrolment_followed_by_a_withdrawal_cannot_be_relaunched(
    moodle, django_capture_on_commit_callbacks
):
    registration = confirm_now(tutored_session(course_id=77), django_capture_on_commit_callbacks)
    withdraw(registration, django_capture_on_commit_callbacks)
    enrol = EnrolmentJob.objects.get(registration=registration, kind=Kind.ENROL)
    relaunched, refused = services.relaunch([enrol.pk])
    assert relaunched == []
    assert refused == [(enrol, services.LATER_JOB_EXISTS)]


def test_a_deleted_account_is_suspended_and_its_jobs_keep_no_name(
    moodle, django_capture_on_commit_callbacks
):
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    user = registration.user
    names = {user.first_name, user.last_name, user.email}
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user)
    jobs = list(EnrolmentJob.objects.values())
    assert {job["kind"] for job in jobs} == {Kind.ENROL, Kind.SUSPEND}
    for job in jobs:
        assert not names & {str(value) for value in job.values()}
    [enrolment] = moodle.enrolments.values()
    assert enrolment["status"] == "suspended"


def test_without_a_token_nothing_is_sent_and_the_job_waits(
    moodle, settings, django_capture_on_commit_callbacks
):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(registration=registration)
    assert (job.state, job.attempts) == (State.PENDING, 0)
    assert services.run_due_jobs() == 0
    assert moodle.calls == []
    settings.E_PARCOURSPRO_WS_TOKEN = moodle.token
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_due_jobs() == 1
    assert moodle.enrolments


def test_a_short_format_confirmed_at_once_records_no_job(moodle):
    [registration] = register(MemberEmployeeFactory(), session_of(ActionKind.WEBINAR))
    assert registration.status == "confirmed"
    assert not EnrolmentJob.objects.exists()


@pytest.mark.parametrize("kind", [ActionKind.TRAINING, ActionKind.DISCOVERY_MODULE])
def test_other_member_only_actions_record_no_job(kind, moodle):
    confirmed(session_of(kind))
    assert not EnrolmentJob.objects.exists()


def test_a_tutored_self_training_without_a_course_records_no_job(moodle):
    confirmed(tutored_session(course_id=None))
    assert not EnrolmentJob.objects.exists()


def test_a_confirmation_rolled_back_leaves_no_job(moodle, django_capture_on_commit_callbacks):
    registration = awaiting_provider(tutored_session())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enrollment.confirm(registration, by=UserFactory(is_staff=True))
        raise RuntimeError("annulé")
    assert callbacks == []
    assert not EnrolmentJob.objects.exists()
    assert moodle.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_confirmation_is_enrolled_after_the_commit(moodle):
    """Real transactions: the job is committed with the confirmation, the call made after."""
    registration = awaiting_provider(tutored_session())
    enrollment.confirm(registration, by=UserFactory(is_staff=True))
    job = EnrolmentJob.objects.get(registration=registration)
    assert job.state == State.DONE
    assert moodle.enrolments


def test_the_sweep_is_scheduled_by_celery_beat(settings):
    schedule = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "elearning.tasks.sweep_enrolment_jobs" in schedule


def test_moves_other_than_a_confirmation_or_a_withdrawal_cost_no_query(
    django_assert_num_queries,
):
    """`registration_moved` runs on every move of the platform: most must cost nothing."""
    registration = registration_in(tutored_session(), RegistrationStatus.PENDING_PROVIDER)
    registration = type(registration).objects.get(pk=registration.pk)  # nothing cached
    with django_assert_num_queries(0):
        services.registration_moved(
            registration,
            from_status=RegistrationStatus.PENDING_EMPLOYER,
            to_status=RegistrationStatus.PENDING_PROVIDER,
        )


def test_q13_enrolment_follows_the_session_when_staff_move_its_dates(
    moodle, django_capture_on_commit_callbacks
):
    """The course's dates on e-ParcoursPro are the session's, even after staff move it; a
    withdrawn participant stays suspended."""
    session = tutored_session(course_id=42)
    staying = confirm_now(session, django_capture_on_commit_callbacks)
    leaving = confirm_now(session, django_capture_on_commit_callbacks)
    withdraw(leaving, django_capture_on_commit_callbacks)
    session.refresh_from_db()
    session.starts_at += dt.timedelta(days=7)
    session.ends_at += dt.timedelta(days=9)
    with django_capture_on_commit_callbacks(execute=True):
        session.save()
    staying_account = account_of(moodle, staying.user)
    timestart, timeend = window_of(session)
    assert moodle.enrolments[(staying_account["id"], 42)] == {
        "roleid": 5,
        "timestart": timestart,
        "timeend": timeend,
        "status": "active",
    }
    assert moodle.enrolments[(account_of(moodle, leaving.user)["id"], 42)]["status"] == (
        "suspended"
    )
    job = EnrolmentJob.objects.get(registration=staying, kind=Kind.ENROL)
    assert (job.state, job.timestart) == (State.DONE, access_window(session)[0])
    # Saved again without a change of dates: nothing is sent.
    calls = len(moodle.functions_called())
    with django_capture_on_commit_callbacks(execute=True):
        session.save()
    assert len(moodle.functions_called()) == calls
