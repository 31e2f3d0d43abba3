"""The catalogue puts its results first (issue 13, item 8): a short search, the filters
behind « Filtrer » (a side column on wide screens, site.css), and sessions whose
registrations are closed say so rather than count places."""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from tests.factories import registration_in as register
from tests.factories import session_of

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")


def closed_session(**kwargs):
    session = session_of(ActionKind.WEBINAR, days=5, **kwargs)
    session.registration_deadline = timezone.now() - dt.timedelta(hours=1)
    session.save()
    return session


def test_the_filters_are_behind_filtrer_without_javascript(client):
    session_of()
    html = client.get(CATALOGUE).content.decode()
    form = re.search(r'<form[^>]*role="search".*?</form>', html, re.S).group(0)
    details = re.search(r"<details[^>]*>.*?</details>", form, re.S).group(0)
    assert "<summary>Filtrer" in details
    for field in ["kind", "theme", "department", "format", "audience", "du", "au", "places"]:
        assert f'id="id_{field}"' in details
    assert 'id="id_q"' in form and 'id="id_q"' not in details  # the keywords stay at hand
    assert "<script" not in html.split("<main")[1]
    # The results come right after the form, not below a long one.
    assert html.index('class="catalogue-main"') > html.index("</form>")


def test_active_filters_are_counted_and_errors_open_the_disclosure(client):
    html = client.get(CATALOGUE, {"kind": "training", "places": "on"}).content.decode()
    assert "(2 critères actifs)" in html
    html = client.get(CATALOGUE, {"du": "2030-01-02", "au": "2030-01-01"}).content.decode()
    assert '<details class="filters-more" open>' in html


def test_closed_sessions_say_so_instead_of_places_left(client):
    closed = closed_session(capacity=14)
    html = client.get(CATALOGUE).content.decode()
    card = re.search(rf"<article[^>]*action-{closed.action.pk}-title.*?</article>", html, re.S)
    assert "Inscriptions closes" in card.group(0)
    assert "places restantes" not in card.group(0)
    page = client.get(closed.action.get_absolute_url()).content.decode()
    assert "14 places restantes" not in page and "Inscriptions closes" in page


def test_places_only_leaves_out_closed_sessions(client):
    closed = closed_session()
    open_ = session_of(ActionKind.WEBINAR, capacity=1)
    full = session_of(ActionKind.WEBINAR, capacity=1)
    register(full)
    html = unescape(client.get(CATALOGUE, {"places": "on"}).content.decode())
    titles = re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)
    assert open_.action.title in titles
    assert closed.action.title not in titles and full.action.title not in titles
