"""« 3 places restantes » is the truth as of the last commit (issue 16, 22): a change of a
session's places shows on the very next catalogue, action and home page, with the default
cache (locmem) and with the shared one of production (django-redis, `rediscache://…/14`,
keys of each test's own prefix).

With PostgreSQL (DATABASE_URL) the Redis case runs the production pair; without Redis
answering it is skipped with the reason."""

import datetime as dt
import re
import uuid
from html import unescape as html_text

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from catalog.models import ActionKind
from enrollment import privacy, services
from tests.factories import (
    MemberEmployeeFactory,
    SessionFactory,
    UserFactory,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("catalog:catalogue")
REDIS_CACHE = "redis://127.0.0.1:6379/14"


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_CACHE, socket_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 — any failure means no Redis here
        return False


def production_caches(location: str) -> dict:
    """CACHES as settings.py builds it from `CACHE_URL=rediscache://…`, under a key prefix of
    its own (a release of its own: parallel tests share the Redis database)."""
    return {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": uuid.uuid4().hex,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    if request.param == "redis":
        if not redis_answers():
            pytest.skip("Redis does not answer on 127.0.0.1:6379")
        settings.CACHES = production_caches(REDIS_CACHE)  # empty: a prefix never used
    else:
        caches["default"].clear()
    return request.param


def pages(session):
    return {
        "catalogue": CATALOGUE,
        "action": session.action.get_absolute_url(),
        "home": reverse("catalog:home"),
    }


def places_shown(html: str, session) -> str:
    """The places text next to `session` on any of the three pages."""
    if f'id="session-{session.pk}"' in html:  # the action page
        block = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S).group(0)
    else:
        stamp = timezone.localtime(session.starts_at).isoformat()[:16]
        block = re.search(rf'<time datetime="{stamp}.*?</(?:li|p)>', html, re.S).group(0)
    match = re.search(r"\d+ places? restantes?|Complet — liste d'attente", html_text(block))
    assert match, block
    return match.group(0)


def read_all(client, session) -> dict[str, str]:
    return {
        name: places_shown(client.get(url).content.decode(), session)
        for name, url in pages(session).items()
    }


def test_a_new_capacity_shows_at_once(client, shared_cache):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    assert set(read_all(client, session).values()) == {"5 places restantes"}
    services.set_capacity(session, capacity=3, by=UserFactory(is_staff=True))
    assert set(read_all(client, session).values()) == {"3 places restantes"}


def test_a_place_taken_then_freed_shows_at_once(client, shared_cache):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=3)
    assert set(read_all(client, session).values()) == {"3 places restantes"}
    [registration] = register(MemberEmployeeFactory(), session)
    assert set(read_all(client, session).values()) == {"2 places restantes"}
    services.cancel(registration, by=registration.user, reason="Empêchement")
    assert set(read_all(client, session).values()) == {"3 places restantes"}


def test_a_full_session_says_so_at_once_and_a_deleted_account_frees_its_place(client, shared_cache):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=1)
    read_all(client, session)
    holder = MemberEmployeeFactory()
    register(holder, session)
    assert set(read_all(client, session).values()) == {"Complet — liste d'attente"}
    privacy.delete_account(User.objects.get(pk=holder.pk))
    assert set(read_all(client, session).values()) == {"1 place restante"}


@pytest.mark.django_db(transaction=True)
def test_after_a_registration_commits_the_next_page_view_shows_the_places(shared_cache):
    """Real commits (no test transaction around them): a validation commits, then the next
    view of each page, from another visitor, reads the session's places anew; a withdrawal
    committed frees the place on the next view as well, the « places disponibles » search
    included (its listing follows the places' version, bumped after the commit)."""
    session = session_of(ActionKind.WEBINAR, days=3, capacity=2)
    searches = {"places": CATALOGUE + "?places=on"}
    for url in [*pages(session).values(), *searches.values()]:
        Client().get(url)  # every block cached before the change
    holder = MemberEmployeeFactory()
    [registration] = register(holder, session)
    assert set(read_all(Client(), session).values()) == {"1 place restante"}
    register(MemberEmployeeFactory(), session)
    assert set(read_all(Client(), session).values()) == {"Complet — liste d'attente"}
    assert session.action.title not in Client().get(searches["places"]).content.decode()
    services.cancel(registration, by=registration.user, reason="Empêchement")
    assert set(read_all(Client(), session).values()) == {"1 place restante"}
    assert session.action.title in Client().get(searches["places"]).content.decode()


