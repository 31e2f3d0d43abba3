"""Answering a questionnaire through the email's link or from « Mon espace », once; what the
provider, the employer and staff see of the answers (DESIGN.md turn 3: aggregates only, none
below 3 answers; names only with the person's consent); the CSV and the PDF of the
financer's view."""

import datetime as dt
import html
import io
import os
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment.models import RegistrationStatus
from surveys.models import Survey, SurveyAnswer
from surveys.selectors import to_answer
from tests.factories import (
    RegistrationFactory,
    StructureFactory,
    UserFactory,
    provider_user_of,
    session_of,
)
from tests.surveys.data import programme_2027

pytestmark = pytest.mark.django_db
HOT = {"objectives": "4", "content": "5", "trainer": "3", "organisation": "2"}


def survey_of(session, kind="hot", *, user=None, structure=None, days_left=20):
    now = timezone.now()
    fields = {}
    if kind == "employer":
        fields["structure"] = structure
    else:
        user = user or UserFactory()
        fields["registration"] = RegistrationFactory(
            session=session, user=user, status=RegistrationStatus.ATTENDED
        )
        fields["respondent"] = user
    return Survey.objects.create(
        kind=kind,
        session=session,
        token=f"t{Survey.objects.count()}-" + "z" * 40,
        sent_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=days_left),
        **fields,
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def session():
    return session_of(ActionKind.TRAINING, starts_at=timezone.now() - dt.timedelta(days=3))


def test_the_link_alone_answers_once(client, session):
    survey = survey_of(session)
    url = reverse("surveys:answer", args=[survey.token])
    form = client.get(url)
    assert form.status_code == 200
    text = page(form)
    assert "Les objectifs de l'action ont-ils été atteints\u00a0?" in text
    assert '<meta name="robots" content="noindex">' in text
    assert text.count("<fieldset") == 4  # one per scale, each with its legend
    assert 'name="consent_named"' in text and "checked" not in text.split("consent_named")[1][:80]
    response = client.post(url, {**HOT, "comment": " Très concret. "})
    assert response.status_code == 302
    answer = SurveyAnswer.objects.get(survey=survey)
    assert (answer.objectives, answer.content, answer.trainer, answer.organisation) == (4, 5, 3, 2)
    assert (answer.comment, answer.consent_named) == ("Très concret.", False)
    assert answer.answered_by == survey.respondent
    again = client.get(url)
    assert "Vous avez déjà répondu à ce questionnaire le" in page(again)
    assert "Merci\u00a0! Votre réponse est enregistrée." in page(again)
    client.post(url, {**HOT, "objectives": "1"})
    assert SurveyAnswer.objects.count() == 1


def test_a_missing_score_is_said_and_nothing_saved(client, session):
    survey = survey_of(session)
    response = client.post(reverse("surveys:answer", args=[survey.token]), {"objectives": "4"})
    assert response.status_code == 400
    assert "Choisissez une note de 1 à 5." in page(response)
    assert "Votre réponse n'est pas encore enregistrée" in page(response)
    assert not SurveyAnswer.objects.exists()


def test_an_unknown_token_answers_404(client):
    assert client.get(reverse("surveys:answer", args=["nope"])).status_code == 404


