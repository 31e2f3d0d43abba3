"""The main pages and emails, rendered, read as a person reads them: no plain space where a
line must not break (« x : », « « x », « 17 h »), no hour written « 18h27 » or « 09h00 »
(issue 25, French typography done once: common.typography)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from common.typography import plain_space_cases
from enrollment import services
from mailing.models import Email
from tests.emails import rendered
from tests.factories import (
    FaqEntryFactory,
    MemberEmployeeFactory,
    UserFactory,
    awaiting_provider,
    member_structure_with_approver,
    provider_user_of,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db


class _VisibleText(HTMLParser):
    """The text a person sees: no script, style or form field's content."""

    HIDDEN = {"script", "style", "textarea", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.fixture
def world():
    """A training on 1 March at 9 h 30 (a « 1er »), a workshop, an FAQ entry, a member
    employee with a request at each step, their approver and the provider's account."""
    start = timezone.make_aware(dt.datetime(timezone.localdate().year + 1, 3, 1, 9, 30))
    training = session_of(ActionKind.TRAINING, starts_at=start)
    training.action.title = "Conduire un entretien d'orientation"
    training.action.objectives = "Structurer l'entretien : accueil, écoute, suite."
    training.action.save()
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP, days=50)
    FaqEntryFactory(question="Combien d'actions par an ?", answer="Quatre : dont trois.")
    structure = member_structure_with_approver("direction@example.test")
    employee = MemberEmployeeFactory(structure=structure, email="salarie@example.test")
    register(employee, workshop)
    waiting = awaiting_provider(training)
    provider = provider_user_of(training, email="prestataire@example.test")
    services.add_to_cart(employee, training)
    return {
        "training": training,
        "employee": employee,
        "approver": structure.approver,
        "provider": provider,
        "waiting": waiting,
    }


def _scan(client, user, names):
    client.force_login(user) if user else client.logout()
    found = []
    for name, args in names:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        found += [(name, *case) for case in plain_space_cases(visible_text(response.text))]
    return found


def test_the_main_pages_have_no_plain_space_where_a_line_must_not_break(client, world):
    training = world["training"]
    found = _scan(
        client,
        None,
        [
            ("catalog:home", []),
            ("catalog:catalogue", []),
            ("catalog:action_detail", [training.action.slug]),
            ("catalog:faq", []),
        ],
    )
    found += _scan(
        client,
        world["employee"],
        [
            ("enrollment:cart", []),
            ("enrollment:my_space", []),
            ("accounts:profile", []),
            ("catalog:action_detail", [training.action.slug]),
        ],
    )
    found += _scan(
        client,
        world["approver"],
        [("employers:space", []), ("employers:history", [])],
    )
    found += _scan(
        client,
        world["provider"],
        [
            ("operations:provider_space", []),
            ("operations:provider_session", [training.pk]),
        ],
    )
    assert found == [], "\n".join(map(repr, found))


def test_the_emails_have_no_plain_space_where_a_line_must_not_break(world):
    services.confirm(world["waiting"], by=UserFactory(is_staff=True))
    emails = rendered(Email.objects.all())
    assert len({email.template for email in emails}) >= 4
    found = []
    for email in emails:
        for part in (email.subject, email.body_text, visible_text(email.body_html)):
            found += [(email.template, *case) for case in plain_space_cases(part)]
    assert found == [], "\n".join(map(repr, found))
