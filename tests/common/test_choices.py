"""`choice_label`: a field's value named on screen as Django's `get_FOO_display()` names it,
for one translation rather than one for each of the field's choices."""

import pytest
from django.utils import translation

from catalog.models import Action, Session
from common.choices import choice_label
from employers.models import Membership
from enrollment.models import Registration, RegistrationEvent
from tests.translations import translations_during

# Every field the pages, emails and exports name with it, each with every value it may hold,
# a blank one where the field allows it, and a value that is none of its choices (an old
# row): Django's display gives the value itself.
FIELDS = [
    (Action, "kind"),
    (Session, "department"),
    (Registration, "status"),
    (Registration, "waitlist_reason"),
    (RegistrationEvent, "to_status"),
    (Membership, "formula"),
]
CASES = [
    (model, field, value)
    for model, field in FIELDS
    for value in [*(choice for choice, _ in model._meta.get_field(field).choices), "", "legacy"]
]


@pytest.mark.parametrize(("model", "field", "value"), CASES)
def test_it_names_every_value_as_django_does(model, field, value):
    instance = model(**{field: value})
    with translation.override("fr"):
        assert choice_label(instance, field) == getattr(instance, f"get_{field}_display")()


@pytest.mark.parametrize(
    ("model", "field", "value", "label"),
    [
        (Action, "kind", "webinar", "Webinaire"),
        (Session, "department", "33", "33 — Gironde"),
        (Registration, "status", "pending_employer", "En attente de l'employeur"),
        (
            Registration,
            "waitlist_reason",
            "structure_cap",
            "Déjà 2 collègues de votre structure inscrits",
        ),
        (RegistrationEvent, "to_status", "cancelled", "Désistement"),
        (Registration, "status", "", ""),
        (Registration, "status", "legacy", "legacy"),
    ],
)
def test_it_says_the_label_in_french(model, field, value, label):
    with translation.override("fr"):
        assert choice_label(model(**{field: value}), field) == label


@pytest.mark.parametrize("value", ["webinar", "training", "conference"])
def test_a_label_costs_one_translation_where_django_translates_every_choice(value):
    action = Action(kind=value)
    with translation.override("fr"):
        label, ours = translations_during(lambda: choice_label(action, "kind"))
        same, djangos = translations_during(action.get_kind_display)
    assert label == same
    assert ours == 1
    # Django's: every kind (8), then the one it gives.
    assert djangos == len(Action._meta.get_field("kind").choices) + 1
