"""Search ignores accents and simple plurals (issue 13, item 9): on PostgreSQL through the
text-search configuration `fr_unaccent` (unaccent, then French stemming), on SQLite through
the folding of `catalog.search`."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import search
from catalog.selectors import CatalogueCriteria, catalogue_actions
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")


def titles(client, q):
    return card_titles(client.get(CATALOGUE, {"q": q}).content.decode())


def card_titles(html: str) -> list[str]:
    """The titles of the catalogue's cards, in order (from the HTML: cached or not)."""
    return [
        unescape(title)
        for title in re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)
    ]


@pytest.fixture
def actions():
    texts = {"action__summary": "Une journée.", "action__objectives": "Progresser."}
    SessionFactory(action__title="Égalité femmes-hommes dans l'orientation", **texts)
    SessionFactory(action__title="L'accompagnement des jeunes", **texts)
    SessionFactory(action__title="Cœur de métier\u00a0: le conseil", **texts)
    SessionFactory(action__title="Tableur", action__theme__name="Numérique éducatif", **texts)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("egalite", "Égalité femmes-hommes dans l'orientation"),
        ("ÉGALITÉ", "Égalité femmes-hommes dans l'orientation"),
        ("accompagnements", "L'accompagnement des jeunes"),
        ("accompagnement jeune", "L'accompagnement des jeunes"),
        ("coeur", "Cœur de métier\u00a0: le conseil"),
        ("metiers", "Cœur de métier\u00a0: le conseil"),
        ("numerique", "Tableur"),
        ("educatifs", "Tableur"),
    ],
)
def test_accents_and_simple_plurals_are_ignored(client, actions, q, found):
    assert titles(client, q) == [found]


def test_every_word_counts_and_minus_excludes(client, actions):
    assert titles(client, "jeunes orientation") == []
    assert titles(client, "l'orientation") == ["Égalité femmes-hommes dans l'orientation"]
    assert "L'accompagnement des jeunes" not in titles(client, "journee -jeunes")
    assert len(titles(client, "journee -jeunes")) == 3


@pytest.mark.parametrize("q", ["'\"&|!():*<->", "OR", "-", "\x00", "de la", "é" * 200])
def test_odd_queries_never_fail(client, actions, q):
    assert client.get(CATALOGUE, {"q": q}).status_code == 200


def test_folding_and_terms():
    assert search.fold("Égalité, Œuvre, ÇA") == "egalite, oeuvre, ca"
    assert search.terms("Les accompagnements -jeunes de l'Égalité") == (
        ["accompagnement", "egalite"],
        ["jeune"],
    )
    assert search.terms("bus gaz") == (["bus", "gaz"], [])  # too short to be plurals


# --- PostgreSQL ---------------------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="Full-text search in French needs PostgreSQL (set DATABASE_URL=postgres://…)",
)


@pytest.mark.postgres_only
@postgres_only
def test_postgresql_stems_after_removing_accents(client, actions):
    """« égalités », « EGALITE » and « egalite » find « Égalité »; « accompagner » finds
    « accompagnement »."""
    for q in ("egalite", "égalités", "EGALITE"):
        assert titles(client, q) == ["Égalité femmes-hommes dans l'orientation"], q
    for q in ("accompagnements", "accompagner"):
        assert titles(client, q) == ["L'accompagnement des jeunes"], q
    assert titles(client, "numerique") == ["Tableur"]
    assert titles(client, "coeur") == ["Cœur de métier\u00a0: le conseil"]


@pytest.mark.postgres_only
@postgres_only
def test_postgresql_search_uses_the_gin_index(actions):
    """The index is built with the configuration the search compiles: PostgreSQL uses it."""
    with CaptureQueriesContext(connection) as queries:
        list(catalogue_actions(CatalogueCriteria(q="egalite")))
    [search_sql] = [q["sql"] for q in queries.captured_queries if "to_tsvector" in q["sql"]]
    assert "'fr_unaccent'" in search_sql
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {search_sql}")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "catalog_action_search_fr" in plan
