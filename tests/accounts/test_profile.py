"""Structure search and resolution, the profile page and the profile services."""

import pytest
from django.urls import reverse

from accounts import selectors, services
from common.choices import EmploymentStatus
from employers.models import Structure
from employers.validators import complete_siret
from tests.factories import JobSeekerFactory, StructureFactory, UserFactory
from web.accounts.forms import ERRORS, ProfileForm

pytestmark = pytest.mark.django_db


def profile_data(user, **overrides):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "job_title": user.job_title,
        "employment_status": user.employment_status,
        "field_of_activity": user.field_of_activity,
        "department": user.department,
        "structure_query": selectors.structure_label(user.structure) if user.structure else "",
        "new_structure_name": "",
        "new_structure_siret": "",
        "new_structure_department": "",
    }
    data.update(overrides)
    return data


# --- selectors ---------------------------------------------------------------------------


def test_siret_in_text_accepts_spaces_and_labels():
    siret = complete_siret("1234567890123")
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    assert selectors.siret_in_text(spaced) == siret
    assert selectors.siret_in_text(f"Mission locale (SIRET {siret})") == siret
    assert selectors.siret_in_text("Mission locale") is None


def test_search_finds_validated_structures_by_name_or_siret_prefix():
    graves = StructureFactory(name="Mission locale des Graves")
    StructureFactory(name="Mission locale en attente", is_validated=False)
    assert selectors.search_structures("graves") == [graves]
    assert selectors.search_structures(graves.siret[:6]) == [graves]
    assert selectors.search_structures("mission") == [graves]
    assert selectors.search_structures("m") == []


def test_search_hides_independents_structures_that_have_their_professional():
    taken = StructureFactory(name="Camille Indé", kind=Structure.Kind.INDEPENDENT)
    UserFactory(structure=taken, employment_status=EmploymentStatus.INDEPENDENT)
    free = StructureFactory(name="Dominique Indé", kind=Structure.Kind.INDEPENDENT)
    assert selectors.search_structures("Indé") == [free]


def test_resolve_exact_name_wins_over_partial_matches():
    exact = StructureFactory(name="CIDFF")
    StructureFactory(name="CIDFF de la Gironde")
    assert selectors.resolve_structure("cidff").structure == exact


def test_resolve_ambiguous_name_lists_candidates():
    a = StructureFactory(name="Mission locale de Bordeaux")
    b = StructureFactory(name="Mission locale de Libourne")
    lookup = selectors.resolve_structure("Mission locale")
    assert lookup.structure is None
    assert set(lookup.candidates) == {a, b}


def test_structure_search_endpoint_returns_json(client):
    structure = StructureFactory(name="Plateforme Emploi Landes")
    response = client.get(reverse("accounts:structure_search"), {"q": "emploi"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "name": "Plateforme Emploi Landes",
                "siret": structure.siret,
                "label": f"Plateforme Emploi Landes (SIRET {structure.siret})",
            }
        ]
    }
    assert client.get(reverse("accounts:structure_search")).json() == {"results": []}


# --- form ----------------------------------------------------------------------------------


def test_ambiguous_structure_gives_a_french_error_listing_candidates():
    StructureFactory(name="Mission locale de Bordeaux")
    StructureFactory(name="Mission locale de Libourne")
    user = UserFactory()
    form = ProfileForm(profile_data(user, structure_query="Mission locale"), instance=user)
    assert not form.is_valid()
    error = form.errors["structure_query"][0]
    assert error.startswith("Plusieurs structures correspondent à « Mission locale »")
    assert "Mission locale de Bordeaux (SIRET" in error
    assert "Saisissez le nom complet ou le SIRET" in error


def test_unknown_siret_gives_a_french_error():
    siret = complete_siret("5555555555555")
    user = UserFactory()
    form = ProfileForm(profile_data(user, structure_query=siret), instance=user)
    assert not form.is_valid()
    assert form.errors["structure_query"] == [
        f"Aucune structure validée ne porte le SIRET {siret}. Vérifiez-le, ou proposez votre "
        "structure ci-dessous."
    ]


def test_choosing_and_proposing_at_once_is_refused():
    user = UserFactory()
    form = ProfileForm(
        profile_data(user, new_structure_name="Autre", new_structure_siret=complete_siret("9")),
        instance=user,
    )
    assert not form.is_valid()
    assert form.errors["structure_query"] == [str(ERRORS["structure_both"])]


