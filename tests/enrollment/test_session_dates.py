"""A session's dates read as people write them (« le mardi 16 février 2027, de 9 h à 17 h »),
through one filter, the same on the site's pages and in the emails."""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from catalog.dates import hour_text, moment_text, period_text
from catalog.models import ActionKind
from enrollment import services
from mailing.models import Email
from tests.emails import rendered
from tests.factories import PARIS, SessionFactory, UserFactory, register, session_of

ONE_DAY = "le mardi 16 février 2027, de 9\u00a0h à 17\u00a0h"
TWO_DAYS = "du mardi 16 au mercredi 17 février 2027, de 9\u00a0h à 17\u00a0h"


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        pytest.param(paris(2027, 2, 16, 9), paris(2027, 2, 16, 17), ONE_DAY, id="one_day"),
        pytest.param(
            paris(2027, 2, 16, 9, 30),
            paris(2027, 2, 16, 12, 15),
            "le mardi 16 février 2027, de 9\u00a0h\u00a030 à 12\u00a0h\u00a015",
            id="half_hours",
        ),
        pytest.param(
            paris(2027, 2, 16, 14, 5),
            paris(2027, 2, 16, 15),
            "le mardi 16 février 2027, de 14\u00a0h\u00a005 à 15\u00a0h",
            id="minutes_keep_two_digits",
        ),
        pytest.param(paris(2027, 2, 16, 9), paris(2027, 2, 17, 17), TWO_DAYS, id="two_days"),
        pytest.param(
            paris(2027, 2, 16, 9),
            paris(2027, 2, 18, 12, 30),
            "du mardi 16 au jeudi 18 février 2027, de 9\u00a0h à 12\u00a0h\u00a030",
            id="three_days",
        ),
        pytest.param(
            paris(2027, 3, 31, 9),
            paris(2027, 4, 1, 17),
            "du mercredi 31 mars au jeudi 1er avril 2027, de 9\u00a0h à 17\u00a0h",
            id="across_months",
        ),
        pytest.param(
            paris(2027, 12, 30, 9, 30),
            paris(2028, 1, 3, 16, 30),
            "du jeudi 30 décembre 2027 au lundi 3 janvier 2028, "
            "de 9\u00a0h\u00a030 à 16\u00a0h\u00a030",
            id="across_years",
        ),
        pytest.param(
            paris(2027, 3, 1, 9),
            paris(2027, 3, 1, 17),
            "le lundi 1er mars 2027, de 9\u00a0h à 17\u00a0h",
            id="first_of_the_month",
        ),
        pytest.param(
            paris(2027, 2, 16, 14),
            paris(2027, 2, 17, 12),
            "du mardi 16 à 14\u00a0h au mercredi 17 février 2027 à 12\u00a0h",
            id="afternoon_to_next_morning",
        ),
        pytest.param(
            paris(2027, 2, 16, 20),
            paris(2027, 2, 17, 0),
            "le mardi 16 février 2027, de 20\u00a0h à minuit",
            id="until_midnight",
        ),
        # Stored in UTC, said in Paris time, summer (UTC+2) as winter (UTC+1).
        pytest.param(
            dt.datetime(2027, 7, 1, 7, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 7, 1, 15, 0, tzinfo=dt.UTC),
            "le jeudi 1er juillet 2027, de 9\u00a0h à 17\u00a0h",
            id="summer_time",
        ),
        pytest.param(
            dt.datetime(2027, 3, 26, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 29, 15, 0, tzinfo=dt.UTC),
            "du vendredi 26 au lundi 29 mars 2027, de 9\u00a0h à 17\u00a0h",
            id="across_the_change_to_summer_time",
        ),
    ],
)
def test_period_text(starts, ends, expected):
    assert period_text(starts, ends) == expected


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (dt.time(9, 0), "9\u00a0h"),
        (dt.time(9, 30), "9\u00a0h\u00a030"),
        (dt.time(17, 0), "17\u00a0h"),
        (dt.time(12, 5), "12\u00a0h\u00a005"),
        (dt.time(0, 0), "0\u00a0h"),
    ],
)
def test_hour_text(time, expected):
    assert hour_text(time) == expected


def test_moment_text():
    assert moment_text(paris(2027, 2, 12, 18)) == "vendredi 12 février 2027 à 18\u00a0h"


@pytest.mark.django_db
def test_the_filter_says_the_session_dates():
    session = SessionFactory(starts_at=paris(2027, 2, 16, 9), ends_at=paris(2027, 2, 17, 17))
    template = Template("{% load catalog_tags %}{{ session|session_dates }}")
    assert template.render(Context({"session": session})) == TWO_DAYS


# --- where the dates are said ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def before_the_sessions(request):
    """The pages list upcoming sessions only: the clock stands before February 2027."""
    if "django_db" not in request.keywords:
        yield
        return
    with time_machine.travel(paris(2026, 12, 1, 10), tick=False):
        yield


@pytest.fixture
def one_day_webinar():
    return session_of(
        ActionKind.WEBINAR, starts_at=paris(2027, 2, 16, 9), ends_at=paris(2027, 2, 16, 17)
    )


@pytest.fixture
def two_day_training():
    return session_of(
        ActionKind.TRAINING, starts_at=paris(2027, 2, 16, 9), ends_at=paris(2027, 2, 17, 17)
    )


def assert_said(html: str, dates: str) -> None:
    """Said in a sentence, or opening a line (« Le mardi… »)."""
    assert dates in html or dates[0].upper() + dates[1:] in html, dates


@pytest.mark.django_db
def test_the_catalogue_and_the_action_page_say_the_dates(client, one_day_webinar):
    assert_said(client.get(reverse("catalog:catalogue")).content.decode(), ONE_DAY)
    page = client.get(one_day_webinar.action.get_absolute_url()).content.decode()
    assert_said(page, ONE_DAY)


@pytest.mark.django_db
def test_the_cart_and_my_space_say_the_dates(client, employee, one_day_webinar, two_day_training):
    services.add_to_cart(employee, two_day_training)
    client.force_login(employee)
    assert_said(client.get(reverse("enrollment:cart")).content.decode(), TWO_DAYS)
    services.remove_from_cart(employee, two_day_training)
    register(employee, one_day_webinar, two_day_training)
    page = client.get(reverse("enrollment:my_space")).content.decode()
    assert_said(page, ONE_DAY)
    assert_said(page, TWO_DAYS)


@pytest.mark.django_db
def test_the_employer_space_says_the_dates(client, employee, member_structure, two_day_training):
    register(employee, two_day_training)
    client.force_login(member_structure.approver)
    assert_said(client.get(reverse("employers:space")).content.decode(), TWO_DAYS)


@pytest.mark.django_db
def test_the_emails_say_the_dates(employee, member_structure, one_day_webinar, two_day_training):
    register(employee, one_day_webinar, two_day_training)
    registration = employee.registrations.get(session=two_day_training)
    services.approve(registration, by=member_structure.approver)
    services.confirm(registration, by=UserFactory(is_staff=True))
    services.remind_participants(now=paris(2027, 2, 10, 10))  # a week before
    templates = [
        "registration_acknowledgement",
        "approval_requested",
        "provider_decision",
        "session_reminder",
    ]
    for template in templates:
        emails = rendered(Email.objects.filter(template=template))
        assert emails
        for email in emails:
            for body in (email.body_text, email.body_html):
                assert_said(body, TWO_DAYS)
    [acknowledgement] = rendered(Email.objects.filter(template="registration_acknowledgement"))
    assert_said(acknowledgement.body_text, ONE_DAY)
