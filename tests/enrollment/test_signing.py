"""Electronic attendance through the services: the provider opens a half-day's signing, each
participant signs for themselves only while it is open, the provider corrects with a traced
reason and validates; at a distance, from the connections. The clock is moved to each edge."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from catalog.models import ActionKind
from enrollment import services
from enrollment.attendance import attested_half_days
from enrollment.models import (
    AttendanceCorrection,
    AttendanceSheet,
    HalfDayAttendance,
    Registration,
    RegistrationStatus,
)
from enrollment.rules import RuleViolation
from enrollment.services.signing import CODE_ALPHABET, CODE_LENGTH
from tests.factories import (
    MemberEmployeeFactory,
    UserFactory,
    confirmed,
    provider_user_of,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
Status = RegistrationStatus
DAY = dt.date(2027, 3, 15)
START = dt.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
AM, PM = "am", "pm"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def at(hour, minute=0):
    return time_machine.travel(dt.datetime(2027, 3, 15, hour, minute, tzinfo=PARIS), tick=False)


@pytest.fixture
def course(member_structure):
    """A training in person on Monday 15 March 2027, 9:00–17:00, two participants."""
    session = session_of(ActionKind.TRAINING, starts_at=START)
    session.ends_at = START.replace(hour=17)
    session.save()
    anne = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    bruno = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    return session, provider_user_of(session), anne, bruno


def row(registration, half=AM):
    return HalfDayAttendance.objects.filter(registration=registration, day=DAY, half=half).first()


def status(registration):
    return Registration.objects.get(pk=registration.pk).status


def opened(course, hour=8, minute=45, half=AM):
    session, provider, _anne, _bruno = course
    with at(hour, minute):
        return services.open_signing(session, day=DAY, half=half, by=provider)


def test_the_signing_opens_30_minutes_before_the_half_day_and_no_sooner(course):
    session, provider, _anne, _bruno = course
    with at(8, 29), pytest.raises(RuleViolation, match="30 minutes avant son début"):
        services.open_signing(session, day=DAY, half=AM, by=provider)
    sheet = opened(course, 8, 30)
    assert len(sheet.code) == CODE_LENGTH and set(sheet.code) <= set(CODE_ALPHABET)
    assert sheet.closes_at == dt.datetime(2027, 3, 15, 13, 30, tzinfo=PARIS)
    # Too late: more than 30 minutes after the half-day's end (13:00).
    with at(13, 30), pytest.raises(RuleViolation, match="terminée depuis plus de"):
        services.open_signing(session, day=DAY, half=AM, by=provider)


def test_only_the_provider_or_staff_opens_it(course):
    session, _provider, anne, _bruno = course
    with at(8, 45), pytest.raises(PermissionDenied):
        services.open_signing(session, day=DAY, half=AM, by=anne.user)


def test_a_participant_signs_for_themselves_while_it_is_open(course):
    _session, _provider, anne, _bruno = course
    sheet = opened(course)
    with at(9, 5):
        signed = services.sign(sheet, user=anne.user, drawing=PNG)
    assert (signed.present, signed.source) == (True, HalfDayAttendance.Source.SIGNATURE)
    assert signed.signed_at == dt.datetime(2027, 3, 15, 9, 5, tzinfo=PARIS)
    assert bytes(signed.signature) == PNG
    with at(9, 30):
        again = services.sign(sheet, user=anne.user)
    assert again.signed_at == signed.signed_at  # the first time stays
    # Signed but not validated yet: nothing is attested, the state does not move.
    assert attested_half_days(anne) == set()
    assert status(anne) == Status.CONFIRMED


@pytest.mark.parametrize(
    "moment", [(8, 40), (13, 30), (15, 0)], ids=["before_opening", "at_its_end", "afternoon"]
)
def test_signing_outside_the_window_is_refused(course, moment):
    _session, _provider, anne, _bruno = course
    sheet = AttendanceSheet.objects.get(pk=opened(course).pk)
    if moment == (8, 40):  # not opened yet: the sheet exists only once opened
        sheet.opened_at = dt.datetime(2027, 3, 15, 8, 45, tzinfo=PARIS)
    with at(*moment), pytest.raises(RuleViolation, match="n'est pas ouverte"):
        services.sign(sheet, user=anne.user)
    assert row(anne) is None


def test_a_closed_signing_refuses_and_a_new_opening_has_a_new_code(course):
    session, provider, anne, _bruno = course
    sheet = opened(course)
    with at(9, 10):
        services.close_signing(sheet, by=provider)
    with at(9, 11), pytest.raises(RuleViolation, match="n'est pas ouverte"):
        services.sign(sheet, user=anne.user)
    with at(9, 12):
        reopened = services.open_signing(session, day=DAY, half=AM, by=provider)
        services.sign(reopened, user=anne.user)
    assert reopened.code != sheet.code
    assert row(anne).present


def test_nobody_signs_for_someone_else(course):
    """The page has no one to choose: the service signs the person logged in, and only for
    their own confirmed registration of the sheet's session."""
    session, _provider, anne, bruno = course
    sheet = opened(course)
    stranger = UserFactory()
    waiting = register(MemberEmployeeFactory(), session_of(ActionKind.WEBINAR))[0].user
    elsewhere = confirmed(session_of(ActionKind.TRAINING, starts_at=START)).user
    with at(9, 5):
        for someone in (stranger, waiting, elsewhere):
            with pytest.raises(RuleViolation, match="que pour vous-même"):
                services.sign(sheet, user=someone)
        services.sign(sheet, user=bruno.user)
    assert row(anne) is None and row(bruno).present


