"""Saves write only what they change (issue 23): a profile saved from a page shown before an
approver confirmed or ended the person's attachment keeps what the approver did; the
structure changes only through the attachments. And the profile page while a request to join
a structure waits (issue 25): shown, and saved unchanged."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import selectors, services
from accounts.models import User
from common.choices import EmploymentStatus
from employers.attachments import accept_attachment, pending_attachment, request_attachment
from employers.models import Attachment
from employers.services import accept_invitation, invite_approver
from enrollment.services import detach
from tests.accounts.page_forms import posted_back
from tests.factories import StructureFactory, UserFactory
from web.accounts.adapters import AccountAdapter

pytestmark = pytest.mark.django_db
Status = Attachment.Status
PROFILE = reverse("accounts:profile")


@pytest.fixture
def structure():
    structure = StructureFactory(name="Mission locale du Marsan")
    structure.approvers.add(UserFactory(email="valideur@example.test"))
    return structure


@pytest.fixture
def approver(structure):
    return structure.approvers.get()


@pytest.fixture
def asking(structure):
    """A person who asked to join `structure` at signup: no structure until confirmed."""
    person = UserFactory(structure=None, email="demandeuse@example.test", job_title="Conseillère")
    request_attachment(person, structure)
    return person


def logged_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def page_form(client) -> dict:
    return posted_back(client.get(PROFILE).content.decode(), action=PROFILE)


def test_the_profile_page_shows_a_pending_request_and_saves_unchanged(asking, structure):
    """Issue 25: the field shows the structure asked for, and the unchanged profile saves."""
    client = logged_in(asking)
    page = client.get(PROFILE).content.decode()
    assert "rattachement en attente de confirmation par ses valideurs" in page
    data = posted_back(page, action=PROFILE)
    assert data["structure_query"] == selectors.structure_label(structure)

    response = client.post(PROFILE, {**data, "job_title": "Chargée d'accueil"})

    assert response.status_code == 302, response.context["form"].errors
    asking.refresh_from_db()
    assert asking.job_title == "Chargée d'accueil"
    (attachment,) = Attachment.objects.filter(user=asking)
    assert attachment.status == Status.PENDING and asking.structure is None


def test_a_profile_shown_before_the_confirmation_keeps_it(asking, structure, approver):
    client = logged_in(asking)
    data = page_form(client)  # shown while the request waits
    accept_attachment(pending_attachment(asking), by=approver)

    response = client.post(PROFILE, {**data, "phone": "05 58 00 00 01"})

    assert response.status_code == 302
    asking.refresh_from_db()
    assert asking.structure == structure, "the confirmation was lost"
    assert asking.phone == "05 58 00 00 01"
    assert list(Attachment.objects.filter(user=asking).values_list("status", flat=True)) == [
        Status.ACCEPTED
    ]


def test_a_profile_shown_before_a_detachment_does_not_undo_it(structure, approver):
    person = UserFactory(structure=structure, email="partie@example.test")
    client = logged_in(person)
    data = page_form(client)  # shown while the person still belonged to the structure
    detach(person, structure, by=approver, reason="A quitté la structure.")

    response = client.post(PROFILE, {**data, "job_title": "Coordinatrice"})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.structure is None, "the detachment was undone"
    assert person.job_title == "Coordinatrice"
    assert not Attachment.objects.filter(user=person, status=Status.PENDING).exists()


def test_a_structure_changed_on_the_page_is_still_a_request_to_join(asking, structure):
    other = StructureFactory(name="Centre social du Lac")
    client = logged_in(asking)
    data = page_form(client)
    response = client.post(PROFILE, {**data, "structure_query": other.siret})
    assert response.status_code == 302
    assert pending_attachment(asking).structure == other
    assert Attachment.objects.get(user=asking, structure=structure).status == Status.WITHDRAWN


def test_the_service_writes_only_the_profiles_fields_from_a_stale_copy(asking, structure, approver):
    stale = User.objects.get(pk=asking.pk)  # read before the confirmation
    accept_attachment(pending_attachment(asking), by=approver)

    services.update_profile(
        stale,
        {"job_title": "Référente", "structure": None, "proposal": None},
        structure_changed=False,
    )

    asking.refresh_from_db()
    assert (asking.structure, asking.job_title) == (structure, "Référente")
    assert stale.structure == structure  # the caller's copy follows


def test_becoming_a_job_seeker_ends_the_attachment(asking, structure, approver):
    accept_attachment(pending_attachment(asking), by=approver)
    asking.refresh_from_db()
    services.update_profile(
        asking, {"employment_status": EmploymentStatus.JOB_SEEKER}, structure_changed=False
    )
    asking.refresh_from_db()
    assert asking.structure is None
    assert Attachment.objects.get(user=asking).status == Status.ENDED


def test_a_password_changed_meanwhile_keeps_the_confirmation(asking, structure, approver):
    """allauth saves the user it read at the start of the request: only the password now."""
    stale = User.objects.get(pk=asking.pk)
    accept_attachment(pending_attachment(asking), by=approver)
    AccountAdapter().set_password(stale, "Une-phrase-de-passe-42")
    asking.refresh_from_db()
    assert asking.structure == structure
    assert asking.check_password("Une-phrase-de-passe-42")


# --- the admin -------------------------------------------------------------------------------


def test_staff_editing_a_person_keeps_a_confirmation_made_meanwhile(
    admin_client, asking, structure, approver
):
    url = reverse("admin:accounts_user_change", args=[asking.pk])
    data = posted_back(admin_client.get(url).content.decode(), form_id="user_form")
    assert "structure" not in data  # read-only: it changes through the attachments
    accept_attachment(pending_attachment(asking), by=approver)
    asking.phone = "05 58 99 99 99"  # the person edits their profile meanwhile
    asking.save(update_fields=["phone"])

    response = admin_client.post(url, {**data, "job_title": "Directrice"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    asking.refresh_from_db()
    assert asking.job_title == "Directrice"
    assert asking.structure == structure
    assert asking.phone == "05 58 99 99 99"


def test_staff_editing_a_structure_keeps_an_approver_added_meanwhile(admin_client, structure):
    url = reverse("admin:employers_structure_change", args=[structure.pk])
    data = posted_back(admin_client.get(url).content.decode(), form_id="structure_form")
    newcomer = UserFactory(email="nouvelle.valideuse@example.test")
    invitation = invite_approver(structure, newcomer.email, by=structure.approvers.get())
    accept_invitation(invitation, user=newcomer)

    response = admin_client.post(url, {**data, "city": "Mont-de-Marsan"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    structure.refresh_from_db()
    assert structure.city == "Mont-de-Marsan"
    assert newcomer in structure.approvers.all(), "the new approver was removed"


def test_staff_adding_an_approver_to_a_structure_that_showed_none_keeps_a_newcomer(
    admin_client,
):
    """The page showed no approver (an empty list posts no hidden value): still, only the
    one staff added is added."""
    structure = StructureFactory(name="Sans valideur")
    url = reverse("admin:employers_structure_change", args=[structure.pk])
    data = posted_back(admin_client.get(url).content.decode(), form_id="structure_form")
    assert "approvers" not in data
    chosen, newcomer = UserFactory(), UserFactory()
    structure.approvers.add(newcomer)  # meanwhile, an invitation accepted

    response = admin_client.post(url, {**data, "approvers": [chosen.pk]})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(structure.approvers.all()) == {chosen, newcomer}
