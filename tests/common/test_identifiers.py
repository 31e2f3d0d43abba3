"""SIRET, NDA, postcode and phone read by one function (`common.identifiers`): what people
type or paste (spaces, non-breaking ones included, dots, dashes, full-width digits) is
normalised, then only the digits 0-9 are accepted — never a 500 from the database's
constraint (issue 22, item 7)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from catalog.models import Provider
from common.choices import EmploymentStatus
from common.identifiers import (
    complete_siret,
    normalize_nda,
    normalize_phone,
    normalize_postcode,
    normalize_siret,
    siret_in_text,
    validate_nda,
    validate_phone,
    validate_postcode,
    validate_siret,
)
from employers.models import Structure
from tests.factories import ProviderFactory, StructureFactory, signup_data

SIRET = complete_siret("7328293200007")  # 73282932000074
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NBSP, NARROW_NBSP = "\u00a0", "\u202f"

SIRET_FORMAT = "Le SIRET doit comporter exactement 14 chiffres."
SIRET_KEY = "Ce SIRET n'est pas valide (clé de contrôle incorrecte). Vérifiez-le."
OTHER_DIGITS = "Saisissez les chiffres de 0 à 9"

SIRETS = [
    # (typed, normalised, refusal: None when accepted)
    (SIRET, SIRET, None),
    ("732 829 320 00074", SIRET, None),
    (f"732{NBSP}829{NBSP}320{NBSP}00074", SIRET, None),
    (f"732{NARROW_NBSP}829{NARROW_NBSP}320{NARROW_NBSP}00074", SIRET, None),
    ("732.829.320.00074", SIRET, None),
    ("732-829-320-00074", SIRET, None),
    (f" {SIRET}\t", SIRET, None),
    (SIRET.translate(FULL_WIDTH), SIRET, None),
    ("７３２　８２９　３２０　００074", SIRET, None),  # full-width, ideographic spaces
    (SIRET.translate(ARABIC_INDIC), SIRET.translate(ARABIC_INDIC), OTHER_DIGITS),
    ("7328293200007A", "7328293200007A", SIRET_FORMAT),
    ("siret", "siret", SIRET_FORMAT),
    (SIRET[:13], SIRET[:13], SIRET_FORMAT),
    (SIRET + "0", SIRET + "0", SIRET_FORMAT),
    ("", "", SIRET_FORMAT),
    (SIRET[:-1] + "5", SIRET[:-1] + "5", SIRET_KEY),
]


@pytest.mark.parametrize(("typed", "normalised", "refusal"), SIRETS)
def test_a_siret_is_read_by_one_function(typed, normalised, refusal):
    assert normalize_siret(typed) == normalised
    if refusal is None:
        validate_siret(typed)
    else:
        with pytest.raises(ValidationError) as error:
            validate_siret(typed)
        assert refusal in error.value.messages[0]
        assert SIRET_FORMAT in error.value.messages[0] or refusal == SIRET_KEY


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("75331234533", True),
        ("75 33 12345 33", True),
        (f"75{NBSP}33{NBSP}12345{NBSP}33", True),
        ("75.33.12345.33", True),
        ("75331234533".translate(FULL_WIDTH), True),
        ("75331234533".translate(ARABIC_INDIC), False),
        ("7533123453", False),
        ("753312345330", False),
        ("7533123453X", False),
    ],
)
def test_an_nda_is_read_by_the_same_function(typed, accepted):
    if accepted:
        validate_nda(typed)
        assert normalize_nda(typed) == "75331234533"
    else:
        with pytest.raises(ValidationError, match="exactement 11 chiffres"):
            validate_nda(typed)


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("33600", True), ("33 600", True), ("３３６００", True), ("٣٣٦٠٠", False), ("3360", False)],
)
def test_a_postcode_is_five_digits(typed, accepted):
    if accepted:
        validate_postcode(typed)
        assert normalize_postcode(typed) == "33600"
    else:
        with pytest.raises(ValidationError, match="exactement 5 chiffres"):
            validate_postcode(typed)


@pytest.mark.parametrize(
    ("typed", "kept", "accepted"),
    [
        ("05 56 00 00 00", "05 56 00 00 00", True),
        ("05.56.00.00.00", "05.56.00.00.00", True),
        ("+33 (0)5 56 00 00 00", "+33 (0)5 56 00 00 00", True),
        (f"05{NBSP}56{NBSP}00{NBSP}00{NBSP}00", "05 56 00 00 00", True),
        ("０５ ５６ ００ ００ ００", "05 56 00 00 00", True),
        ("٠٥٥٦٠٠٠٠٠٠", "٠٥٥٦٠٠٠٠٠٠", False),
        ("05 56 00 00", "05 56 00 00", False),
        ("05 56 00 00 00 poste 12", "05 56 00 00 00 poste 12", False),
        ("05+56 00 00 00", "05+56 00 00 00", False),
    ],
)
def test_a_phone_is_kept_as_typed_and_has_ten_digits(typed, kept, accepted):
    assert normalize_phone(typed) == kept
    if accepted:
        validate_phone(typed)
    else:
        with pytest.raises(ValidationError, match="au moins 10 chiffres"):
            validate_phone(typed)


def test_a_siret_is_found_in_a_text():
    assert siret_in_text(f"Tremplin (SIRET {SIRET})") == SIRET
    assert siret_in_text(f"Tremplin 732{NBSP}829 320.00074") == SIRET
    assert siret_in_text(SIRET.translate(FULL_WIDTH)) == SIRET
    assert siret_in_text(SIRET.translate(ARABIC_INDIC)) is None
    assert siret_in_text("Tremplin") is None


# Through the pages and the models: a clear message, nothing saved, never a 500.


def propose(client, siret, **data):
    return client.post(
        reverse("account_signup"),
        signup_data(
            new_structure_name="Association Tremplin",
            new_structure_siret=siret,
            new_structure_department="24",
            **data,
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "normalised", "refusal"), SIRETS)
def test_signup_with_a_typed_siret_never_fails(client, typed, normalised, refusal):
    response = propose(client, typed)
    if refusal is None:
        assert response.status_code == 302
        assert User.objects.get().structure.siret == SIRET
    else:
        assert response.status_code == 200
        errors = response.context["form"].errors
        if typed:
            assert refusal in errors["new_structure_siret"][0]
        else:  # nothing typed: the proposal asks for its SIRET
            assert "Indiquez le SIRET" in errors["new_structure_siret"][0]
        assert User.objects.count() == 0
        assert Structure.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phone", "accepted"),
    [("０５ ５６ ００ ００ ００", True), ("٠٥٥٦٠٠٠٠٠٠", False), ("05 56", False)],
)
def test_signup_with_a_typed_phone_never_fails(client, phone, accepted):
    data = signup_data(phone=phone, employment_status=EmploymentStatus.JOB_SEEKER)
    response = client.post(reverse("account_signup"), data)
    if accepted:
        assert response.status_code == 302
        assert User.objects.get().phone == "05 56 00 00 00"
    else:
        assert response.status_code == 200
        assert "au moins 10 chiffres" in response.context["form"].errors["phone"][0]
        assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_structure_and_a_provider_store_bare_digits():
    structure = StructureFactory(siret=SIRET.translate(FULL_WIDTH), postal_code="３３ ６００")
    structure.refresh_from_db()
    assert (structure.siret, structure.postal_code) == (SIRET, "33600")
    nda, phone = "75 33 12345 33".translate(FULL_WIDTH), "０５５６０００００１"
    provider = ProviderFactory(nda=nda, phone=phone)
    provider.refresh_from_db()
    assert (provider.nda, provider.phone) == ("75331234533", "0556000001")


@pytest.mark.django_db
def test_the_models_clean_refuses_other_digits_in_french():
    structure = StructureFactory.build(siret=SIRET.translate(ARABIC_INDIC), postal_code="٣٣٦٠٠")
    with pytest.raises(ValidationError) as error:
        structure.full_clean(exclude=["proposed_by"])
    assert OTHER_DIGITS in error.value.message_dict["siret"][0]
    assert "exactement 5 chiffres" in error.value.message_dict["postal_code"][0]
    provider = ProviderFactory.build(phone="05", disability_referent_phone="٠٥٥٦٠٠٠٠٠٠")
    with pytest.raises(ValidationError) as error:
        provider.full_clean(exclude=["users"])
    assert set(error.value.message_dict) == {"phone", "disability_referent_phone"}
    assert not Provider.objects.exists()
