"""One person, one e-ParcoursPro account, whatever they change on ParcoursPro.

Moodle's login (`auth_oauth2\\auth::complete_login`, reproduced by the fake) takes the email
as the login's username (no mapping to `username` exists by default, and discovery deletes
any added by hand), then finds the account by a linked login or by its address. ParcoursPro
keeps the account's address equal to the person's: these tests log in with the claims
ParcoursPro's provider really gives, across address changes."""

import pytest
from django.test import Client as HttpClient

from accounts.oidc import OIDCAdapter, register_e_parcourspro_client
from elearning import services
from elearning.identity import moodle_username
from elearning.models import EnrolmentJob
from enrollment import services as enrollment
from mailing.models import Email
from tests.elearning.fake_moodle import DEFAULT_MAPPINGS, LoginRefused
from tests.factories import MemberEmployeeFactory, UserFactory, awaiting_provider, tutored_session

pytestmark = pytest.mark.django_db
State = EnrolmentJob.State
Kind = EnrolmentJob.Kind
ISSUER = "https://parcourspro.example"
SCOPES = ["openid", "profile", "email"]


@pytest.fixture
def oidc_client(settings):
    settings.IDP_OIDC_ISSUER = ISSUER
    client, _ = register_e_parcourspro_client(
        redirect_uri="https://e-parcourspro.example/admin/oauth2callback.php",
        client_id="e-parcourspro",
    )
    return client


@pytest.fixture
def issuer(moodle, oidc_client):
    """The OAuth 2 service created in Moodle as docs/E-PARCOURSPRO.md § 2.1 says: discovery
    reads ParcoursPro's document and sets the default field mappings."""
    discovery = HttpClient().get("/.well-known/openid-configuration").json()
    moodle.save_issuer(
        baseurl=ISSUER, image=f"{ISSUER}/e-parcourspro/logo.svg", discovery=discovery
    )
    return discovery


def claims(user, client):
    """What Moodle reads at ParcoursPro's userinfo endpoint."""
    return OIDCAdapter().get_claims("userinfo", user, client, SCOPES)


def confirm_now(session, django_capture_on_commit_callbacks, user):
    registration = awaiting_provider(session, user)
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment.confirm(registration, by=UserFactory(is_staff=True))


def change_email(user, address, django_capture_on_commit_callbacks):
    """An address change as the profile page or the admin makes it (its jobs run)."""
    user.email = address
    with django_capture_on_commit_callbacks(execute=True):
        user.save()


def test_the_enrolled_username_is_the_login_subject(oidc_client):
    for user in UserFactory.create_batch(3):
        id_claims = OIDCAdapter().get_claims("id_token", user, oidc_client, ["openid"])
        assert id_claims["sub"] == moodle_username(user)
        user.email = f"nouvelle-{user.pk}@example.test"
        user.save()
        assert OIDCAdapter().get_claims("id_token", user, oidc_client, ["openid"])["sub"] == (
            moodle_username(user)
        ), "an email change must not change the account number"


def test_discovery_gives_moodle_no_username_mapping(issuer, moodle):
    """openidconnect::create_field_mappings: the defaults map no claim to `username`; the
    login's username is then the email (client::map_userinfo_to_fields)."""
    assert moodle.field_mappings == DEFAULT_MAPPINGS
    assert "username" not in moodle.field_mappings.values()
    assert moodle.endpoints["userinfo_endpoint"] == f"{ISSUER}/identity/o/api/userinfo"


def test_a_participant_logs_in_to_the_account_enrolment_made(
    issuer, moodle, oidc_client, django_capture_on_commit_callbacks
):
    person = MemberEmployeeFactory()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled  # by its linked login
    assert len(moodle.people()) == 1


def test_q13_an_email_change_keeps_the_person_in_their_account(
    issuer, moodle, oidc_client, django_capture_on_commit_callbacks
):
    """The issue's case: after an email change Moodle found no account with the new address
    and created a second, empty one. Now the account follows the address first."""
    person = MemberEmployeeFactory()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled
    change_email(person, "nouvelle.adresse@example.test", django_capture_on_commit_callbacks)
    job = EnrolmentJob.objects.get(kind=Kind.ACCOUNT)
    assert (job.state, job.moodle_user_id, job.registration) == (State.DONE, enrolled, None)
    assert moodle.users[enrolled]["email"] == "nouvelle.adresse@example.test"
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled
    assert len(moodle.people()) == 1
    assert moodle.enrolments[(enrolled, 42)]["status"] == "active"


def test_an_email_change_before_the_first_login_is_no_lockout(
    moodle, oidc_client, django_capture_on_commit_callbacks
):
    """The issue's last row, with the mapping the former guide had added (sub → username):
    the address changed before the first login, Moodle's username « 3 » exists, and Moodle
    refused the login (`accountexists`). Now the account has the new address: it is found."""
    discovery = HttpClient().get("/.well-known/openid-configuration").json()
    moodle.save_issuer(baseurl=ISSUER, discovery=discovery)
    moodle.field_mappings["sub"] = "username"
    person = MemberEmployeeFactory()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    change_email(person, "changee.avant@example.test", django_capture_on_commit_callbacks)
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled
    # Discovery run again (a new service, a changed base URL): the mapping is gone, the
    # login's username falls back to the email, and the person still lands at home.
    moodle.discover(discovery)
    change_email(person, "encore.une@example.test", django_capture_on_commit_callbacks)
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled
    assert len(moodle.people()) == 1


