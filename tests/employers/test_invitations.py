"""Inviting a colleague approver by email (R4): the link makes the invited account an approver."""

import datetime as dt
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from employers import services
from employers.models import ApproverInvitation
from mailing.models import Email
from tests.emails import rendered
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPACE = reverse("employers:space")


def link_of(invitation):
    return reverse("employers:invitation", args=[invitation.token])


def test_invite_records_the_invitation_and_queues_the_email(structure, approver):
    invitation = services.invite_approver(structure, " Codir@Example.test ", by=approver)
    assert invitation.email == "Codir@Example.test"
    assert invitation.invited_by == approver
    assert invitation.accepted_at is None
    assert len(invitation.token) >= 32
    email = rendered(Email.objects.get(template="approver_invitation"))
    assert email.to == "Codir@Example.test"
    assert structure.name in email.subject
    assert "http://" in email.body_text and link_of(invitation) in email.body_text
    assert link_of(invitation) in email.body_html


def test_inviting_the_same_address_again_resends_the_same_link(structure, approver):
    first = services.invite_approver(structure, "codir@example.test", by=approver)
    again = services.invite_approver(structure, "CODIR@example.test", by=approver)
    assert first.pk == again.pk
    assert Email.objects.filter(template="approver_invitation").count() == 2


def test_staff_may_invite(structure):
    staff = UserFactory(is_staff=True, structure=None)
    assert services.invite_approver(structure, "codir@example.test", by=staff).pk


def test_only_approvers_of_the_structure_invite(structure, employee, other_structure):
    with pytest.raises(PermissionDenied):
        services.invite_approver(structure, "codir@example.test", by=employee)
    with pytest.raises(PermissionDenied):
        services.invite_approver(structure, "codir@example.test", by=other_structure.approver)
    assert not ApproverInvitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "code"),
    [("pas-une-adresse", "invalid_email"), ("EMPLOYEUR@example.test", "already_approver")],
)
def test_useless_invitations_are_refused(structure, approver, email, code):
    with pytest.raises(services.InvitationError) as error:
        services.invite_approver(structure, email, by=approver)
    assert error.value.code == code
    assert not Email.objects.exists()


def test_invite_from_the_employer_space(approver_client, structure):
    field = f"invite-{structure.pk}-email"
    response = approver_client.post(
        reverse("employers:invite", args=[structure.pk]), {field: "codir@example.test"}
    )
    assert response.status_code == 302
    invitation = ApproverInvitation.objects.get()
    assert invitation.structure == structure
    page = unescape(approver_client.get(response["Location"]).content.decode())
    assert "Invitation envoyée à codir@example.test" in page
    assert "codir@example.test — envoyée le" in page


def test_invite_form_errors_are_shown_next_to_the_field(approver_client, structure):
    field = f"invite-{structure.pk}-email"
    url = reverse("employers:invite", args=[structure.pk])
    response = approver_client.post(url, {field: "pas-une-adresse"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert 'role="alert"' in html and "n'est pas valide" in html
    response = approver_client.post(url, {field: "employeur@example.test"})
    assert response.status_code == 400
    assert "valide déjà les demandes" in unescape(response.content.decode())
    assert not ApproverInvitation.objects.exists()


def test_link_makes_the_invited_account_an_approver(client, structure, approver):
    invitation = services.invite_approver(structure, "codir@example.test", by=approver)
    invited = UserFactory(email="codir@example.test", structure=structure)
    client.force_login(invited)
    response = client.get(link_of(invitation))
    assert response.status_code == 302
    assert response["Location"] == f"{SPACE}#structure-{structure.pk}"
    assert structure.approvers.filter(pk=invited.pk).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == invited and invitation.accepted_at is not None
    page = client.get(SPACE)
    assert page.status_code == 200
    assert "Vous validez désormais les demandes" in unescape(page.content.decode())
    # A second click changes nothing and still lands in the space.
    assert client.get(link_of(invitation))["Location"].startswith(SPACE)


def test_link_asks_a_visitor_to_sign_up_or_log_in_and_come_back(client, structure, approver):
    invitation = services.invite_approver(structure, "codir@example.test", by=approver)
    response = client.get(link_of(invitation))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Créer mon compte" in html and "me connecter" in html
    signup = response.context["signup_url"]
    login = response.context["login_url"]
    assert urlsplit(signup).path == reverse("account_signup")
    assert parse_qs(urlsplit(signup).query) == {
        "email": ["codir@example.test"],
        "next": [link_of(invitation)],
    }
    assert urlsplit(login).path == reverse("account_login")
    assert parse_qs(urlsplit(login).query) == {"next": [link_of(invitation)]}
    assert not structure.approvers.filter(email="codir@example.test").exists()


def test_login_page_honours_the_next_link(client, structure, approver):
    """The allauth login sends the invited person back to the link, which opens the space."""
    invitation = services.invite_approver(structure, "codir@example.test", by=approver)
    invited = UserFactory(email="codir@example.test", structure=structure)
    EmailAddress.objects.update_or_create(
        user=invited, email=invited.email, defaults={"verified": True, "primary": True}
    )
    response = client.post(
        reverse("account_login") + "?next=" + link_of(invitation),
        {
            "login": "codir@example.test",
            "password": "parcourspro-demo",
            "next": link_of(invitation),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == link_of(invitation)
    assert client.get(response["Location"])["Location"].startswith(SPACE)
    assert structure.approvers.filter(pk=invited.pk).exists()


def test_link_opened_with_another_account_adds_no_one(client, structure, approver, employee):
    invitation = services.invite_approver(structure, "codir@example.test", by=approver)
    client.force_login(employee)
    response = client.get(link_of(invitation))
    assert response.status_code == 403
    assert "envoyée à une autre adresse" in unescape(response.content.decode())
    assert not structure.approvers.filter(pk=employee.pk).exists()


def test_used_or_expired_links_say_so(client, structure, approver):
    invitation = services.invite_approver(structure, "codir@example.test", by=approver)
    first = UserFactory(email="codir@example.test")
    services.accept_invitation(invitation, user=first)
    first.email = "ancien@example.test"
    first.save()
    second = UserFactory(email="codir@example.test")
    client.force_login(second)
    response = client.get(link_of(invitation))
    assert response.status_code == 410
    assert "déjà été utilisée" in unescape(response.content.decode())

    late = services.invite_approver(structure, "tard@example.test", by=approver)
    client.force_login(UserFactory(email="tard@example.test"))
    sent = timezone.now() - dt.timedelta(days=services.INVITATION_VALID_DAYS, minutes=1)
    ApproverInvitation.objects.filter(pk=late.pk).update(created_at=sent)
    response = client.get(link_of(late))
    assert response.status_code == 410
    assert "a expiré" in unescape(response.content.decode())


def test_unknown_token_answers_404(client):
    assert client.get(reverse("employers:invitation", args=["inconnu"])).status_code == 404