def test_the_database_keeps_one_answer_and_one_questionnaire_per_person(session):
    survey = survey_of(session)
    SurveyAnswer.objects.create(survey=survey, answered_at=timezone.now(), impact=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.create(survey=survey, answered_at=timezone.now(), impact=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(
            kind="hot",
            session=session,
            registration=survey.registration,
            respondent=survey.respondent,
            token="another" + "y" * 40,
            sent_at=timezone.now(),
            closes_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.filter(survey=survey).update(impact=6)


def test_my_space_lists_what_to_answer_and_checks_the_person(client, session):
    person = UserFactory()
    own = survey_of(session, user=person)
    answered = survey_of(session_of(ActionKind.WEBINAR), user=person)
    SurveyAnswer.objects.create(survey=answered, answered_at=timezone.now(), impact=3)
    Survey.objects.filter(pk=answered.pk).update(answered_at=timezone.now())
    closed = survey_of(session_of(ActionKind.WEBINAR), user=person, days_left=-1)
    someone_else = survey_of(session)
    client.force_login(person)
    space = page(client.get(reverse("enrollment:my_space")))
    assert "Questionnaires à remplir" in space
    assert reverse("surveys:my_answer", args=[own.pk]) in space
    for other in (answered, closed, someone_else):
        assert reverse("surveys:my_answer", args=[other.pk]) not in space
    assert client.get(reverse("surveys:my_answer", args=[own.pk])).status_code == 200
    assert client.get(reverse("surveys:my_answer", args=[someone_else.pk])).status_code == 404
    client.post(reverse("surveys:my_answer", args=[own.pk]), {**HOT, "consent_named": "on"})
    assert SurveyAnswer.objects.get(survey=own).consent_named is True
    client.logout()
    response = client.get(reverse("surveys:my_answer", args=[own.pk]))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_an_employer_answers_for_the_structure(client, session):
    structure = StructureFactory(name="Mission locale des Graves")
    approver, colleague = UserFactory(structure=structure), UserFactory(structure=structure)
    structure.approvers.add(approver, colleague)
    survey = survey_of(session, "employer", structure=structure)
    client.force_login(colleague)
    assert reverse("surveys:my_answer", args=[survey.pk]) in page(
        client.get(reverse("enrollment:my_space"))
    )
    form = page(client.get(reverse("surveys:my_answer", args=[survey.pk])))
    assert "Cette action a-t-elle eu un effet sur la pratique de vos salariés\u00a0?" in form
    client.post(
        reverse("surveys:my_answer", args=[survey.pk]),
        {"impact": "4", "comment": "Plus d'assurance.", "consent_named": "on"},
    )
    answer = SurveyAnswer.objects.get(survey=survey)
    assert (answer.impact, answer.answered_by) == (4, colleague)
    client.force_login(UserFactory())
    assert client.get(reverse("surveys:my_answer", args=[survey.pk])).status_code == 404


def test_staff_read_answers_named_only_with_consent(admin_client, session):
    anonymous = survey_of(session, user=UserFactory(first_name="Zoé", last_name="Anonyme"))
    named = survey_of(session, user=UserFactory(first_name="Inès", last_name="Nommée"))
    for survey, consent in ((anonymous, False), (named, True)):
        SurveyAnswer.objects.create(
            survey=survey,
            answered_by=survey.respondent,
            answered_at=timezone.now(),
            consent_named=consent,
            comment="Un commentaire.",
            **{k: int(v) for k, v in HOT.items()},
        )
    listing = page(admin_client.get(reverse("admin:surveys_surveyanswer_changelist")))
    assert "Inès Nommée" in listing
    assert "Zoé" not in listing and "Anonyme" in listing
    detail = page(
        admin_client.get(reverse("admin:surveys_surveyanswer_change", args=[anonymous.pk]))
    )
    assert "Zoé" not in detail and "Un commentaire." in detail
    # Who was asked is not listed beside the answers.
    assert admin_client.get("/admin/surveys/survey/").status_code == 404


def answered(survey, score):
    SurveyAnswer.objects.create(
        survey=survey, answered_at=timezone.now(), **dict.fromkeys(HOT, score)
    )
    Survey.objects.filter(pk=survey.pk).update(answered_at=timezone.now())


def test_a_provider_sees_means_of_three_answers_or_more_only(client, session):
    provider_user = provider_user_of(session)
    for score in (5, 4):
        answered(survey_of(session), score)
    survey_of(session)  # unanswered
    other = session_of(ActionKind.TRAINING, starts_at=timezone.now() - dt.timedelta(days=9))
    other.action.provider = session.action.provider
    other.action.save()
    for score in (5, 4, 2):
        answered(survey_of(other), score)
    foreign = session_of(ActionKind.TRAINING, starts_at=timezone.now() - dt.timedelta(days=4))
    for score in (1, 1, 1):
        answered(survey_of(foreign), score)
    client.force_login(provider_user)
    response = client.get(reverse("surveys:provider"))
    text = page(response)
    rows = {row.session.pk: row.satisfaction.hot for row in response.context["sessions"]}
    assert set(rows) == {session.pk, other.pk}  # never another provider's
    assert (rows[session.pk].answers, rows[session.pk].sent, rows[session.pk].shown) == (
        2,
        3,
        False,
    )
    assert rows[session.pk].mean("objectives") is None
    assert rows[other.pk].rounded["objectives"] == 3.7
    assert "Moins de 3\u00a0réponses\u00a0: non communiqué" in text
    overall = response.context["overall"].hot
    # Five answers, but the mean is the shown session's only: with the two hidden ones in it
    # (4.0), the difference would give their mean away.
    assert (overall.answers, overall.mean("objectives")) == (5, 3.7)
    assert "Un commentaire" not in text  # no answer one by one
    assert "Voir la satisfaction de vos sessions" in page(
        client.get(reverse("operations:provider_space"))
    )
    client.force_login(UserFactory())
    assert client.get(reverse("surveys:provider")).status_code == 403


def test_the_csv_holds_every_figure_by_group_and_the_total(client, staff):
    programme_2027()
    client.force_login(staff)
    response = client.get(reverse("operations:dashboard_csv"), {"year": "2027"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    total = dict(zip(header, lines[-1].split(";"), strict=True))
    assert header[0] == "Département"
    assert total["Département"] == "Total"
    assert (total["Places offertes"], total["Places prises"], total["Remplissage (%)"]) == (
        "110",
        "12",
        "11",
    )
    assert total["Liste d'attente par place offerte"] == "0,03"
    assert total["Objectifs atteints (sur 5)"] == "4,0"
    assert total["Effet sur la pratique (sur 5)"] == ""  # 2 answers: withheld
    assert (total["Questionnaires à chaud envoyés"], total["Réponses à chaud"]) == ("9", "6")
    assert len(lines) == 4  # header, two departments, total
    client.force_login(UserFactory())
    assert client.get(reverse("operations:dashboard_csv")).status_code == 403


def test_the_funders_report_is_one_page(client, staff, documents_enabled):
    from pypdf import PdfReader

    programme_2027()
    client.force_login(staff)
    response = client.get(reverse("operations:dashboard_pdf"), {"year": "2027"})
    assert response["Content-Type"] == "application/pdf"
    if os.environ.get("PP_SCREENSHOTS"):  # a folder: the report saved there to look at
        Path(os.environ["PP_SCREENSHOTS"], "pilotage.pdf").write_bytes(response.content)
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Bilan du programme ParcoursPro" in text
    assert "Sessions commençant en 2027" in text
    assert "110" in text and "4,0 / 5" in text
    client.force_login(UserFactory())
    assert client.get(reverse("operations:dashboard_pdf")).status_code == 403


def test_my_space_reads_employer_questionnaires_only_for_an_approver(client, session):
    """The header's statement says whether the person approves for a structure: a person
    who does not has only their own questionnaires read (no structures' subquery); an
    approver sees both, and becoming one shows the structure's at the next page."""
    structure = StructureFactory(name="Mission locale des Graves")
    person = UserFactory(structure=structure)
    own = survey_of(session, user=person)
    employer = survey_of(session, "employer", structure=structure)
    client.force_login(person)
    statements = CaptureQueriesContext(connection)
    with statements:
        space = page(client.get(reverse("enrollment:my_space")))
    assert reverse("surveys:my_answer", args=[own.pk]) in space
    assert reverse("surveys:my_answer", args=[employer.pk]) not in space
    [survey_read] = [q["sql"] for q in statements.captured_queries if "surveys_survey" in q["sql"]]
    assert "employers_structure" not in survey_read
    structure.approvers.add(person)
    space = page(client.get(reverse("enrollment:my_space")))
    for survey in (own, employer):
        assert reverse("surveys:my_answer", args=[survey.pk]) in space


def test_my_space_reads_what_it_says_of_a_questionnaire_and_no_more(
    session, django_assert_num_queries
):
    """`to_answer` reads the questionnaire's kind and deadline, its session's dates, its
    action's title and, for a structure's, the structure's name: in its one statement, the
    rest left unread (`surveys.selectors.LISTED`)."""
    structure = StructureFactory(name="Mission locale des Graves")
    approver = UserFactory(structure=structure)
    structure.approvers.add(approver)
    survey_of(session, user=approver)
    survey_of(session_of(ActionKind.WEBINAR), "employer", structure=structure)
    with django_assert_num_queries(1):
        surveys = to_answer(approver)
        said = [
            (s.kind, s.closes_at, s.session.starts_at, s.session.ends_at, s.session.action.title)
            for s in surveys
        ]
        names = [s.structure.name for s in surveys if s.kind == "employer"]
    assert [kind for kind, *_ in said] == ["hot", "employer"]
    assert names == ["Mission locale des Graves"]
    assert {"token", "sent_at", "registration_id"} <= surveys[0].get_deferred_fields()
    assert "summary" in surveys[0].session.action.get_deferred_fields()
    with django_assert_num_queries(1):
        [own] = to_answer(approver, approver=False)
        assert (own.kind, own.session.action.title) == ("hot", session.action.title)
    assert "token" in own.get_deferred_fields()
    # What the page says of it, read from these columns.
    client = Client()
    client.force_login(approver)
    space = page(client.get(reverse("enrollment:my_space")))
    assert f"Votre avis sur «\u00a0{session.action.title}\u00a0»" in space
    assert "Mission locale des Graves" in space
