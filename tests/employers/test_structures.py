"""Structures and memberships: SIRET checks, one membership a year, prices (FAQ Q3)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from employers import selectors
from employers.models import Membership, Structure
from employers.validators import complete_siret, luhn_is_valid, validate_siret
from tests.factories import MembershipFactory, StructureFactory


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),
        ("35600000000048", True),
        ("73282932000075", False),  # last digit changed
        ("73282932000047", False),  # two digits swapped
        ("00000000000000", True),  # Luhn holds for zeros (format is checked apart)
    ],
)
def test_luhn_table(siret, valid):
    assert luhn_is_valid(siret) is valid


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("7328293200007", "siret_format"),  # 13 digits
        ("732829320000745", "siret_format"),  # 15 digits
        ("7328293200007A", "siret_format"),
        ("", "siret_format"),
        ("73282932000075", "siret_checksum"),
    ],
)
def test_invalid_sirets_are_refused_in_french(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_siret(value)
    assert excinfo.value.code == code
    assert "SIRET" in excinfo.value.message


def test_siret_with_spaces_is_accepted_and_normalized(db):
    validate_siret("732 829 320 00074")
    structure = StructureFactory(siret="732 829 320 00074")
    structure.refresh_from_db()
    assert structure.siret == "73282932000074"


@pytest.mark.django_db
def test_siret_must_be_14_digits_in_the_database():
    with pytest.raises(IntegrityError):
        Structure.objects.bulk_create([Structure(name="X", siret="123", department="33")])


@pytest.mark.django_db
def test_q3_one_membership_per_structure_and_year():
    membership = MembershipFactory(year=2027)
    MembershipFactory(structure=membership.structure, year=2028)
    with pytest.raises(IntegrityError):
        MembershipFactory(structure=membership.structure, year=2027)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("formula", "amount"),
    [
        (Membership.Formula.BASE, Decimal("100.00")),
        (Membership.Formula.EXTENDED, Decimal("150.00")),
    ],
)
def test_q3_membership_price_defaults_to_the_formula(formula, amount):
    membership = MembershipFactory(formula=formula, amount=None)
    membership.refresh_from_db()
    assert membership.amount == amount


@pytest.mark.django_db
def test_an_explicit_amount_is_kept():
    membership = MembershipFactory(formula=Membership.Formula.BASE, amount=Decimal("50"))
    membership.refresh_from_db()
    assert membership.amount == Decimal("50.00")


@pytest.mark.django_db
def test_is_member_is_per_calendar_year():
    membership = MembershipFactory(year=2027)
    structure_id = membership.structure_id
    assert selectors.is_member(structure_id, 2027) is True
    assert selectors.is_member(structure_id, 2028) is False
    assert selectors.is_member(None, 2027) is False
    assert selectors.member_years(structure_id, [2026, 2027, 2028]) == {2027}


@pytest.mark.django_db
def test_members_for_year_lists_each_structure_once():
    member = MembershipFactory(year=2027).structure
    MembershipFactory(structure=member, year=2028)
    StructureFactory(name="Non adhérente")
    assert list(Structure.objects.members_for_year(2027)) == [member]
    assert list(selectors.members_for_year(2028)) == [member]


def test_factory_sirets_are_valid():
    assert luhn_is_valid(complete_siret("1234"))
