"""`manage.py e_parcourspro_check`, run by the administrator after set-up, against a Moodle
that behaves as Moodle's code does: what is missing, in French, and a non-zero exit."""

import copy
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import tutored_session

pytestmark = pytest.mark.django_db


def run_check(*args):
    out = StringIO()
    try:
        call_command("e_parcourspro_check", *args, stdout=out)
    except CommandError as error:
        return False, out.getvalue(), str(error)
    return True, out.getvalue(), ""


def test_a_moodle_set_up_as_the_guide_says_passes_and_nothing_changes(moodle):
    tutored_session(course_id=42)
    users, enrolments = copy.deepcopy(moodle.users), copy.deepcopy(moodle.enrolments)
    ok, out, _ = run_check()
    assert ok, out
    assert "[MANQUE]" not in out
    assert "compte « parcourspro-ws »" in out
    assert "Les fonctions nécessaires sont dans le service." in out
    assert "Cours 42 : il existe" in out
    assert "L'inscription automatique a ce qu'il lui faut" in out
    assert (moodle.users, moodle.enrolments) == (users, enrolments)
    assert "core_webservice_get_site_info" in moodle.functions_called()


def test_without_a_token(moodle, settings):
    settings.E_PARCOURSPRO_WS_TOKEN = ""
    ok, out, error = run_check()
    assert not ok
    assert "E_PARCOURSPRO_WS_TOKEN n'est pas défini" in out
    assert "1 point(s) à corriger" in error


def test_rest_off(moodle):
    moodle.rest_enabled = False
    ok, out, _ = run_check()
    assert not ok
    assert "réponse vide" in out
    assert "Gérer les protocoles" in out


def test_a_nologin_service_account(moodle):
    moodle.service_user["auth"] = "nologin"
    moodle.debugging = "normal"
    ok, out, _ = run_check()
    assert not ok
    assert "« Pas de connexion »" in out
    assert "Comptes manuels" in out


def test_an_invalid_token(moodle, settings):
    settings.E_PARCOURSPRO_WS_TOKEN = "pas-le-bon"
    ok, out, _ = run_check()
    assert not ok
    assert "invalidtoken" in out


@pytest.mark.parametrize(
    "function",
    ["core_user_get_users_by_field", "core_user_update_users", "enrol_manual_enrol_users"],
)
def test_a_function_missing_from_the_service(moodle, function):
    moodle.service_functions.discard(function)
    ok, out, _ = run_check()
    assert not ok
    assert f"[MANQUE] La fonction {function} n'est pas dans le service" in out


def test_site_info_missing_from_the_service(moodle):
    moodle.debugging = "normal"
    moodle.service_functions.discard("core_webservice_get_site_info")
    ok, out, _ = run_check()
    assert not ok
    assert "core_webservice_get_site_info n'est pas dans le service" in out


@pytest.mark.parametrize(
    ("capability", "said"),
    [
        ("moodle/user:viewdetails", "moodle/user:viewdetails ou moodle/user:viewalldetails"),
        ("moodle/user:viewalldetails", "moodle/user:viewdetails ou moodle/user:viewalldetails"),
        ("moodle/site:viewuseridentity", "moodle/site:viewuseridentity"),
        ("moodle/user:create", "Création de comptes"),
        ("moodle/user:update", "Mise à jour des comptes"),
        ("enrol/manual:enrol", "Cours 42"),
        ("moodle/course:view", "moodle/course:view"),
        ("webservice/rest:use", "webservice/rest:use"),
    ],
)
def test_a_missing_capability_is_named(moodle, capability, said):
    tutored_session(course_id=42)
    moodle.debugging = "normal"
    moodle.capabilities.discard(capability)
    ok, out, _ = run_check()
    assert not ok, out
    missing = [line for line in out.splitlines() if line.startswith("[MANQUE]")]
    assert missing and said in " ".join(missing)


def test_an_unknown_course(moodle):
    ok, out, _ = run_check("--course", "77")
    assert not ok
    assert "[MANQUE] Cours 77 : Moodle ne le trouve pas" in out


def test_an_admin_token_works_with_a_warning(moodle):
    moodle.site_admins.add(moodle.service_user_id)
    moodle.capabilities.clear()
    ok, out, _ = run_check("--course", "42")
    assert ok, out
    assert "[ATTENTION] Le jeton appartient à un administrateur" in out


def test_moodle_down(settings):
    settings.E_PARCOURSPRO_WS_TOKEN = "un-jeton"
    settings.E_PARCOURSPRO_URL = "http://127.0.0.1:9"
    settings.E_PARCOURSPRO_WS_TIMEOUT = 0.5
    ok, out, _ = run_check()
    assert not ok
    assert "Moodle ne répond pas" in out
    assert "[ATTENTION] E_PARCOURSPRO_URL (http://127.0.0.1:9) est en http" in out
