"""The public pages: catalogue, action page, home and FAQ."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind, Session
from tests.factories import (
    ActionFactory,
    FaqEntryFactory,
    JobSeekerFactory,
    MemberEmployeeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    registration_in,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")


def titles(response):
    return card_titles(response.content.decode())


def card_titles(html: str) -> list[str]:
    """The titles of the catalogue's cards, in order (from the HTML: cached or not)."""
    return [
        unescape(title)
        for title in re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)
    ]


def in_days(days, hour=9):
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_shows_cards_in_french(client):
    session = SessionFactory(
        action__title="Conduire un entretien d'orientation",
        action__theme__name="Orientation",
        department="24",
        capacity=10,
    )
    registration_in(session)
    response = client.get(CATALOGUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Conduire un entretien d'orientation" in unescape(html)
    assert "Action de formation" in html and "Orientation" in html
    assert "Réservé aux adhérents" in html
    assert "En présentiel, 24 — Dordogne" in html
    assert "9 places restantes" in html
    assert "1 action trouvée" in html


def test_short_formats_are_open_to_all_and_remote(client):
    SessionFactory(
        action__kind=ActionKind.WEBINAR,
        action__duration_days=Decimal("0.5"),
        format=Session.Format.REMOTE,
        department="",
    )
    html = client.get(CATALOGUE).content.decode()
    assert "Ouvert à tous" in html and "À distance" in html


def test_search_q_finds_title_summary_objectives_and_theme(client):
    SessionFactory(action__title="Accompagner la VAE", action__slug="vae")
    SessionFactory(
        action__title="Autre", action__summary="Les entretiens d'orientation", action__slug="autre"
    )
    SessionFactory(
        action__title="Numérique", action__objectives="Maîtriser les outils", action__slug="num"
    )
    SessionFactory(
        action__title="Inclusion",
        action__theme__name="Égalité et handicap",
        action__slug="hand",
        action__summary="Un résumé.",
    )
    assert titles(client.get(CATALOGUE, {"q": "VAE"})) == ["Accompagner la VAE"]
    assert titles(client.get(CATALOGUE, {"q": "outils"})) == ["Numérique"]
    assert titles(client.get(CATALOGUE, {"q": "handicap"})) == ["Inclusion"]
    assert "Autre" in titles(client.get(CATALOGUE, {"q": "entretiens"}))


def test_empty_results_say_so(client):
    SessionFactory()
    response = client.get(CATALOGUE, {"q": "introuvable"})
    assert response.status_code == 200
    assert "Aucune action ne correspond à ces critères" in response.content.decode()


@pytest.fixture
def variety():
    """Four actions that differ on every filter."""
    theme = ThemeFactory(name="Insertion", slug="insertion")
    SessionFactory(
        action__title="Formation Gironde",
        action__theme=theme,
        department="33",
        starts_at=in_days(30),
    )
    SessionFactory(
        action__title="Webinaire",
        action__kind=ActionKind.WEBINAR,
        action__duration_days=Decimal("0.5"),
        format=Session.Format.REMOTE,
        department="",
        starts_at=in_days(60),
    )
    full = SessionFactory(
        action__title="Atelier complet",
        action__kind=ActionKind.PRACTICE_WORKSHOP,
        department="87",
        capacity=1,
        starts_at=in_days(90),
    )
    registration_in(full)
    SessionFactory(
        action__title="Conférence Pau",
        action__kind=ActionKind.CONFERENCE,
        action__duration_days=Decimal("0.5"),
        department="64",
        starts_at=in_days(120),
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Formation Gironde", "Webinaire", "Atelier complet", "Conférence Pau"]),
        ({"kind": "webinar"}, ["Webinaire"]),
        ({"theme": "insertion"}, ["Formation Gironde"]),
        ({"department": "87"}, ["Atelier complet"]),
        ({"format": "remote"}, ["Webinaire"]),
        ({"format": "on_site"}, ["Formation Gironde", "Atelier complet", "Conférence Pau"]),
        ({"audience": "members"}, ["Formation Gironde", "Atelier complet"]),
        ({"audience": "all"}, ["Webinaire", "Conférence Pau"]),
        ({"places": "on"}, ["Formation Gironde", "Webinaire", "Conférence Pau"]),
        ({"du": "__d50__"}, ["Webinaire", "Atelier complet", "Conférence Pau"]),
        ({"au": "__d60__"}, ["Formation Gironde", "Webinaire"]),
        ({"du": "__d50__", "au": "__d100__"}, ["Webinaire", "Atelier complet"]),
        ({"tri": "title"}, ["Atelier complet", "Conférence Pau", "Formation Gironde", "Webinaire"]),
        ({"audience": "members", "department": "33", "q": "Gironde"}, ["Formation Gironde"]),
    ],
)
def test_each_filter(client, variety, params, expected):
    today = timezone.localdate()
    params = {
        key: (today + dt.timedelta(days=int(value[3:-2]))).isoformat()
        if value.startswith("__d")
        else value
        for key, value in params.items()
    }
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    assert titles(response) == expected


