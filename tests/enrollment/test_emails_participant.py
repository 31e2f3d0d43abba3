"""One email per event: a waitlisted request is told so once, by the acknowledgement; a
withdrawal offers the place to the waiting list only when someone waits."""

import pytest
from django.conf import settings

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import RegistrationStatus
from mailing.models import Email
from tests.emails import rendered
from tests.factories import UserFactory, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

OFFERED = "La place est proposée à la liste d'attente."


def emails_to(person) -> list[Email]:
    return rendered(Email.objects.filter(to=person.email))


def staff_notice() -> Email:
    [notice] = rendered(
        Email.objects.filter(template="cancellation_notice", to=settings.PROGRAMME_CONTACT_EMAIL)
    )
    return notice


def test_a_waitlisted_request_gets_one_email_that_says_so():
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    person = UserFactory()
    [registration] = register(person, session)
    assert registration.status == Status.WAITLISTED
    [email] = emails_to(person)
    assert email.template == "registration_acknowledgement"
    assert email.subject == f"[ParcoursPro] Liste d'attente\u00a0: {session.action.title}"
    for body in (email.body_text, email.body_html):
        assert "vous êtes en liste d'attente" in body
        assert "dans l'ordre des demandes" in body


def test_a_cart_with_a_waitlisted_request_gets_one_email(employee):
    full = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), full)
    open_session = session_of(ActionKind.CONFERENCE, days=45)
    waitlisted, confirmed = register(employee, full, open_session)
    assert (waitlisted.status, confirmed.status) == (Status.WAITLISTED, Status.CONFIRMED)
    [email] = emails_to(employee)
    assert email.subject == "[ParcoursPro] Vos 2 demandes d'inscription sont enregistrées"
    assert "vous êtes en liste d'attente" in email.body_text
    assert "Votre inscription est confirmée." in email.body_text


def test_one_confirmed_request_says_so_in_the_subject():
    session = session_of(ActionKind.WEBINAR)
    person = UserFactory()
    register(person, session)
    [email] = emails_to(person)
    assert email.subject == f"[ParcoursPro] Inscription confirmée\u00a0: {session.action.title}"


def test_one_request_awaiting_a_decision_keeps_the_plain_subject(employee):
    register(employee, session_of(ActionKind.TRAINING))
    [email] = emails_to(employee)
    assert email.subject == "[ParcoursPro] Votre demande d'inscription est enregistrée"


def test_a_withdrawal_offers_the_place_when_someone_waits():
    session = session_of(ActionKind.WEBINAR, capacity=1)
    [holder] = register(UserFactory(), session)
    register(UserFactory(), session)
    services.cancel(holder, by=holder.user, reason="Empêchement")
    notice = staff_notice()
    assert OFFERED in notice.body_text and OFFERED in notice.body_html


def test_a_withdrawal_says_the_place_is_free_when_nobody_waits():
    session = session_of(ActionKind.WEBINAR, capacity=3)
    [holder] = register(UserFactory(), session)
    services.cancel(holder, by=holder.user, reason="Empêchement")
    notice = staff_notice()
    for body in (notice.body_text, notice.body_html):
        assert "liste d'attente" not in body
        assert "La place est de nouveau libre." in body


def test_leaving_the_waiting_list_frees_no_place():
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [first] = register(UserFactory(), session)
    register(UserFactory(), session)
    services.cancel(first, by=first.user, reason="Plus disponible")
    notice = staff_notice()
    for body in (notice.body_text, notice.body_html):
        assert OFFERED not in body and "de nouveau libre" not in body