def test_without_the_update_moodle_would_split_the_person(
    issuer, moodle, oidc_client, settings, django_capture_on_commit_callbacks
):
    """Why the account follows the address: a login with an address Moodle does not know
    creates a second account. Should that happen before the update (Moodle down meanwhile),
    the update does not take the address from that account: staff are told what to do."""
    person = MemberEmployeeFactory()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    settings.E_PARCOURSPRO_WS_TOKEN = ""  # the update waits
    change_email(person, "pressee@example.test", django_capture_on_commit_callbacks)
    second = moodle.oauth_login(claims(person, oidc_client))
    assert second != enrolled
    settings.E_PARCOURSPRO_WS_TOKEN = moodle.token
    with django_capture_on_commit_callbacks(execute=True):
        services.run_due_jobs()
    job = EnrolmentJob.objects.get(kind=Kind.ACCOUNT)
    assert (job.state, job.error_code) == (State.FAILED, "email_taken")
    email = Email.objects.get(template="e_parcourspro_job_failed")
    assert "gardez le compte qui a ses parcours" in email.body_text


def test_names_follow_too(issuer, moodle, oidc_client, django_capture_on_commit_callbacks):
    person = MemberEmployeeFactory(first_name="Camille", last_name="Martin")
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    person.last_name = "Martin-Durand"
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
    assert moodle.users[enrolled]["lastname"] == "Martin-Durand"


def test_a_person_never_enrolled_records_no_update(moodle, django_capture_on_commit_callbacks):
    person = MemberEmployeeFactory()
    change_email(person, "autre@example.test", django_capture_on_commit_callbacks)
    assert not EnrolmentJob.objects.exists()


def test_a_save_that_changes_neither_address_nor_name_records_nothing(
    moodle, django_capture_on_commit_callbacks
):
    person = MemberEmployeeFactory()
    confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    person.phone = "05 56 99 99 99"
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
        person.save(update_fields=["last_login"])
    assert not EnrolmentJob.objects.filter(kind=Kind.ACCOUNT).exists()


def test_an_account_moodle_created_at_a_first_login_is_adopted(
    issuer, moodle, oidc_client, django_capture_on_commit_callbacks
):
    """Logged in before any enrolment: Moodle created the account (username = email).
    The enrolment finds it by its address, gives it the person's number, and later address
    changes follow it."""
    person = MemberEmployeeFactory()
    created = moodle.oauth_login(claims(person, oidc_client))
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    assert EnrolmentJob.objects.get(registration=registration).moodle_user_id == created
    change_email(person, "suite@example.test", django_capture_on_commit_callbacks)
    assert moodle.oauth_login(claims(person, oidc_client)) == created
    assert len(moodle.people()) == 1


def test_moodle_requires_https_for_the_service_and_its_endpoints(moodle, settings, oidc_client):
    """issuer::validate_baseurl and endpoint::validate_url refuse http: a ParcoursPro
    reached in http (the demo's default) cannot be entered in Moodle."""
    with pytest.raises(LoginRefused, match="sslonlyaccess"):
        moodle.save_issuer(baseurl="http://127.0.0.1:8000")
    settings.IDP_OIDC_ISSUER = ""
    http_discovery = HttpClient().get("/.well-known/openid-configuration").json()
    assert http_discovery["userinfo_endpoint"].startswith("http://")
    with pytest.raises(LoginRefused, match="sslonlyaccess"):
        moodle.discover(http_discovery)


def test_an_empty_logo_becomes_favicon_ico_which_parcourspro_serves(moodle, client):
    """api::guess_image: an empty « Logo URL » becomes https://<host>/favicon.ico."""
    moodle.save_issuer(baseurl=ISSUER)
    assert moodle.issuer_image == f"{ISSUER}/favicon.ico"
    for path in ("/favicon.ico", "/e-parcourspro/logo.svg"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer["Location"].endswith(".svg")


def test_the_account_has_the_address_moodle_sees_at_the_login(
    issuer, moodle, oidc_client, django_capture_on_commit_callbacks
):
    """The `email` claim is the primary address in lower case: the account gets that one."""
    person = MemberEmployeeFactory(email="Camille.Martin@Example.test")
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    assert moodle.users[enrolled]["email"] == claims(person, oidc_client)["email"]
    assert moodle.oauth_login(claims(person, oidc_client)) == enrolled


def test_what_the_token_cannot_see_is_not_rewritten_at_each_enrolment(
    moodle, django_capture_on_commit_callbacks
):
    """Without moodle/site:viewfullnames Moodle returns no names: an enrolment of an account
    that is ParcoursPro's does not rewrite them (nor need core_user_update_users)."""
    moodle.capabilities.discard("moodle/site:viewfullnames")
    person = MemberEmployeeFactory()
    number = str(person.pk)
    moodle.add_user(number, auth="oauth2", email=person.email, idnumber=number)
    confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    assert "core_user_update_users" not in moodle.functions_called()


def test_an_address_change_is_sent_even_when_the_token_cannot_see_addresses(
    moodle, django_capture_on_commit_callbacks
):
    moodle.capabilities.discard("moodle/site:viewuseridentity")
    person = MemberEmployeeFactory()
    registration = confirm_now(tutored_session(), django_capture_on_commit_callbacks, person)
    enrolled = EnrolmentJob.objects.get(registration=registration).moodle_user_id
    change_email(person, "invisible@example.test", django_capture_on_commit_callbacks)
    assert moodle.users[enrolled]["email"] == "invisible@example.test"
