"""What people read says what the settings and constants say: the recommended delay, the
quotas, the membership prices, the late-cancellation days, the programme's phone."""

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from employers.constants import BASE_MEMBERSHIP_PRICE, EXTENDED_MEMBERSHIP_PRICE
from employers.models import Membership
from enrollment import rules, services
from enrollment.rules import RuleViolation
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, SessionFactory, UserFactory, register, session_of
from web.context_processors import phone_uri

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def employee():
    """An employee of a member structure, with another person approving its requests."""
    employee = MemberEmployeeFactory()
    employee.approver = UserFactory(structure=employee.structure)
    employee.structure.approvers.add(employee.approver)
    return employee


@pytest.mark.parametrize(
    ("days", "said"),
    [(21, "3 semaines"), (14, "2 semaines"), (7, "1 semaine"), (30, "30 jours"), (1, "1 jour")],
)
def test_q12_the_lead_time_warning_names_the_recommended_delay(days, said):
    warning = rules.lead_time_warning(
        member_only=True,
        now=START - dt.timedelta(days=days, hours=-1),
        starts_at=START,
        recommended_days=days,
    )
    assert f"Il reste moins de {said} avant le début" in warning
    assert f"s'inscrire au moins {said} avant" in warning


def test_q12_the_action_page_warns_with_recommended_lead_days(client, settings):
    """With RECOMMENDED_LEAD_DAYS = 30, a session 25 days ahead is warned about, in days."""
    settings.RECOMMENDED_LEAD_DAYS = 30
    now = timezone.now()
    session = SessionFactory(
        starts_at=now + dt.timedelta(days=25), registration_deadline=now + dt.timedelta(days=20)
    )
    html = client.get(session.action.get_absolute_url()).content.decode()
    assert "Il reste moins de 30 jours avant le début" in html
    assert "3 semaines" not in html.split("Il reste moins de")[1][:60]


def test_q12_the_cart_warns_with_recommended_lead_days(client, settings, employee):
    settings.RECOMMENDED_LEAD_DAYS = 30
    services.add_to_cart(employee, session_of(ActionKind.TRAINING, days=25))
    client.force_login(employee)
    body = client.get(reverse("enrollment:cart")).content.decode()
    assert body.count("moins de 30 jours") == 1
    assert "moins de 3 semaines" not in body


def test_q10_the_training_quota_message_says_the_configured_totals(monkeypatch):
    monkeypatch.setattr(rules, "ANNUAL_MEMBER_ONLY_QUOTA", 6)
    monkeypatch.setattr(rules, "ANNUAL_TRAINING_QUOTA", 5)
    with pytest.raises(RuleViolation) as refusal:
        rules.check_annual_quota(
            member_only=True,
            is_training=True,
            year=2027,
            counted_member_only=5,
            counted_trainings=5,
        )
    assert "la limite de 5 actions de formation pour 2027 (sur 6 actions" in refusal.value.message
    assert "sur 4" not in refusal.value.message


def test_q3_the_membership_refusal_gives_the_one_set_of_prices(settings):
    settings.MEMBERSHIP_CONTACT_EMAIL = "adhesions@example.test"
    with pytest.raises(RuleViolation) as refusal:
        rules.check_membership(member_only=True, structure_is_member=False, year=2027)
    message = refusal.value.message
    assert f"la cotisation de base ({BASE_MEMBERSHIP_PRICE} €)" in message
    assert f"la cotisation élargie ({EXTENDED_MEMBERSHIP_PRICE} €," in message
    assert "Contact : adhesions@example.test." in message  # the setting, not a copy of it


def test_q3_membership_labels_and_default_amounts_use_the_same_prices(employee):
    base, extended = Membership.Formula.BASE, Membership.Formula.EXTENDED
    assert Membership.PRICES[base] == Decimal(BASE_MEMBERSHIP_PRICE)
    assert Membership.PRICES[extended] == Decimal(EXTENDED_MEMBERSHIP_PRICE)
    assert f"({BASE_MEMBERSHIP_PRICE} €)" in str(base.label)
    assert f"({EXTENDED_MEMBERSHIP_PRICE} €," in str(extended.label)
    membership = Membership.objects.create(
        structure=employee.structure, year=2030, formula=extended
    )
    membership.refresh_from_db()
    assert membership.amount == EXTENDED_MEMBERSHIP_PRICE


def test_q3_pages_give_the_prices_of_the_constants(client, employee, monkeypatch):
    """The Employer Space and the staff dashboard read the prices where the rules do."""
    monkeypatch.setattr("web.context_processors.BASE_MEMBERSHIP_PRICE", 120)
    monkeypatch.setattr("web.context_processors.EXTENDED_MEMBERSHIP_PRICE", 180)
    employee.structure.memberships.all().delete()
    client.force_login(employee.approver)
    html = unescape(client.get(reverse("employers:space")).content.decode())
    assert "la cotisation de base, 120\u00a0€\u00a0;" in html
    assert "la cotisation élargie, 180\u00a0€, qui permet" in html
    client.force_login(UserFactory(is_staff=True))
    html = unescape(client.get(reverse("operations:dashboard")).content.decode())
    assert "(cotisation de base 120\u00a0€, élargie 180\u00a0€)" in html


def test_q11_emails_say_the_late_cancellation_days(settings, employee):
    settings.LATE_CANCELLATION_DAYS = 7
    [registration] = register(employee, session_of(ActionKind.TRAINING, days=5))
    acknowledgement = rendered(Email.objects.get(template="registration_acknowledgement"))
    assert "moins de 7 jours avant le début" in acknowledgement.body_text
    assert "moins de 7 jours avant le début" in acknowledgement.body_html
    services.approve(registration, by=employee.approver)
    services.cancel(registration, by=employee, reason="Empêchement")
    registration.refresh_from_db()
    assert registration.counted_in_quota
    confirmation = rendered(Email.objects.get(template="cancellation_confirmed"))
    assert "moins de 7 jours avant le début de l'action" in confirmation.body_text
    assert "10 jours" not in confirmation.body_text + confirmation.body_html


def test_the_footer_phone_follows_the_setting(client, settings):
    settings.PROGRAMME_CONTACT_PHONE = "05 56 01 02 03"
    html = client.get(reverse("catalog:home")).content.decode()
    assert '<a href="tel:+33556010203">05\u00a056\u00a001\u00a002\u00a003</a>' in html
    assert "05 46 00 24 93" not in html


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("05 46 00 24 93", "tel:+33546002493"),
        ("05.46.00.24.93", "tel:+33546002493"),
        ("+33 5 46 00 24 93", "tel:+33546002493"),
        ("3939", "tel:3939"),
    ],
)
def test_the_phone_link_is_a_tel_uri(phone, uri):
    assert phone_uri(phone) == uri