def test_next_sessions_shown_are_those_matching_the_filters(client):
    action = ActionFactory(title="Deux lieux")
    SessionFactory(action=action, department="33", starts_at=in_days(20))
    SessionFactory(action=action, department="87", starts_at=in_days(40))
    catalogue = client.get(CATALOGUE, {"department": "87"}).context["catalogue"]
    assert [s.department for s in catalogue.cards[0].action.next_sessions] == ["87"]


def test_pagination_keeps_the_filters(client):
    for n in range(14):
        SessionFactory(
            action__title=f"Webinaire {n:02d}",
            action__kind=ActionKind.WEBINAR,
            action__duration_days=Decimal("0.5"),
            starts_at=in_days(20 + n),
        )
    SessionFactory(action__title="Formation")
    response = client.get(CATALOGUE, {"kind": "webinar", "q": "Webinaire"})
    assert len(titles(response)) == 12
    html = response.content.decode()
    assert "?kind=webinar&amp;q=Webinaire&amp;page=2" in html
    page2 = client.get(CATALOGUE, {"kind": "webinar", "q": "Webinaire", "page": 2})
    assert titles(page2) == ["Webinaire 12", "Webinaire 13"]
    assert "?kind=webinar&amp;q=Webinaire&amp;page=1" in page2.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "9999"},
        {"page": "-1"},
        {"du": "garbage"},
        {"au": "2026-13-45"},
        {"kind": "unknown"},
        {"theme": "nope"},
        {"department": "75"},
        {"format": "hologram"},
        {"audience": "everyone"},
        {"tri": "price"},
        {"places": "maybe"},
        {"q": "'\"&|!():*<->"},
        {"q": "x" * 500},
        {"du": "2027-03-01", "au": "2027-01-01"},
    ],
)
def test_bad_parameters_never_fail(client, params):
    SessionFactory()
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200


def test_bad_parameters_are_reported_in_french_and_ignored(client):
    SessionFactory(action__title="Toujours là")
    response = client.get(CATALOGUE, {"kind": "unknown", "du": "garbage"})
    html = response.content.decode()
    assert "Certains critères n'ont pas été pris en compte" in html
    assert "Sélectionnez un choix valide" in html
    assert "Saisissez une date valide" in html
    assert titles(response) == ["Toujours là"]


def test_inverted_date_range_is_explained(client):
    SessionFactory()
    html = client.get(CATALOGUE, {"du": "2027-03-01", "au": "2027-01-01"}).content.decode()
    assert "La date de fin doit être postérieure à la date de début." in html


def test_form_is_accessible_without_javascript(client):
    html = client.get(CATALOGUE).content.decode()
    assert '<form method="get"' in html
    assert html.count("<fieldset>") == 2 and "<summary>Filtrer" in html
    for field in [
        "q",
        "kind",
        "theme",
        "department",
        "format",
        "audience",
        "du",
        "au",
        "places",
        "tri",
    ]:
        assert f'for="id_{field}"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("count", [10, 200])
