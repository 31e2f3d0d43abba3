"""Hostile input: garbage, huge, unicode, missing and forged values never give a 500 and
never change the database (property-based, with hypothesis)."""

import pytest
from django.db.models import Max
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import CartItem, Registration, RegistrationEvent
from mailing.models import Email
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db

HOSTILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

garbage = st.one_of(
    st.text(max_size=50),
    st.integers(min_value=1000, max_value=3000).map(lambda n: "aé€𝔘\u202e<>'\"%;" * n),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "NaN",
            "null",
            "1e309",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "😀" * 20,
            "2026-02-30",
            "١٢٣",
        ]
    ),
)


def db_state():
    """What any hostile request must leave untouched."""
    return (
        Registration.objects.count(),
        CartItem.objects.count(),
        Email.objects.count(),
        RegistrationEvent.objects.aggregate(last=Max("pk"))["last"],
        tuple(Registration.objects.order_by("pk").values_list("status", flat=True)),
    )


def assert_not_server_error(response):
    assert response.status_code < 500, response.content[:500]


@pytest.fixture
def catalogue_data():
    session_of(ActionKind.TRAINING)
    session_of(ActionKind.WEBINAR)


@HOSTILE
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "kind",
                "theme",
                "department",
                "format",
                "audience",
                "date_from",
                "date_to",
                "du",
                "au",
                "available",
                "page",
                "sort",
                "places",
            ]
        ),
        garbage,
        max_size=6,
    )
)
def test_catalogue_parameters_never_break_the_page(client, catalogue_data, params):
    before = db_state()
    response = client.get(reverse("catalog:catalogue"), params)
    assert response.status_code in {200, 400, 404}
    assert db_state() == before


@HOSTILE
@given(slug=garbage)
def test_action_slugs_never_break(client, slug):
    response = client.get(f"/catalogue/{slug.replace('/', '-')}/")
    assert_not_server_error(response)


@pytest.fixture
def cart_owner():
    user = MemberEmployeeFactory()
    services.add_to_cart(user, session_of(ActionKind.TRAINING))
    services.add_to_cart(user, session_of(ActionKind.WEBINAR))
    return user


CONTACT = ["first_name", "last_name", "email", "phone", "job_title"]


@st.composite
def invalid_cart_posts(draw, session_ids):
    """A cart POST with at least one field missing, blank, too long or malformed."""
    data = {name: draw(garbage) for name in CONTACT}
    for session_id in session_ids:
        data[f"motivations_{session_id}"] = draw(garbage)
    broken = draw(st.sampled_from([*CONTACT, *[f"motivations_{s}" for s in session_ids]]))
    data[broken] = draw(st.sampled_from(["", "   ", "x" * 6000, None]))
    data["email"] = draw(st.sampled_from([data["email"], "pas-une-adresse", "@", "a@"]))
    # forged motivations for sessions that are not in the cart
    data[f"motivations_{draw(st.integers(min_value=10**6, max_value=10**9))}"] = "forgé"
    return {key: value for key, value in data.items() if value is not None}


@HOSTILE
@given(data=st.data())
def test_invalid_cart_validation_changes_nothing(client, cart_owner, data):
    client.force_login(cart_owner)
    session_ids = list(
        CartItem.objects.filter(cart__user=cart_owner).values_list("session_id", flat=True)
    )
    post = data.draw(invalid_cart_posts(session_ids))
    before = db_state()
    response = client.post(reverse("enrollment:cart"), post)
    assert response.status_code == 200
    assert response.context["form"].errors or response.context["refused_items"]
    assert db_state() == before


@HOSTILE
@given(session_id=st.integers(min_value=-5, max_value=2**63))
def test_forged_session_ids_in_cart_urls(client, cart_owner, session_id):
    """Ids of no session (a small one may be a real session's: that is no forgery)."""
    from catalog.models import Session

    assume(not Session.objects.filter(pk=session_id).exists())
    client.force_login(cart_owner)
    before = db_state()
    for name in ("enrollment:cart_add", "enrollment:cart_remove"):
        try:
            url = reverse(name, args=[session_id])
        except Exception:  # noqa: BLE001 — negative ids do not even route
            continue
        response = client.post(url)
        assert response.status_code in {302, 404}
    assert db_state()[0] == before[0]
    assert CartItem.objects.filter(cart__user=cart_owner).count() == 2


@pytest.fixture
def two_professionals():
    owner = UserFactory()
    other = UserFactory()
    [registration] = register(owner, session_of(ActionKind.WEBINAR))
    return owner, other, registration


