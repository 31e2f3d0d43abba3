"""The certificate of completion, after the session, from the attendance recorded per
half-day: its hours follow the attendance, and it changes when the attendance does."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from documents import services
from documents.models import Document
from enrollment.models import HalfDayAttendance, Registration, RegistrationStatus
from tests.documents.pdf import text
from tests.factories import PARIS, attend, provider_user_of

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = dt.date(2027, 3, 15), dt.date(2027, 3, 16)


@pytest.fixture
def two_days(training):
    """Monday 15 and Tuesday 16 March 2027, 9:00–17:00: four half-days of 3.5 h."""
    training.ends_at = dt.datetime(2027, 3, 16, 17, tzinfo=PARIS)
    training.starts_at = dt.datetime(2027, 3, 15, 9, tzinfo=PARIS)
    training.registration_deadline = training.starts_at - dt.timedelta(days=2)
    training.save()
    return training


def certificate(registration):
    return (
        Document.objects.filter(kind="certificate", registration=registration)
        .order_by("-version")
        .first()
    )


@pytest.mark.parametrize(
    ("present", "hours", "status"),
    [
        ({(MONDAY, "am"), (MONDAY, "pm"), (TUESDAY, "am"), (TUESDAY, "pm")}, "14 h", "attended"),
        ({(MONDAY, "am"), (MONDAY, "pm"), (TUESDAY, "am")}, "10,5 h", "attended"),
        ({(TUESDAY, "pm")}, "3,5 h", "attended"),
        (set(), None, "absent"),
    ],
)
def test_certificate_hours_follow_the_attendance(
    two_days, participant_of, django_capture_on_commit_callbacks, present, hours, status
):
    registration = participant_of(two_days)
    with (
        time_machine.travel(two_days.ends_at + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attend(registration, provider_user_of(two_days), present=present, now=two_days.ends_at)
    assert Registration.objects.get(pk=registration.pk).status == status
    assert HalfDayAttendance.objects.filter(registration=registration).count() == 4
    document = certificate(registration)
    if hours is None:
        assert document is None  # absent throughout: nothing to certify
    else:
        assert f"Durée effectivement suivie {hours}" in text(document.file)


def test_a_correction_of_attendance_makes_a_new_certificate(
    two_days, participant_of, django_capture_on_commit_callbacks
):
    registration = participant_of(two_days)
    provider = provider_user_of(two_days)
    with time_machine.travel(two_days.ends_at + dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            attend(registration, provider, present={(MONDAY, "am")}, now=two_days.ends_at)
        with django_capture_on_commit_callbacks(execute=True):
            attend(
                registration,
                provider,
                present={(MONDAY, "am"), (MONDAY, "pm")},
                now=two_days.ends_at,
            )
    versions = Document.objects.filter(kind="certificate", registration=registration)
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]
    assert "Durée effectivement suivie 7 h" in text(certificate(registration).file)


def test_no_certificate_before_the_end_then_the_sweep_issues_it(
    two_days, participant_of, django_capture_on_commit_callbacks
):
    """Attendance noted on the first day: the certificate comes once the session is over."""
    from documents.services import certificates_of_ended_sessions

    registration = participant_of(two_days)
    during = two_days.starts_at + dt.timedelta(hours=2)
    with (
        time_machine.travel(during, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attend(registration, provider_user_of(two_days), present={(MONDAY, "am")}, now=during)
    assert certificate(registration) is None
    with time_machine.travel(two_days.ends_at + dt.timedelta(hours=1), tick=False):
        assert certificates_of_ended_sessions() == 1
    assert "3,5 h" in text(certificate(registration).file)


def test_the_provider_records_half_days_on_the_session_page(
    client, two_days, participant_of, django_capture_on_commit_callbacks
):
    registration = participant_of(two_days)
    provider = provider_user_of(two_days)
    url = reverse("operations:provider_attendance", args=[two_days.pk])
    with (
        time_machine.travel(two_days.ends_at + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(provider)
        page = client.get(reverse("operations:provider_session", args=[two_days.pk]))
        assert f'name="demi_journees_{registration.pk}"' in page.content.decode()
        client.post(
            url,
            {
                f"presence_{registration.pk}": "present",
                f"demi_journees_{registration.pk}": ["2027-03-15-am", "2027-03-16-pm"],
            },
        )
    present = set(
        HalfDayAttendance.objects.filter(registration=registration, present=True).values_list(
            "day", "half"
        )
    )
    assert present == {(MONDAY, "am"), (TUESDAY, "pm")}
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.ATTENDED
    assert "Durée effectivement suivie 7 h" in text(certificate(registration).file)


def test_refresh_is_idempotent(two_days, participant_of, django_capture_on_commit_callbacks):
    registration = participant_of(two_days)
    with time_machine.travel(two_days.ends_at + dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            attend(
                registration,
                provider_user_of(two_days),
                present={(MONDAY, "am")},
                now=two_days.ends_at,
            )
        assert services.refresh_certificate(registration.pk).version == 1