def test_catalogue_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    sessions = [
        SessionFactory(action__kind=ActionKind.WEBINAR, action__duration_days=Decimal("0.5"))
        for _ in range(count)
    ]
    for session in sessions[:5]:
        SessionFactory(action=session.action, starts_at=in_days(70))
        registration_in(session)
        registration_in(session, "waitlisted")
    with django_assert_max_num_queries(5):
        response = client.get(CATALOGUE, {"q": "Action", "places": "on", "format": "on_site"})
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(CATALOGUE, {"page": 2}).status_code == 200


# --- action page ----------------------------------------------------------------------------


def test_action_page_shows_everything(client):
    action = ActionFactory(
        title="Le bilan de compétences",
        summary="Un résumé.",
        objectives="Des objectifs.",
        audience="Des conseillers.",
        prerequisites="Aucun en particulier.",
        programme="Jour 1\u00a0: méthodes.",
        duration_days=Decimal("2"),
        theme__name="Orientation",
        provider__name="Institut Aquitain",
    )
    SessionFactory(
        action=action,
        starts_at=in_days(40),
        ends_at=in_days(41, hour=17),
        location="Cap Métiers, Pessac",
        department="33",
    )
    response = client.get(action.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Le bilan de compétences",
        "Un résumé.",
        "Des objectifs.",
        "Des conseillers.",
        "Aucun en particulier.",
        "Jour 1\u00a0: méthodes.",
        "2 jours",
        "Orientation",
        "Institut Aquitain",
        "Cap Métiers, Pessac — 33 — Gironde",
        "12 places restantes",
        "Date limite d'inscription",
        "Qui peut s'inscrire\u00a0?",
        "3 semaines",
    ]:
        assert text in html, text
    start = timezone.localtime(in_days(40))
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    # As people write them (tests/enrollment/test_session_dates.py): « Du vendredi 8 au
    # samedi 9 janvier 2027, de 9 h à 17 h ».
    assert f" {start.day} " in html or f" {start.day}er " in html
    assert months[start.month - 1] in html and "de 9\u00a0h à 17\u00a0h" in html
    assert html.count("<h1") == 1


def test_unpublished_or_unknown_action_is_404(client):
    assert client.get(ActionFactory(is_published=False).get_absolute_url()).status_code == 404
    assert client.get("/catalogue/inconnue/").status_code == 404


def test_session_states(client):
    action = ActionFactory(kind=ActionKind.WEBINAR, duration_days=Decimal("0.5"))
    full = SessionFactory(
        action=action, capacity=1, starts_at=in_days(30), format="remote", department=""
    )
    registration_in(full)
    SessionFactory(
        action=action,
        starts_at=in_days(3),
        registration_deadline=timezone.now() - dt.timedelta(hours=1),
    )
    SessionFactory(
        action=action,
        starts_at=in_days(-3),
        ends_at=in_days(-3, hour=12),
        registration_deadline=in_days(-4),
    )
    html = client.get(action.get_absolute_url()).content.decode()
    assert "Complet — liste d'attente" in unescape(html)
    assert "À distance" in html
    assert "Inscriptions closes" in html
    assert html.count('class="card session"') == 2  # the past session is not listed


def test_anonymous_users_get_the_general_explanation(client):
    action = SessionFactory().action
    html = client.get(action.get_absolute_url()).content.decode()
    assert "réservée aux salariés des structures adhérentes" in html
    assert "Connectez-vous" in html
    assert "100\u00a0€" in html and "150\u00a0€" in html


def test_q4_job_seeker_is_told_why_not(client):
    action = SessionFactory().action
    client.force_login(JobSeekerFactory())
    html = client.get(action.get_absolute_url()).content.decode()
    assert "pas ouverte aux demandeurs d&#x27;emploi" in html
    assert "Ajouter au panier" not in html


