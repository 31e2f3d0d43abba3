"""The REST client against a local server speaking Moodle's protocol."""

import pytest

from elearning.moodle import MoodleClient, MoodleError, MoodleUnavailable, flatten
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


def test_create_find_and_enrol_a_user(moodle):
    client = client_of(moodle)
    assert client.user_by_username("7") is None
    user_id = client.create_user(
        username="7", firstname="Léa", lastname="Dupré", email="lea@example.test", idnumber="7"
    )
    assert client.user_by_username("7")["id"] == user_id
    client.enrol(
        user_id=user_id, course_id=42, role_id=5, timestart=1000, timeend=2000, suspend=False
    )
    assert moodle.users[user_id]["auth"] == "oauth2"
    assert moodle.users[user_id]["firstname"] == "Léa"
    assert moodle.enrolments[(user_id, 42)] == {
        "roleid": 5,
        "timestart": 1000,
        "timeend": 2000,
        "status": "active",
    }


def test_a_moodle_exception_answered_with_http_200_is_an_error(moodle):
    with pytest.raises(MoodleError) as raised:
        client_of(moodle, token="mauvais-jeton").user_by_username("7")
    assert raised.value.errorcode == "invalidtoken"
    assert "Invalid token" in raised.value.describe()


def test_an_unknown_course_is_an_error(moodle):
    client = client_of(moodle)
    user_id = moodle.add_user("7")
    with pytest.raises(MoodleError) as raised:
        client.enrol(
            user_id=user_id, course_id=999, role_id=5, timestart=0, timeend=0, suspend=False
        )
    assert raised.value.errorcode == "invalidrecord"
    assert raised.value.exception == "dml_missing_record_exception"


@pytest.mark.parametrize("mode", ["503", "garbage", "slow"])
def test_a_moodle_that_does_not_answer_usefully_is_unavailable(moodle, mode):
    moodle.mode = mode
    client = MoodleClient(url=moodle.url, token=TOKEN, timeout=0.5)
    with pytest.raises(MoodleUnavailable):
        client.user_by_username("7")


def test_a_closed_port_is_unavailable():
    with pytest.raises(MoodleUnavailable):
        MoodleClient(url=closed_port_url(), token=TOKEN, timeout=1.0).user_by_username("7")


def test_a_wrong_address_is_an_error_not_retried(moodle):
    client = MoodleClient(url=moodle.url + "/ailleurs", token=TOKEN, timeout=1.0)
    with pytest.raises(MoodleError) as raised:
        client.user_by_username("7")
    assert raised.value.errorcode == "http_404"