def test_proposing_a_listed_structure_points_to_the_search():
    listed = StructureFactory(name="Espace Métiers")
    user = JobSeekerFactory()
    data = profile_data(
        user,
        employment_status=EmploymentStatus.EMPLOYEE,
        new_structure_name="Espace Métiers bis",
        new_structure_siret=listed.siret,
        new_structure_department="33",
    )
    form = ProfileForm(data, instance=user)
    assert not form.is_valid()
    assert "Cette structure est déjà référencée" in form.errors["new_structure_siret"][0]


def test_proposal_needs_name_and_department_for_an_employee():
    user = JobSeekerFactory()
    data = profile_data(
        user,
        employment_status=EmploymentStatus.EMPLOYEE,
        new_structure_siret=complete_siret("31313131"),
    )
    form = ProfileForm(data, instance=user)
    assert not form.is_valid()
    assert form.errors["new_structure_name"] == [str(ERRORS["proposal_name"])]
    assert form.errors["new_structure_department"] == [str(ERRORS["proposal_department"])]


# --- services ------------------------------------------------------------------------------


def test_colleague_proposing_the_same_pending_structure_joins_it():
    first = UserFactory(structure=None)
    proposal = services.StructureProposal(
        name="Tremplin", siret=complete_siret("8888888888888"), department="47"
    )
    services.update_profile(first, {"structure": None, "proposal": proposal})
    pending = first.structure
    assert not pending.is_validated

    second = UserFactory(structure=None)
    form = ProfileForm(
        profile_data(
            second,
            structure_query="",
            new_structure_name="Tremplin (autre nom)",
            new_structure_siret=pending.siret,
            new_structure_department="47",
        ),
        instance=second,
    )
    assert form.is_valid(), form.errors
    services.update_profile(form.instance, form.profile_data())
    second.refresh_from_db()
    assert second.structure == pending
    assert Structure.objects.count() == 1


def test_job_seeker_loses_structure():
    user = UserFactory()
    services.update_profile(
        user, {"employment_status": EmploymentStatus.JOB_SEEKER, "structure": user.structure}
    )
    user.refresh_from_db()
    assert user.structure is None


# --- profile page --------------------------------------------------------------------------


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_page_shows_the_current_profile(client):
    user = UserFactory(first_name="Camille")
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon profil" in html
    assert 'value="Camille"' in html
    assert selectors.structure_label(user.structure) in html


def test_profile_edit_saves_and_redirects(client):
    user = UserFactory()
    other = StructureFactory(name="Centre social du Lac")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        profile_data(user, job_title="Formatrice", department="64", structure_query=other.siret),
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.job_title == "Formatrice"
    assert user.department == "64"
    # Another structure is a request to join it: its approvers confirm (Decisions).
    assert user.structure is None
    assert user.attachments.get(status="pending").structure == other
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Votre profil est enregistré." in page
    assert (
        "Votre demande de rattachement à «\u00a0Centre social du Lac\u00a0» est transmise" in page
    )


def test_profile_keeps_a_structure_awaiting_validation(client):
    pending = StructureFactory(name="Nouvelle structure", is_validated=False)
    user = UserFactory(structure=pending)
    client.force_login(user)
    page = client.get(reverse("accounts:profile"))
    assert "en attente de validation par Cap Métiers" in page.content.decode()
    response = client.post(reverse("accounts:profile"), profile_data(user, job_title="Chargée"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.structure == pending
    assert user.job_title == "Chargée"


def test_profile_bad_input_changes_nothing(client):
    user = UserFactory(first_name="Camille")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        profile_data(user, first_name="", phone="abc", structure_query="Introuvable"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    assert "Aucune structure validée ne correspond à «\u00a0Introuvable\u00a0»" in html
    user.refresh_from_db()
    assert user.first_name == "Camille"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "x" * 300),
        ("last_name", "x" * 151),
        ("job_title", "y" * 1000),
        ("phone", "0" * 31),
        ("employment_status", "chef"),
        ("department", "75"),
    ],
)
def test_profile_service_refuses_what_the_form_would(field, value):
    """The service enforces the forms' limits itself: nothing reaches the database."""
    from django.core.exceptions import ValidationError

    user = UserFactory()
    before = getattr(user, field)
    with pytest.raises(ValidationError) as refusal:
        services.update_profile(user, {field: value, "structure": user.structure})
    assert field in refusal.value.message_dict
    user.refresh_from_db()
    assert getattr(user, field) == before