def test_q3_non_member_employee_is_told_how_to_join(client):
    action = SessionFactory().action
    client.force_login(UserFactory())
    html = client.get(action.get_absolute_url()).content.decode()
    assert "n&#x27;est pas adhérente à Cap Métiers" in html
    assert settings.MEMBERSHIP_CONTACT_EMAIL in html


def test_q3_membership_is_checked_for_the_session_year(client):
    from employers.models import Membership

    user = UserFactory()
    Membership.objects.create(
        structure=user.structure, year=timezone.localdate().year + 5, formula="base"
    )
    action = SessionFactory().action
    client.force_login(user)
    html = client.get(action.get_absolute_url()).content.decode()
    assert "n&#x27;est pas adhérente à Cap Métiers" in html


def test_member_employee_may_add_to_cart(client):
    session = SessionFactory(starts_at=in_days(40))
    client.force_login(MemberEmployeeFactory())
    response = client.get(session.action.get_absolute_url())
    html = response.content.decode()
    assert "n&#x27;est pas adhérente" not in html
    state = response.context["eligibility"].sessions[0]
    if state.cart_add_url:  # the URL exists once enrollment provides it
        assert state.cart_add_url == reverse("enrollment:cart_add", args=[session.pk])
        assert "Ajouter au panier" in html and 'method="post"' in html


def test_q12_lead_time_warning_for_member_only_sessions_starting_soon(client):
    session = SessionFactory(starts_at=in_days(10), registration_deadline=in_days(5))
    html = client.get(session.action.get_absolute_url()).content.decode()
    assert "moins de 3 semaines" in html


def test_q4_job_seeker_may_register_for_short_formats(client):
    session = SessionFactory(
        action__kind=ActionKind.CONFERENCE, action__duration_days=Decimal("0.5")
    )
    client.force_login(JobSeekerFactory())
    response = client.get(session.action.get_absolute_url())
    html = response.content.decode()
    assert "ouvert à tous les professionnels" in html
    assert "demandeurs d'emploi" not in html
    assert response.context["eligibility"].general_refusal == ""


def test_q13_tutored_self_training_links_to_e_parcourspro(client):
    session = SessionFactory(
        action__kind=ActionKind.TUTORED_SELF_TRAINING,
        action__duration_days=Decimal("1"),
        format="remote",
    )
    html = client.get(session.action.get_absolute_url()).content.decode()
    assert settings.E_PARCOURSPRO_URL in html


