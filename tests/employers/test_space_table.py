"""The Employer Space's requests as a table: filters and order kept in the URL, pages, bulk
acceptance and refusal with one reason, the employer's wording of the waiting list (R4, R5,
R7), and the decisions history with the same filters."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import employer_requests, services
from enrollment.models import Registration
from mailing.models import Email
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
SPACE = reverse("employers:space")
HISTORY = reverse("employers:history")


def text(response) -> str:
    return unescape(response.content.decode())


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="request-(\d+)"', html)]


@pytest.fixture
def people(structure):
    """Three employees of the structure, named so that their order is known."""
    return [
        MemberEmployeeFactory(structure=structure, first_name=first, last_name=last)
        for first, last in (("Zoé", "Abadie"), ("Yves", "Bernard"), ("Xavier", "Colin"))
    ]


def test_pending_requests_are_a_table_with_headers_caption_and_labelled_checkboxes(
    approver_client, people
):
    training = session_of(ActionKind.TRAINING)
    training.action.title = "Conduire un entretien"
    training.action.save()
    (registration,) = register(people[0], training, motivations="Accueillir les jeunes.")
    html = text(approver_client.get(SPACE))
    assert '<div class="table-wrapper" role="region" tabindex="0" aria-labelledby=' in html
    assert '<caption id="requests-caption">Demandes en attente de votre décision' in html
    for heading in ("Salarié·e", "Action", "Session", "Demandée le"):
        assert re.search(rf'<th scope="col"[^>]*><a href="\?sort=[-a-z]+" [^>]*>{heading}', html)
    assert '<th scope="row">Zoé Abadie' in html
    assert (
        f'<label for="select-{registration.pk}" class="visually-hidden">Sélectionner la demande '
        "de Zoé Abadie pour «\u00a0Conduire un entretien\u00a0»</label>" in html
    )
    # The motivations and the refusal's reason are disclosures, closed until opened.
    assert "<summary>Lire" in html and "Accueillir les jeunes." in html
    assert '<details class="details row-refusal">' in html
    assert '<details class="details">\n        <summary>Refuser la sélection…</summary>' in html


def test_filters_select_rows_and_ignore_invalid_values(approver_client, people):
    training, webinar = session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR)
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP)
    (first,) = register(people[0], training)
    (second,) = register(people[1], workshop)
    (short,) = register(people[2], webinar)
    assert short.status == Status.CONFIRMED

    assert set(row_ids(text(approver_client.get(SPACE)))) == {first.pk, second.pk}
    html = text(approver_client.get(SPACE, {"employee": people[1].pk}))
    assert row_ids(html) == [second.pk]
    html = text(approver_client.get(SPACE, {"kind": ActionKind.TRAINING}))
    assert row_ids(html) == [first.pk]
    year = training.starts_at.year
    assert set(row_ids(text(approver_client.get(SPACE, {"year": year})))) == {first.pk, second.pk}
    # Every request of the structure, for information: the webinar has no decision to take.
    html = text(approver_client.get(SPACE, {"status": "all", "employee": people[2].pk}))
    assert row_ids(html) == [short.pk]
    assert reverse("employers:approve", args=[short.pk]) not in html
    assert 'id="bulk"' not in html
    html = text(approver_client.get(SPACE, {"status": "confirmed"}))
    assert row_ids(html) == [short.pk]

    response = approver_client.get(
        SPACE, {"employee": "999999", "kind": "nope", "year": year + 5, "sort": "x"}
    )
    assert response.status_code == 200
    assert "Un critère n'est pas valide\u00a0: il est ignoré." in text(response)
    assert set(row_ids(text(response))) == {first.pk, second.pk}


def test_columns_sort_both_ways_and_their_links_keep_the_filters(approver_client, people):
    sessions = [session_of(ActionKind.TRAINING, days=40 + n) for n in range(3)]
    # Submitted in the reverse order of the names.
    registrations = [
        register(person, session)[0]
        for person, session in zip(reversed(people), sessions, strict=True)
    ]
    by_name = sorted(registrations, key=lambda r: r.last_name)
    assert row_ids(text(approver_client.get(SPACE))) == [r.pk for r in registrations]
    assert row_ids(text(approver_client.get(SPACE, {"sort": "employee"}))) == [
        r.pk for r in by_name
    ]
    assert row_ids(text(approver_client.get(SPACE, {"sort": "-employee"}))) == [
        r.pk for r in reversed(by_name)
    ]

    html = text(approver_client.get(SPACE, {"kind": ActionKind.TRAINING, "sort": "employee"}))
    assert '<th scope="col" aria-sort="ascending"><a href="?kind=training&sort=-employee"' in html
    assert '<a href="?kind=training&sort=session"' in html
    # The decisions come back to the same view of the table.
    assert f'action="{reverse("employers:approve", args=[by_name[0].pk])}?kind=training&' in html


def test_pages_of_fifty_keep_the_filters_and_the_order(approver_client, people, monkeypatch):
    monkeypatch.setattr(employer_requests, "ROWS_PER_PAGE", 2)
    registrations = [
        register(people[n % 3], session_of(ActionKind.TRAINING, days=40 + n))[0] for n in range(5)
    ]
    html = text(approver_client.get(SPACE, {"kind": "training", "sort": "-submitted"}))
    assert row_ids(html) == [registrations[4].pk, registrations[3].pk]
    assert "page 1 sur 3" in html
    link = re.search(r'<a href="\?([^"]+)" rel="next">', html).group(1)
    assert parse_qs(link) == {"kind": ["training"], "sort": ["-submitted"], "page": ["2"]}
    html = text(approver_client.get(f"{SPACE}?{link}"))
    assert row_ids(html) == [registrations[2].pk, registrations[1].pk]


def test_a_decision_comes_back_to_the_filtered_page(approver_client, people):
    (registration,) = register(people[0], session_of(ActionKind.TRAINING))
    url = reverse("employers:approve", args=[registration.pk])
    response = approver_client.post(f"{url}?kind=training&sort=-employee&page=1&evil=1")
    location = urlsplit(response["Location"])
    assert location.path == SPACE
    assert parse_qs(location.query) == {"kind": ["training"], "sort": ["-employee"], "page": ["1"]}
    assert location.fragment == "demandes"


def test_bulk_refusal_refuses_the_selection_with_one_reason(approver_client, people):
    registrations = [register(person, session_of(ActionKind.TRAINING))[0] for person in people]
    selected = [r.pk for r in registrations[:2]]
    response = approver_client.post(
        reverse("employers:bulk_refuse") + "?kind=training",
        {"registrations": selected, "reason": "Budget formation épuisé."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SPACE}?kind=training#demandes"
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in selected] == [Status.REFUSED, Status.REFUSED]
    assert statuses[registrations[2].pk] == Status.PENDING_EMPLOYER
    for registration in registrations[:2]:
        email = rendered(Email.objects.get(template="employer_decision", to=registration.email))
        assert "Budget formation épuisé." in email.body_text
    page = text(approver_client.get(response["Location"]))
    assert "2 demandes refusées\u00a0: un courriel transmet votre motif à chaque personne." in page


def test_bulk_refusal_without_a_reason_keeps_the_selection_and_says_what_is_missing(
    approver_client, people
):
    registrations = [register(person, session_of(ActionKind.TRAINING))[0] for person in people]
    response = approver_client.post(
        reverse("employers:bulk_refuse"), {"registrations": [registrations[1].pk], "reason": " "}
    )
    assert response.status_code == 400
    html = text(response)
    assert '<details class="details" open>' in html
    assert '<div role="alert"><ul class="errorlist" id="id_reason_error">' in html
    assert "Indiquez le motif du refus" in html
    assert f'value="{registrations[1].pk}" id="select-{registrations[1].pk}" checked>' in html
    assert f'value="{registrations[0].pk}" id="select-{registrations[0].pk}">' in html
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PENDING_EMPLOYER}


def test_bulk_refusal_without_a_selection_or_of_another_structure(
    approver_client, people, other_structure
):
    response = approver_client.post(
        reverse("employers:bulk_refuse"), {"reason": "Non."}, follow=True
    )
    assert (
        "Cochez au moins une demande avant de cliquer sur «\u00a0Refuser la sélection\u00a0»."
        in text(response)
    )
    (foreign,) = register(other_structure.employee, session_of(ActionKind.TRAINING))
    (own,) = register(people[0], session_of(ActionKind.TRAINING))
    response = approver_client.post(
        reverse("employers:bulk_refuse"), {"registrations": [own.pk, foreign.pk], "reason": "Non."}
    )
    assert response.status_code == 404
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PENDING_EMPLOYER}


def test_bulk_refusal_reports_a_request_already_decided(approver_client, approver, people):
    first, second = (register(p, session_of(ActionKind.TRAINING))[0] for p in people[:2])
    services.approve(first, by=approver)
    response = approver_client.post(
        reverse("employers:bulk_refuse"),
        {"registrations": [first.pk, second.pk], "reason": "Non."},
        follow=True,
    )
    html = text(response)
    assert "1 demande refusée" in html
    assert "n'attend plus de décision" in html


def test_r5_waiting_list_is_explained_to_the_employer(approver_client, people, structure):
    capped = session_of(ActionKind.TRAINING, capacity=12)
    for person in people:
        register(person, capped)
    full = session_of(ActionKind.PRACTICE_WORKSHOP, capacity=1)
    register(people[0], full)
    (waiting_full,) = register(people[1], full)
    waiting_cap = Registration.objects.get(user=people[2], session=capped)
    assert waiting_cap.waitlist_reason == Registration.WaitlistReason.STRUCTURE_CAP
    assert waiting_full.waitlist_reason == Registration.WaitlistReason.FULL

    html = text(approver_client.get(SPACE, {"status": "waitlisted"}))
    assert set(row_ids(html)) == {waiting_cap.pk, waiting_full.pk}
    assert "Deux salariés de votre structure ont déjà une place dans cette session" in html
    assert "La session est complète\u00a0: cette demande attend qu'une place se libère" in html
    assert "Pré-accepter" in html
    # Not the employee's wording.
    assert "votre demande est placée" not in html
    assert "Déjà 2 collègues de votre structure" not in html


def test_employees_table_gives_counters_and_a_link_to_their_requests(
    approver_client, people, structure
):
    register(people[0], session_of(ActionKind.TRAINING), session_of(ActionKind.DISCOVERY_MODULE))
    html = text(approver_client.get(SPACE))
    assert f'<a href="?employee={people[0].pk}&status=all#demandes">Voir ses demandes' in html
    assert "Zoé Abadie" in html and "Xavier Colin" in html
    # French's plural (0 and 1 singular), through the catalogue: « 0 formation ».
    employees = html.split('class="structure-space"', 1)[1].replace("\u00a0", " ")
    assert "0 sur 4, dont 0 formation sur 3" in employees
    assert "formations" not in employees


def test_history_lists_decisions_with_the_same_filters(approver_client, approver, people):
    first, second, third = (
        register(person, session_of(kind))[0]
        for person, kind in zip(
            people,
            (ActionKind.TRAINING, ActionKind.PRACTICE_WORKSHOP, ActionKind.TRAINING),
            strict=True,
        )
    )
    services.approve(first, by=approver)
    services.refuse(second, by=approver, reason="Atelier déjà suivi.")
    services.approve(third, by=approver)

    html = text(approver_client.get(HISTORY))
    assert "3 décisions" in html
    assert '<caption id="decisions-caption">' in html
    assert "Atelier déjà suivi." in html

    def names(**params):
        return re.findall(r'<th scope="row">([^<]+)', text(approver_client.get(HISTORY, params)))

    assert names(status="refused") == ["Yves Bernard"]
    assert names(employee=people[2].pk) == ["Xavier Colin"]
    assert names(kind="training", sort="employee") == ["Zoé Abadie", "Xavier Colin"]
    assert names(kind="training", sort="-employee") == ["Xavier Colin", "Zoé Abadie"]
    assert names(status="accepted", sort="decided") == ["Zoé Abadie", "Xavier Colin"]


def test_history_is_for_approvers_only(client, employee, approver, other_structure, people):
    (registration,) = register(people[0], session_of(ActionKind.TRAINING))
    services.refuse(registration, by=approver, reason="Motif confidentiel.")
    client.force_login(other_structure.approver)
    html = text(client.get(HISTORY))
    assert "Motif confidentiel." not in html and "Zoé Abadie" not in html
    client.force_login(employee)
    assert client.get(HISTORY).status_code == 403


def test_a_row_refused_without_reason_opens_its_box_and_keeps_the_selection(
    approver_client, people
):
    """A row's buttons post the whole table's form: the ticked rows stay ticked."""
    first, second = (register(p, session_of(ActionKind.TRAINING))[0] for p in people[:2])
    response = approver_client.post(
        reverse("employers:refuse", args=[first.pk]) + "?sort=employee",
        {f"refuse-{first.pk}-reason": "", "registrations": [second.pk], "reason": ""},
    )
    assert response.status_code == 400
    html = text(response)
    assert re.search(
        rf'<tr id="request-{first.pk}">.*?<details class="details row-refusal" open>', html, re.S
    )
    assert (
        f'<div role="alert"><ul class="errorlist" id="id_refuse-{first.pk}-reason_error">' in html
    )
    assert f'value="{second.pk}" id="select-{second.pk}" checked>' in html
    # The bulk refusal's box stays closed: its reason was not asked for.
    assert '<details class="details">\n        <summary>Refuser la sélection…' in html
    assert f'formaction="{reverse("employers:refuse", args=[first.pk])}?sort=employee"' in html


def test_what_people_typed_is_escaped_in_the_rows_and_the_structure_sections(
    approver_client, structure
):
    """The rows and each structure's section are Jinja2 parts written into the page as they
    are (web.jinja2.render_part): every value people typed is escaped there, as the Django
    template language escaped it."""
    hostile = '<script>alert("x")</script>'
    person = MemberEmployeeFactory(
        structure=structure, first_name=hostile, last_name="<b>Gras</b>", job_title=hostile
    )
    register(person, session_of(ActionKind.TRAINING), motivations=f"{hostile}\nSecond line")
    structure.name = f"{hostile} & Cie"
    structure.save()
    html = approver_client.get(SPACE).content.decode()
    assert "<script" not in html and "<b>Gras" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    )
    rows = html.split('<tr id="request-', 1)[1]
    assert "&lt;b&gt;Gras&lt;/b&gt;" in rows
    # Motivations keep their line breaks, their text escaped.
    assert "<br>Second line" in rows
    section = html.split('class="structure-space"', 1)[1]
    assert "&lt;script&gt;" in section and "&amp; Cie" in section