def test_an_admin_edit_of_the_capacity_shows_at_once(client, shared_cache):
    """A save outside the services (the admin's form) bumps the session's version too."""
    session = session_of(ActionKind.WEBINAR, days=3, capacity=4)
    read_all(client, session)
    session.capacity = 7
    session.save()
    assert set(read_all(client, session).values()) == {"7 places restantes"}


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def session_tokens(html: str, session) -> list[str]:
    """The CSRF tokens of the forms in `session`'s block of an action page."""
    block = re.search(rf'<li id="session-{session.pk}".*?</li>', html, re.S).group(0)
    return CSRF_INPUT.findall(block)


def test_the_action_page_is_never_stale_for_anyone(client, shared_cache):
    """The action page's sessions block is shared (one rendering for the anonymous visitors,
    one for the logged-in people, whose own parts are put in it per request): a change of
    capacity or a place taken shows at once to both."""
    session = session_of(ActionKind.WEBINAR, days=3, capacity=4)
    url = session.action.get_absolute_url()
    person = Client()
    person.force_login(MemberEmployeeFactory())

    def shown():
        return {places_shown(c.get(url).content.decode(), session) for c in (client, person)}

    assert shown() == {"4 places restantes"}
    assert shown() == {"4 places restantes"}  # from the cache
    services.set_capacity(session, capacity=3, by=UserFactory(is_staff=True))
    assert shown() == {"3 places restantes"}
    register(MemberEmployeeFactory(), session)
    assert shown() == {"2 places restantes"}
    session.capacity = 1
    session.save()
    assert shown() == {"Complet — liste d'attente"}


def test_the_action_page_keeps_each_persons_part_their_own(client, shared_cache):
    """From the shared block each person gets their own cart state and a CSRF token that
    their « Ajouter au panier » accepts; visitors not logged in one page for all."""
    session = session_of(ActionKind.WEBINAR, days=3, capacity=4)
    url = session.action.get_absolute_url()
    first, second = MemberEmployeeFactory(), MemberEmployeeFactory()
    services.add_to_cart(first, session)
    clients = {}
    for user in (first, second):
        clients[user] = Client(enforce_csrf_checks=True)
        clients[user].force_login(user)
    page = {user: clients[user].get(url).content.decode() for user in (first, second)}
    assert "Dans votre panier" in page[first] and "Ajouter au panier" not in page[first]
    assert "Dans votre panier" not in page[second]
    [token] = session_tokens(page[second], session)
    added = clients[second].post(
        reverse("enrollment:cart_add", args=[session.pk]),
        {"csrfmiddlewaretoken": token, "session": session.pk},
    )
    assert added.status_code == 302
    again = clients[second].get(url).content.decode()
    assert "Dans votre panier" in again and "Ajouter au panier" not in again
    # Visitors not logged in: one page for all of them, kept whole, with no token (their
    # button only remembers the choice until they log in: `cart_choose`).
    pages = [Client().get(url).content.decode() for _ in range(2)]
    assert pages[0] == pages[1] and session_tokens(pages[0], session) == []
    assert reverse("enrollment:cart_choose", args=[session.pk]) in pages[0]
    assert "Dans votre panier" not in client.get(url).content.decode()


def test_every_button_of_an_action_page_carries_the_same_accepted_token(client, shared_cache):
    """One CSRF mask for the whole list of sessions (Django's `csrf_input` makes a new one,
    32 random characters, each time it is written), and each button's post is accepted."""
    first = session_of(ActionKind.WEBINAR, days=3, capacity=4)
    others = [
        SessionFactory(action=first.action, starts_at=first.starts_at + dt.timedelta(days=d))
        for d in (7, 14)
    ]
    person = Client(enforce_csrf_checks=True)
    person.force_login(MemberEmployeeFactory())
    html = person.get(first.action.get_absolute_url()).content.decode()
    tokens = [session_tokens(html, session) for session in (first, *others)]
    assert [len(found) for found in tokens] == [1, 1, 1]
    assert len({found[0] for found in tokens}) == 1
    for session, (token,) in zip((first, *others), tokens, strict=True):
        added = person.post(
            reverse("enrollment:cart_add", args=[session.pk]),
            {"csrfmiddlewaretoken": token, "session": session.pk},
        )
        assert added.status_code == 302