def test_a_drawing_that_is_not_a_png_is_refused(course):
    _session, _provider, anne, _bruno = course
    sheet = opened(course)
    with at(9, 5), pytest.raises(RuleViolation, match="dessin de la signature"):
        services.sign(sheet, user=anne.user, drawing=b"<svg onload=alert(1)>")


def test_validation_attests_the_signatures_and_notes_the_others_absent(
    course, django_capture_on_commit_callbacks
):
    session, provider, anne, bruno = course
    sheet = opened(course)
    with at(9, 5):
        services.sign(sheet, user=anne.user)
    with at(8, 59), pytest.raises(RuleViolation, match="n'a pas commencé"):
        services.validate_sheet(session, day=DAY, half=AM, by=provider)
    with at(12, 50), django_capture_on_commit_callbacks(execute=True):
        services.validate_sheet(session, day=DAY, half=AM, by=provider)
    sheet.refresh_from_db()
    assert sheet.validated_at is not None and sheet.validated_by_name
    assert sheet.closes_at == dt.datetime(2027, 3, 15, 12, 50, tzinfo=PARIS)  # closed with it
    assert attested_half_days(anne) == {(DAY, AM)}
    assert (row(bruno).present, row(bruno).source) == (False, HalfDayAttendance.Source.PROVIDER)
    assert (status(anne), status(bruno)) == (Status.ATTENDED, Status.ABSENT)
    with at(12, 55), pytest.raises(RuleViolation, match="déjà validée"):
        services.sign(sheet, user=bruno.user)


def test_a_correction_needs_a_reason_and_is_traced(course):
    session, provider, anne, bruno = course
    sheet = opened(course)
    with at(9, 5):
        services.sign(sheet, user=anne.user)
    with at(12, 50):
        services.validate_sheet(session, day=DAY, half=AM, by=provider)
        with pytest.raises(RuleViolation):
            services.correct_attendance(sheet, bruno, present=True, reason="  ", by=provider)
        services.correct_attendance(
            sheet, bruno, present=True, reason="A oublié de signer", by=provider
        )
        with pytest.raises(RuleViolation, match="déjà celle-ci"):
            services.correct_attendance(sheet, bruno, present=True, reason="Encore", by=provider)
        services.correct_attendance(
            sheet, anne, present=False, reason="Partie à 9 h 30", by=provider
        )
    [correction] = AttendanceCorrection.objects.filter(registration=bruno)
    assert (correction.before, correction.after, correction.reason) == (
        False,
        True,
        "A oublié de signer",
    )
    assert correction.by == provider and correction.by_name
    assert correction.at == dt.datetime(2027, 3, 15, 12, 50, tzinfo=PARIS)
    assert (status(anne), status(bruno)) == (Status.ABSENT, Status.ATTENDED)
    assert row(anne).signed_at is not None  # the signature stays, as evidence


def test_the_attendance_form_cannot_overwrite_a_signature(course):
    """The provider space's form records half-days nobody signed; a signed (or validated)
    half-day changes only through a traced correction."""
    _session, provider, anne, bruno = course
    sheet = opened(course)
    with at(9, 5):
        services.sign(sheet, user=anne.user)
    with at(17, 30):
        with pytest.raises(RuleViolation, match="avec un motif"):
            services.record_half_days(anne, by=provider, present={(DAY, PM)})
        services.record_half_days(anne, by=provider, present={(DAY, AM), (DAY, PM)})
        services.record_half_days(bruno, by=provider, present={(DAY, PM)})
    assert row(anne).source == HalfDayAttendance.Source.SIGNATURE
    assert attested_half_days(anne) == {(DAY, PM)}  # the morning's sheet is not validated
    assert (status(anne), status(bruno)) == (Status.ATTENDED, Status.ATTENDED)


def test_at_a_distance_presence_comes_from_the_connections(member_structure):
    session = session_of(ActionKind.TRAINING, starts_at=START, format="remote")
    session.ends_at = START.replace(hour=12)
    session.save()
    provider = provider_user_of(session)
    anne = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    bruno = confirmed(session, MemberEmployeeFactory(structure=member_structure))
    with at(8, 45), pytest.raises(RuleViolation, match="à distance"):
        services.open_signing(session, day=DAY, half=AM, by=provider)
    with at(12, 5):
        services.validate_sheet(session, day=DAY, half=AM, by=provider, connected={anne.pk})
    assert (row(anne).present, row(anne).source) == (True, HalfDayAttendance.Source.CONNECTION)
    assert row(bruno).present is False
    assert (status(anne), status(bruno)) == (Status.ATTENDED, Status.ABSENT)
