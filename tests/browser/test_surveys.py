"""Questionnaires and the financer's view, in Chromium: a participant answers on a 390 px
phone (the 1–5 scales are fieldsets one can tick by their labels), « Mon espace » lists the
questionnaire, and « Pilotage »'s charts load as images beside their tables and pass axe at
1280 and 390 px, within the Content-Security-Policy (the `page` fixture fails on a
violation)."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from enrollment.models import RegistrationStatus
from surveys.models import Survey, SurveyAnswer
from tests.browser.pages import assert_accessible, login, verified
from tests.factories import DEMO_PASSWORD, RegistrationFactory, UserFactory, session_of
from tests.surveys.data import programme_2027

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("PP_SCREENSHOTS")  # a folder: pages saved there to look at


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def hot_survey():
    """A webinar that ended an hour ago and its participant's questionnaire « à chaud »."""
    session = session_of(ActionKind.WEBINAR, starts_at=timezone.now() - dt.timedelta(hours=3))
    session.action.title = "Accompagner les publics éloignés de l'emploi"
    session.action.save()
    person = verified(UserFactory(email="participante@example.test", first_name="Inès"))
    registration = RegistrationFactory(
        session=session, user=person, status=RegistrationStatus.ATTENDED
    )
    now = timezone.now()
    return Survey.objects.create(
        kind=Survey.Kind.HOT,
        session=session,
        registration=registration,
        respondent=person,
        token="jeton-de-test-" + "a" * 30,
        sent_at=now,
        closes_at=now + dt.timedelta(days=30),
    )


def test_a_participant_answers_on_a_phone_through_the_link(page, live_server, hot_survey):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/questionnaires/{hot_survey.token}/")
    assert "Votre avis sur" in page.get_by_role("heading", level=1).inner_text()
    assert page_width(page) <= PHONE["width"]
    shot(page, "survey-phone")
    assert_accessible(page)
    # Sent empty: the errors are said, and the form is still accessible.
    page.get_by_role("button", name="Envoyer mes réponses").click()
    assert page.get_by_role("alert").first.is_visible()
    assert_accessible(page)
    for question, score in [
        ("objectifs", "4 — Plutôt oui"),
        ("contenu", "5 — Tout à fait"),
        ("intervenant", "5 — Tout à fait"),
        ("organisation", "3 — Moyennement"),
    ]:
        group = page.get_by_role("group", name=question)
        group.get_by_label(score).check()
    consent = page.get_by_label("J'accepte que mes réponses soient transmises nominativement")
    assert not consent.is_checked()
    page.get_by_label("Un commentaire").fill("Des outils concrets, merci.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée" in page.inner_text("main")
    assert "Vous avez déjà répondu à ce questionnaire" in page.inner_text("main")
    assert_accessible(page)
    answer = SurveyAnswer.objects.get(survey=hot_survey)
    assert (answer.objectives, answer.content, answer.trainer, answer.organisation) == (4, 5, 5, 3)
    assert answer.consent_named is False


def test_my_space_lists_the_questionnaire_to_answer(page, live_server, hot_survey):
    page.set_viewport_size(PHONE)
    login(page, live_server, "participante@example.test", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/mon-espace/")
    section = page.locator("section[aria-labelledby='surveys-title']")
    assert section.get_by_role("heading", name="Questionnaires à remplir").is_visible()
    shot(page, "my-space-phone")
    assert_accessible(page)
    section.get_by_role("link", name="Votre avis sur").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/mon-espace/questionnaires/{hot_survey.pk}/")
    assert page.get_by_role("group", name="objectifs").is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_financers_charts_load_and_pass_axe(page, live_server, viewport):
    programme_2027()
    staff = verified(UserFactory(email="equipe@example.test", is_staff=True, structure=None))
    page.set_viewport_size(viewport)
    login(page, live_server, staff.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/pilotage/?year=2027&group=department")
    charts = page.locator("figure.chart")
    assert charts.count() == 6
    for index in range(charts.count()):
        chart = charts.nth(index)
        image = chart.get_by_role("img")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "Diagramme en barres" in image.get_attribute("alt")
        assert (
            chart.get_by_role("table")
            .locator("caption")
            .inner_text()
            .startswith("Données du graphique")
        )
    assert page.locator("#figure-fill").inner_text().endswith("11\u00a0%")
    assert page_width(page) <= viewport["width"]
    if viewport == DESKTOP:  # each table fits beside its chart (phones scroll them)
        assert (
            page.eval_on_selector_all(
                ".chart .table-wrapper",
                "elements => elements.filter(e => e.scrollWidth > e.clientWidth + 1).length",
            )
            == 0
        )
    shot(page, f"pilotage-{viewport['width']}")
    assert_accessible(page)


def test_the_provider_reads_means_of_three_answers_or_more_on_a_phone(page, live_server):
    session = session_of(ActionKind.TRAINING, starts_at=timezone.now() - dt.timedelta(days=5))
    provider = verified(UserFactory(email="prestataire@example.test", structure=None))
    session.action.provider.users.add(provider)
    now = timezone.now()
    for index, score in enumerate((5, 4, 4)):
        registration = RegistrationFactory(session=session, status=RegistrationStatus.ATTENDED)
        survey = Survey.objects.create(
            kind=Survey.Kind.HOT,
            session=session,
            registration=registration,
            respondent=registration.user,
            token=f"fournisseur-{index}-" + "p" * 30,
            sent_at=now,
            closes_at=now + dt.timedelta(days=30),
            answered_at=now,
        )
        SurveyAnswer.objects.create(
            survey=survey,
            answered_at=now,
            objectives=score,
            content=score,
            trainer=score,
            organisation=score,
        )
    page.set_viewport_size(PHONE)
    login(page, live_server, provider.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-prestataire/")
    page.get_by_role("link", name="Voir la satisfaction de vos sessions").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Satisfaction des participants"
    assert "4,3" in page.locator(f"#satisfaction-{session.pk}").inner_text()
    shot(page, "provider-phone")
    assert_accessible(page)
