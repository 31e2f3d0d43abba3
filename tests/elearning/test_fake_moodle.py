"""The fake behaves as Moodle's code does (the rules other tests stand on)."""

import pytest

from elearning.moodle import MoodleClient, MoodleError
from tests.elearning.conftest import TOKEN


def client_of(moodle):
    return MoodleClient(url=moodle.url, token=TOKEN, timeout=1.0)


@pytest.mark.parametrize(
    ("capability", "field"),
    [
        ("moodle/user:viewdetails", "username"),
        ("moodle/user:viewalldetails", "username"),
        ("moodle/user:viewalldetails", "idnumber"),
        ("moodle/site:viewuseridentity", "email"),
    ],
)
def test_users_the_token_cannot_see_in_full_are_left_out(moodle, capability, field):
    """core_user_get_users_by_field returns a user only if the searched field is returned
    (user_get_user_details: username and idnumber with viewalldetails, email as an identity
    field with viewuseridentity, nobody without viewdetails)."""
    user_id = moodle.add_user("7", idnumber="7", email="sept@example.test")
    value = {"username": "7", "idnumber": "7", "email": "sept@example.test"}[field]
    assert [u["id"] for u in client_of(moodle).users_by_field(field, value)] == [user_id]
    moodle.capabilities.discard(capability)
    assert client_of(moodle).users_by_field(field, value) == []


@pytest.mark.parametrize(
    ("capability", "call", "code"),
    [
        ("moodle/user:create", "create", "nopermissions"),
        ("moodle/user:update", "update", "nopermissions"),
        ("enrol/manual:enrol", "enrol", "nopermissions"),
        ("moodle/course:view", "enrol", "requireloginerror"),
        ("moodle/role:assign", "enrol", "wsusercannotassign"),
        ("webservice/rest:use", "create", "accessexception"),
    ],
)
def test_missing_capabilities_are_refused_as_moodle_does(moodle, capability, call, code):
    moodle.capabilities.discard(capability)
    client = client_of(moodle)
    user_id = moodle.add_user("7", email="sept@example.test")
    with pytest.raises(MoodleError) as raised:
        if call == "create":
            client.create_user(
                username="8", firstname="A", lastname="B", email="huit@example.test", idnumber="8"
            )
        elif call == "update":
            client.update_user(user_id, email="autre@example.test")
        else:
            client.enrol(
                user_id=user_id, course_id=42, role_id=5, timestart=0, timeend=0, suspend=False
            )
    assert raised.value.errorcode == code


def test_a_course_without_manual_enrolment_is_refused(moodle):
    moodle.courses_without_manual.add(42)
    user_id = moodle.add_user("7", email="sept@example.test")
    with pytest.raises(MoodleError) as raised:
        client_of(moodle).enrol(
            user_id=user_id, course_id=42, role_id=5, timestart=0, timeend=0, suspend=False
        )
    assert raised.value.errorcode == "wsnoinstance"


def test_a_function_outside_the_service_is_an_access_exception(moodle):
    moodle.debugging = "normal"
    moodle.service_functions.discard("core_user_update_users")
    with pytest.raises(MoodleError) as raised:
        client_of(moodle).update_user(1, email="x@example.test")
    assert raised.value.errorcode == "accessexception"
    assert "Access to the function core_user_update_users() is not allowed" in (
        raised.value.debuginfo
    )


def test_update_users_skips_an_address_another_account_holds(moodle):
    """core_user_external::update_users: `continue`, without an error."""
    first = moodle.add_user("7", email="sept@example.test")
    moodle.add_user("8", email="huit@example.test")
    assert client_of(moodle).update_user(first, email="huit@example.test") == []
    assert moodle.users[first]["email"] == "sept@example.test"