@HOSTILE
@given(reason=garbage)
def test_cancellation_of_someone_elses_request_is_404(client, two_professionals, reason):
    owner, other, registration = two_professionals
    client.force_login(other)
    before = db_state()
    url = reverse("enrollment:cancel", args=[registration.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": reason}).status_code == 404
    assert db_state() == before


@HOSTILE
@given(reason=st.sampled_from(["", "   ", "\n\t", "x" * 10000]))
def test_cancellation_without_a_usable_reason_changes_nothing(client, two_professionals, reason):
    owner, _, registration = two_professionals
    client.force_login(owner)
    before = db_state()
    response = client.post(reverse("enrollment:cancel", args=[registration.pk]), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert db_state() == before


# --- the Employer Space: decisions with forged ids and unusable reasons -----------------------


@pytest.fixture
def decision_world():
    from tests.factories import session_of as make_session

    mine, theirs = MemberEmployeeFactory(), MemberEmployeeFactory()
    approver = UserFactory(structure=mine.structure)
    mine.structure.approvers.add(approver)
    theirs.structure.approvers.add(UserFactory(structure=theirs.structure))
    [own_request] = register(mine, make_session(ActionKind.TRAINING))
    [foreign_request] = register(theirs, make_session(ActionKind.TRAINING))
    return approver, own_request, foreign_request


@HOSTILE
@given(reason=garbage)
def test_deciding_another_structures_request_is_404(client, decision_world, reason):
    approver, _, foreign = decision_world
    client.force_login(approver)
    before = db_state()
    assert client.post(reverse("employers:approve", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("employers:refuse", args=[foreign.pk]), {f"refuse-{foreign.pk}-reason": reason}
    )
    assert response.status_code == 404
    assert db_state() == before


@HOSTILE
@given(reason=st.sampled_from(["", " ", "\n\t ", "x" * 2001]))
def test_refusal_without_a_usable_reason_changes_nothing(client, decision_world, reason):
    approver, own, _ = decision_world
    client.force_login(approver)
    before = db_state()
    response = client.post(
        reverse("employers:refuse", args=[own.pk]), {f"refuse-{own.pk}-reason": reason}
    )
    assert response.status_code == 400
    assert db_state() == before


@HOSTILE
@given(ids=st.lists(garbage, max_size=5))
def test_bulk_acceptance_of_garbage_or_foreign_ids_changes_nothing(client, decision_world, ids):
    approver, _, foreign = decision_world
    client.force_login(approver)
    before = db_state()
    response = client.post(
        reverse("employers:bulk_approve"), {"registrations": [*ids, str(foreign.pk)]}
    )
    assert response.status_code in {302, 400, 404}
    assert db_state() == before


# --- signup and profile -----------------------------------------------------------------------


SIGNUP_FIELDS = [
    "email",
    "password1",
    "password2",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "employment_status",
    "field_of_activity",
    "department",
    "structure_query",
    "new_structure_name",
    "new_structure_siret",
    "new_structure_department",
]


def test_signup_fields_are_the_forms():
    """The fuzzed names are the signup form's own: fuzzing names it does not have tests
    nothing."""
    from web.accounts.forms import SignupProfileForm

    profile_fields = set(SignupProfileForm.base_fields)
    assert set(SIGNUP_FIELDS[3:]) <= profile_fields


@HOSTILE
@given(
    data=st.fixed_dictionaries(dict.fromkeys(SIGNUP_FIELDS[3:], garbage)),
    email=st.sampled_from(["", "pas-une-adresse", "@example.test", "a@", "a" * 300, "ok"]),
)
def test_signup_with_garbage_creates_nothing_invalid(client, data, email):
    """Garbage in the profile fields, with an invalid or a valid email: the page answers with
    its French errors and creates nothing — or, when every field happens to be valid, a user
    whose stored profile respects the form's limits. Never a 500."""
    from accounts.models import User
    from employers.models import Structure

    if email == "ok":
        email = f"fuzz{User.objects.count()}@example.test"
    users, structures = User.objects.count(), Structure.objects.count()
    password = {"password1": "un-mot-de-passe-solide-42", "password2": "un-mot-de-passe-solide-42"}
    response = client.post(reverse("account_signup"), {**data, **password, "email": email})
    assert_not_server_error(response)
    if response.status_code != 302:
        assert (User.objects.count(), Structure.objects.count()) == (users, structures)
    else:
        user = User.objects.get(email=email)
        for name in SIGNUP_FIELDS[3:10]:
            field = User._meta.get_field(name)
            value = getattr(user, name)
            assert len(value) <= field.max_length
            assert not field.choices or value in dict(field.flatchoices)


@HOSTILE
@given(data=st.fixed_dictionaries(dict.fromkeys(SIGNUP_FIELDS[3:], garbage)))
def test_profile_with_garbage_keeps_the_profile(client, data):
    user = MemberEmployeeFactory()
    client.force_login(user)
    snapshot = type(user).objects.filter(pk=user.pk).values().get()
    response = client.post(reverse("accounts:profile"), data)
    assert_not_server_error(response)
    if response.status_code == 200:  # the form and its French errors
        assert response.context["form"].errors
        assert type(user).objects.filter(pk=user.pk).values().get() == snapshot
