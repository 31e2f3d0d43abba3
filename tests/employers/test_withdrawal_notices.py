"""A withdrawal tells the approvers only when they had accepted the request, and the programme
team always (R8); the withdrawal page says exactly that, from the same function."""

from html import unescape

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import notifications, services
from enrollment.models import Registration
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status


def notices_to(email):
    return Email.objects.filter(template="cancellation_notice", to=email).count()


def cancel_page(client, registration) -> str:
    response = client.get(reverse("enrollment:cancel", args=[registration.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_r8_withdrawing_an_accepted_request_emails_the_approvers_and_the_programme(
    client, approver, employee, settings
):
    """The page names the approvers and the programme team; both get the notice."""
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    services.approve(registration, by=approver)
    registration.refresh_from_db()
    recipients = notifications.cancellation_recipients(registration)
    assert [a.pk for a in recipients.approvers] == [approver.pk]
    assert recipients.emails == [settings.PROGRAMME_CONTACT_EMAIL, approver.email]

    client.force_login(employee)
    html = cancel_page(client, registration)
    assert (
        f"Votre employeur ayant accepté cette demande, seront aussi prévenus par courriel\u00a0: "
        f"{approver.get_full_name()}, qui valide les demandes de {registration.structure.name}, "
        "et l'équipe du programme ParcoursPro." in html
    )
    assert "Il est transmis à votre employeur et à l'équipe du programme." in html

    response = client.post(
        reverse("enrollment:cancel", args=[registration.pk]), {"reason": "Surcharge de travail"}
    )
    assert response.status_code == 302
    assert notices_to(approver.email) == 1
    assert notices_to(settings.PROGRAMME_CONTACT_EMAIL) == 1
    notice = rendered(Email.objects.get(template="cancellation_notice", to=approver.email))
    assert "Surcharge de travail" in notice.body_text


def test_r8_withdrawing_a_request_the_employer_has_not_accepted_tells_only_the_programme(
    client, approver, employee, settings
):
    (registration,) = register(employee, session_of(ActionKind.TRAINING))
    assert registration.status == Status.PENDING_EMPLOYER
    assert notifications.cancellation_recipients(registration).approvers == ()

    client.force_login(employee)
    html = cancel_page(client, registration)
    assert "L'équipe du programme ParcoursPro sera aussi prévenue par courriel." in html
    assert "Votre employeur ne sera pas prévenu\u00a0: il n'avait pas encore accepté" in html
    assert "Il est transmis à l'équipe du programme." in html
    assert approver.get_full_name() not in html

    client.post(reverse("enrollment:cancel", args=[registration.pk]), {"reason": "Changement"})
    assert notices_to(approver.email) == 0
    assert notices_to(settings.PROGRAMME_CONTACT_EMAIL) == 1


def test_r8_withdrawing_a_pre_accepted_waitlisted_request_tells_the_approvers(
    client, structure, approver
):
    session = session_of(ActionKind.TRAINING, capacity=1)
    first, second = (MemberEmployeeFactory(structure=structure) for _ in range(2))
    register(first, session)
    (waiting,) = register(second, session)
    services.approve(waiting, by=approver)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED

    client.force_login(second)
    html = cancel_page(client, waiting)
    assert "Vous quitterez la liste d'attente de cette session." in html
    assert approver.get_full_name() in html
    services.cancel(waiting, by=second, reason="Plus disponible")
    assert notices_to(approver.email) == 1


def test_r8_all_approvers_are_named_and_told_but_never_the_person_withdrawing(
    client, structure, approver
):
    """An approver withdrawing their own request is not told of it; the others are."""
    colleague = MemberEmployeeFactory(structure=structure, first_name="Marc", last_name="Lopez")
    structure.approvers.add(colleague)
    (registration,) = register(approver, session_of(ActionKind.TRAINING))
    services.approve(registration, by=colleague)
    registration.refresh_from_db()
    client.force_login(approver)
    html = cancel_page(client, registration)
    assert "Marc Lopez, qui valide les demandes de" in html
    assert f"{approver.get_full_name()}, qui" not in html
    services.cancel(registration, by=approver, reason="Empêchement")
    assert notices_to(colleague.email) == 1
    assert notices_to(approver.email) == 0


def test_a_short_format_withdrawal_does_not_mention_the_employer(client, employee):
    (registration,) = register(employee, session_of(ActionKind.WEBINAR))
    client.force_login(employee)
    html = cancel_page(client, registration)
    assert "L'équipe du programme ParcoursPro sera aussi prévenue par courriel." in html
    assert "Votre employeur" not in html


def test_the_notice_elides_de_before_a_title_that_starts_with_a_vowel(approver, employee):
    """« s'est désisté·e d'« Animer un atelier » », not « d'« Animer… » » (issue 25)."""
    session = session_of(ActionKind.TRAINING)
    session.action.title = "Animer un atelier collectif"
    session.action.save()
    (registration,) = register(employee, session)
    services.approve(registration, by=approver)
    registration.refresh_from_db()
    services.cancel(registration, by=employee, reason="Surcharge de travail")
    notice = rendered(Email.objects.get(template="cancellation_notice", to=approver.email))
    assert "s'est désisté·e d'«\u00a0Animer un atelier collectif\u00a0»" in notice.body_text
    assert "s'est désisté·e d'<strong>Animer un atelier collectif</strong>" in notice.body_html