@pytest.mark.parametrize("count", [10, 200])
def test_action_page_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    action = ActionFactory()
    for n in range(count // 10):
        session = SessionFactory(action=action, starts_at=in_days(20 + n))
        registration_in(session)
    SessionFactory.create_batch(count)
    client.force_login(MemberEmployeeFactory())
    # A fixed number: the person's cart is read once (issue 13, item 6), and what validating
    # would lead to reads the colleagues' places and the yearly quota once (item 7).
    # The sessions' places come from the cache under their versions (issue 16), counted in
    # one more query when the cache does not hold them yet, and the action's theme and
    # provider in one more, read only to render its description (cached under its version).
    with django_assert_max_num_queries(13):
        assert client.get(action.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(action.get_absolute_url()).status_code == 200


# --- home and FAQ ---------------------------------------------------------------------------


def test_home_explains_the_programme_and_lists_next_sessions(client):
    SessionFactory(action__title="Prochaine action", starts_at=in_days(15))
    response = client.get(reverse("catalog:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Région Nouvelle-Aquitaine" in html
    assert "Prochaine action" in html
    for step in [
        "Créer son compte",
        "Remplir son panier",
        "Accord de l'employeur",
        "Confirmation du prestataire",
    ]:
        assert step in html
    assert reverse("catalog:catalogue") in html and reverse("catalog:faq") in html


def test_faq_is_grouped_and_escaped(client):
    FaqEntryFactory(
        category="membership",
        question="Comment adhérer\u00a0?",
        answer="Premier paragraphe.\n\n<script>alert(1)</script>",
    )
    FaqEntryFactory(question="Brouillon", is_published=False)
    response = client.get(reverse("catalog:faq"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert '<h2 id="rubrique-1">Adhésion</h2>' in html
    assert "<p>Premier paragraphe.</p>" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert "Brouillon" not in html
    assert "pas éligibles au CPF" in html


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="Full-text search in French needs PostgreSQL (set DATABASE_URL=postgres://…)",
)
def test_full_text_search_in_french_on_postgresql(client):
    """Stemming: « entretiens » finds « entretien », « accompagnement » finds « accompagner »;
    the theme's name is searched too; query syntax never fails."""
    summary = {"action__summary": "Une journée.", "action__objectives": "Progresser."}
    SessionFactory(action__title="Conduire un entretien d'orientation", action__slug="a", **summary)
    SessionFactory(action__title="Accompagner les jeunes", action__slug="b", **summary)
    SessionFactory(
        action__title="Tableur",
        action__theme__name="Numérique éducatif",
        action__slug="c",
        **summary,
    )
    assert titles(client.get(CATALOGUE, {"q": "entretiens"})) == [
        "Conduire un entretien d'orientation"
    ]
    assert titles(client.get(CATALOGUE, {"q": "accompagnement"})) == ["Accompagner les jeunes"]
    assert titles(client.get(CATALOGUE, {"q": "numérique"})) == ["Tableur"]
    assert titles(client.get(CATALOGUE, {"q": "jeunes -orientation"})) == ["Accompagner les jeunes"]
    for q in ["'\"&|!():*<->", "OR", "-", "\x00"]:
        assert client.get(CATALOGUE, {"q": q}).status_code == 200


@pytest.mark.parametrize("logged_in", [False, True])
def test_an_action_page_escapes_what_staff_typed(client, logged_in):
    """The head, the « Qui peut s'inscrire ? » and the sessions are Jinja2 parts written into
    the page as they are (web.parts.render_part): the texts staff typed are escaped there,
    for a visitor and for a person logged in."""
    hostile = '<script>alert("x")</script>'
    action = ActionFactory(
        kind=ActionKind.TRAINING, title=f"{hostile} titre", summary=f"{hostile}\nsuite"
    )
    action.provider.name = f"{hostile} & Cie"
    action.provider.save()
    SessionFactory(
        action=action, starts_at=in_days(40), format="on_site", location=f"{hostile} salle"
    )
    if logged_in:
        client.force_login(MemberEmployeeFactory())
    html = client.get(action.get_absolute_url()).content.decode()
    main = html.split("<main", 1)[1]
    assert "<script" not in main
    assert "&lt;script&gt;" in main.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "&amp; Cie" in main
    assert "<br>suite" in main  # the summary's line break kept, its text escaped
    assert "&lt;/script&gt; salle" in main.split('class="card session"', 1)[1]
    assert ("Qui peut s" in main) and ("Connectez-vous" in main) is not logged_in


def test_a_catalogue_card_escapes_what_staff_typed(client):
    """A card is a Jinja2 part kept in the cache and written into the page as it is
    (web.catalog.fragments.CataloguePage.cards_html): what staff typed is escaped there."""
    hostile = '<script>alert("x")</script>'
    SessionFactory(
        action__title=f"{hostile} titre",
        action__summary=f"{hostile} résumé",
        action__theme__name=f"{hostile} & thème",
        starts_at=in_days(40),
    )
    html = client.get(CATALOGUE).content.decode()
    card = html.split('class="card action-card"', 1)[1].split("</article>", 1)[0]
    assert "<script" not in card
    assert "&lt;/script&gt; titre" in card and "&lt;/script&gt; résumé" in card
    assert "&amp; thème" in card
