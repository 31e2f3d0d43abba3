"""The REST client against a local server that behaves as Moodle's code does."""

import pytest

from elearning.moodle import (
    MoodleClient,
    MoodleError,
    MoodleUnavailable,
    MoodleUnexpected,
    flatten,
)
from tests.elearning.conftest import TOKEN
from tests.elearning.fake_moodle import closed_port_url, unflatten


def client_of(moodle, **kwargs):
    return MoodleClient(url=moodle.url, token=kwargs.pop("token", TOKEN), timeout=1.0, **kwargs)


def test_arrays_are_flattened_the_way_moodle_reads_them():
    pairs = flatten({"users": [{"username": "7", "auth": "oauth2"}], "field": "username"})
    assert pairs == [
        ("users[0][username]", "7"),
        ("users[0][auth]", "oauth2"),
        ("field", "username"),
    ]
    assert unflatten(pairs) == {"users": [{"username": "7", "auth": "oauth2"}], "field": "username"}


def test_create_find_update_and_enrol_a_user(moodle):
    client = client_of(moodle)
    assert client.user_by_username("7") is None
    user_id = client.create_user(
        username="7", firstname="Léa", lastname="Dupré", email="lea@example.test", idnumber="7"
    )
    assert client.user_by_username("7")["id"] == user_id
    assert client.users_by_field("idnumber", "7")[0]["id"] == user_id
    assert client.users_by_field("email", "lea@example.test")[0]["id"] == user_id
    assert client.update_user(user_id, email="lea.dupre@example.test") == []
    client.enrol(
        user_id=user_id, course_id=42, role_id=5, timestart=1000, timeend=2000, suspend=False
    )
    assert moodle.users[user_id]["auth"] == "oauth2"
    assert moodle.users[user_id]["firstname"] == "Léa"
    assert moodle.users[user_id]["email"] == "lea.dupre@example.test"
    assert moodle.enrolments[(user_id, 42)] == {
        "roleid": 5,
        "timestart": 1000,
        "timeend": 2000,
        "status": "active",
    }
    # enrol_plugin::enrol_user on an existing enrolment: its dates and status change.
    client.enrol(
        user_id=user_id, course_id=42, role_id=5, timestart=1500, timeend=9000, suspend=True
    )
    assert moodle.enrolments[(user_id, 42)]["timeend"] == 9000
    assert moodle.enrolments[(user_id, 42)]["status"] == "suspended"


def test_a_moodle_exception_answered_with_http_200_is_an_error(moodle):
    with pytest.raises(MoodleError) as raised:
        client_of(moodle, token="mauvais-jeton").user_by_username("7")
    assert raised.value.errorcode == "invalidtoken"
    assert "Invalid token" in raised.value.describe()


@pytest.mark.parametrize("debugging", ["", "normal", "developer"])
def test_an_unknown_course_is_an_invalid_parameter(moodle, debugging):
    """enrol_manual_enrol_users: context_course::instance(IGNORE_MISSING) then
    validate_context(false) → invalid_parameter_exception('Context does not exist'), whose
    detail Moodle sends only with its debugging on."""
    moodle.debugging = debugging
    client = client_of(moodle)
    user_id = moodle.add_user("7", email="sept@example.test")
    with pytest.raises(MoodleError) as raised:
        client.enrol(
            user_id=user_id, course_id=999, role_id=5, timestart=0, timeend=0, suspend=False
        )
    error = raised.value
    assert error.errorcode == "invalidparameter"
    assert error.exception == "invalid_parameter_exception"
    if debugging:
        assert error.debuginfo == "Context does not exist"
        assert "Context does not exist" in error.describe()
    else:
        assert (error.message, error.debuginfo) == ("Invalid parameter value detected", "")
    if debugging == "developer":
        assert error.message == "Invalid parameter value detected (Context does not exist)"


def test_a_nologin_service_account_is_refused(moodle):
    """webservice_server::authenticate_user refuses a token whose account has the
    « nologin » authentication."""
    moodle.service_user["auth"] = "nologin"
    moodle.debugging = "normal"
    with pytest.raises(MoodleError) as raised:
        client_of(moodle).user_by_username("7")
    assert raised.value.errorcode == "accessexception"
    assert "nologin" in raised.value.debuginfo


@pytest.mark.parametrize("mode", ["503", "slow"])
def test_a_moodle_that_does_not_answer_is_unavailable(moodle, mode):
    moodle.mode = mode
    client = MoodleClient(url=moodle.url, token=TOKEN, timeout=0.5)
    with pytest.raises(MoodleUnavailable):
        client.user_by_username("7")


def test_an_html_page_is_an_unexpected_answer_kept_for_staff(moodle):
    moodle.mode = "garbage"
    with pytest.raises(MoodleUnexpected) as raised:
        client_of(moodle).user_by_username("7")
    assert raised.value.errorcode == "unexpected_answer"
    assert raised.value.answer == "<html>Site en maintenance</html>"


def test_rest_off_is_an_empty_answer(moodle):
    moodle.rest_enabled = False
    with pytest.raises(MoodleUnexpected) as raised:
        client_of(moodle).site_info()
    assert raised.value.errorcode == "empty_answer"


def test_the_site_in_maintenance_is_unavailable_not_an_error(moodle):
    moodle.maintenance = True
    with pytest.raises(MoodleUnavailable, match="sitemaintenance"):
        client_of(moodle).site_info()


def test_a_closed_port_is_unavailable():
    with pytest.raises(MoodleUnavailable):
        MoodleClient(url=closed_port_url(), token=TOKEN, timeout=1.0).user_by_username("7")


def test_a_wrong_address_is_an_error_not_retried(moodle):
    client = MoodleClient(url=moodle.url + "/ailleurs", token=TOKEN, timeout=1.0)
    with pytest.raises(MoodleError) as raised:
        client.user_by_username("7")
    assert raised.value.errorcode == "http_404"
