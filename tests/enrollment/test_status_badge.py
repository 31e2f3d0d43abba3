"""A registration's state is one badge everywhere: a colour, and always words."""

import pytest
from django.template import Context, Template

from enrollment.models import RegistrationStatus
from web.templatetags.enrollment_tags import BADGE_CSS

Status = RegistrationStatus


def badge(arguments: str, **context) -> str:
    template = Template("{% load enrollment_tags %}{% status_badge " + arguments + " %}")
    return template.render(Context(context))


def test_every_state_has_a_colour():
    assert set(BADGE_CSS) == set(Status)


@pytest.mark.parametrize(
    ("arguments", "html"),
    [
        pytest.param(
            "status",
            '<span class="badge status-refused">Refusée par l&#x27;employeur</span>',
            id="name",
        ),
        pytest.param(
            'status "decision"', '<span class="badge status-refused">Refusée</span>', id="decision"
        ),
        pytest.param(
            '"pending_provider" "decision"',
            '<span class="badge status-confirmed">Acceptée</span>',
            id="acceptance",
        ),
        pytest.param(
            '"waitlisted" "own" 3',
            '<span class="badge status-waitlisted">En liste d\'attente — position 3</span>',
            id="own_position",
        ),
        pytest.param(
            '"pending_employer" "place"',
            '<span class="badge status-pending">Place réservée</span>',
            id="place",
        ),
    ],
)
def test_the_badge_says_the_state_in_words(arguments, html):
    assert badge(arguments, status=Status.REFUSED) == html
