"""The provider's legal identity (issue 14, item 1): validation, admin, demo."""

import html
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import Provider
from common.identifiers import complete_siret, validate_siret
from demo import data
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

VALID_SIRET = complete_siret("4000000010001")
INVALID_KEY = VALID_SIRET[:-1] + str((int(VALID_SIRET[-1]) + 1) % 10)

SIRET_FORMAT = "Le SIRET doit comporter exactement 14 chiffres."
SIRET_KEY = "Ce SIRET n'est pas valide (clé de contrôle incorrecte). Vérifiez-le."
NDA_FORMAT = "Le numéro de déclaration d'activité doit comporter exactement 11 chiffres."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", VALID_SIRET, None),
        (
            "siret",
            f"{VALID_SIRET[:3]} {VALID_SIRET[3:6]} {VALID_SIRET[6:9]} {VALID_SIRET[9:]}",
            None,
        ),
        ("siret", "", None),
        ("siret", "1234567890123", SIRET_FORMAT),
        ("siret", "1234567890123A", SIRET_FORMAT),
        ("siret", INVALID_KEY, SIRET_KEY),
        ("nda", "75331234533", None),
        ("nda", "75 33 12345 33", None),
        ("nda", "", None),
        ("nda", "7533123453", NDA_FORMAT),
        ("nda", "753312345330", NDA_FORMAT),
        ("nda", "7533123453X", NDA_FORMAT),
    ],
)
def test_siret_and_nda_validation(field, value, message):
    provider = ProviderFactory.build(**{field: value})
    if message is None:
        provider.full_clean(exclude=["users"])
        provider.save()
        provider.refresh_from_db()
        assert getattr(provider, field) == "".join(value.split())
    else:
        with pytest.raises(ValidationError) as error:
            provider.full_clean(exclude=["users"])
        assert message in error.value.message_dict[field]


def test_siret_validators_shared_with_structures():
    from employers import validators

    assert validators.validate_siret is validate_siret
    assert validators.complete_siret is complete_siret


@pytest.mark.parametrize(
    ("field", "value"), [("siret", "12345"), ("nda", "123"), ("siret", "1234567890123A")]
)
def test_constraints_refuse_malformed_identifiers(field, value):
    provider = ProviderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(**{field: value})


def test_existing_provider_may_have_an_empty_identity():
    provider = Provider.objects.create(name="Sans identité")
    provider.full_clean(exclude=["users"])
    assert (provider.siret, provider.nda, provider.legal_name) == ("", "", "")


def test_admin_change_form_shows_the_fieldsets_and_saves(admin_client):
    provider = ProviderFactory(name="Organisme Test", email="contact@organisme.test")
    url = reverse("admin:catalog_provider_change", args=[provider.pk])
    page = admin_client.get(url).content.decode()
    for heading in ["Identité légale", "Signataire", "Référents"]:
        assert f">{heading}</h2>" in page
    for label in ["Raison sociale", "Numéro de déclaration d'activité", "Référent handicap"]:
        assert label in page.replace("&#x27;", "'")

    form = {
        "name": "Organisme Test",
        "email": "contact@organisme.test",
        "phone": "",
        "website": "",
        "legal_name": "Organisme Test SAS",
        "siret": VALID_SIRET,
        "nda": "75 33 12345 33",
        "street": "1 rue du Port",
        "postal_code": "33000",
        "city": "Bordeaux",
        "signatory_name": "Jeanne Roy",
        "signatory_role": "Présidente",
        "pedagogical_referent_name": "Léa Pédago",
        "pedagogical_referent_email": "pedagogie@organisme.test",
        "pedagogical_referent_phone": "05 00 00 00 01",
        "administrative_referent_name": "Luc Admin",
        "administrative_referent_email": "admin@organisme.test",
        "administrative_referent_phone": "05 00 00 00 02",
        "disability_referent_name": "Inès Handi",
        "disability_referent_email": "handicap@organisme.test",
        "disability_referent_phone": "05 00 00 00 03",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    provider.refresh_from_db()
    assert provider.nda == "75331234533"
    assert provider.siret == VALID_SIRET
    assert provider.disability_referent_email == "handicap@organisme.test"

    response = admin_client.post(url, {**form, "siret": INVALID_KEY, "nda": "123"})
    assert response.status_code == 200
    # The errors are written by the form renderer's Jinja2 templates (' as &#39;).
    page = html.unescape(response.content.decode())
    assert SIRET_KEY in page
    assert NDA_FORMAT in page


IDENTITY_FIELDS = [
    "legal_name",
    "siret",
    "nda",
    "street",
    "postal_code",
    "city",
    "signatory_name",
    "signatory_role",
    *(
        f"{role}_referent_{item}"
        for role in ["pedagogical", "administrative", "disability"]
        for item in ["name", "email", "phone"]
    ),
]


def identities():
    return {p.name: [getattr(p, f) for f in IDENTITY_FIELDS] for p in Provider.objects.all()}


def test_seed_demo_fills_the_providers_identity_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    providers = list(Provider.objects.filter(name__in=[name for name, _ in data.PROVIDERS]))
    assert len(providers) == len(data.PROVIDERS)
    for provider in providers:
        provider.full_clean(exclude=["users"])
        assert all(getattr(provider, field) for field in IDENTITY_FIELDS), provider
    assert len({p.siret for p in providers}) == len(providers)
    before = identities()
    call_command("seed_demo", stdout=StringIO())
    assert identities() == before


def test_seed_demo_fills_existing_providers_and_keeps_what_staff_entered():
    name, email = data.PROVIDERS[0]
    Provider.objects.create(name=name, email=email, signatory_name="Saisi par l'équipe")
    call_command("seed_demo", stdout=StringIO())
    provider = Provider.objects.get(name=name)
    assert provider.signatory_name == "Saisi par l'équipe"
    assert provider.siret and provider.nda and provider.disability_referent_name
