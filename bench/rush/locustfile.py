"""The rush's people, for Locust (run by run.py; alone: see bench/README.md).

- Professionals: one whole journey per iteration, each with an account never used before:
  the home page, the catalogue (filtered one time in two), then either « Ajouter au panier »
  logged out, the login form it leads to and back to the action page, or the login form
  first; one to three sessions added from their action pages, the cart, « Valider mon
  panier », its confirmation, « Mon espace », logout. Journeys start at a fixed pace per
  user (Locust's `constant_pacing`): RUSH_RATE validations a second offered in all.
- Approvers: logged in once, they open the Employer Space, filter its table, and accept or
  refuse a request waiting for them.
- Visitors: not logged in, the home page, the catalogue and its filters, action pages, FAQ.

Each virtual person sends its own X-Forwarded-For (an address of the benchmarking range
198.18.0.0/15, only ever written in a header: nothing but 127.0.0.1 is contacted), read
through TRUSTED_PROXY_COUNT=1 as behind the proxy of docs/DEPLOYMENT.md, so that allauth's
login rate limits apply per person as in production.

Environment: RUSH_DATA (the JSON written by run.py's build), RUSH_OUT (where the validations
that reached their confirmation page are written at the end), RUSH_RATE, RUSH_PROFESSIONALS,
RUSH_APPROVERS, RUSH_VISITORS (the number of each), RUSH_THINK (seconds between two pages of
a journey, at most).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from gevent import sleep
from locust import FastHttpUser, HttpUser, between, constant_pacing, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kinds import kind  # noqa: E402

DATA = json.loads(Path(os.environ["RUSH_DATA"]).read_text())
OUT = Path(os.environ.get("RUSH_OUT", "rush-validations.json"))
RATE = float(os.environ.get("RUSH_RATE", "5"))
COUNTS = {
    name: int(os.environ.get(f"RUSH_{name.upper()}", default))
    for name, default in (("professionals", 40), ("approvers", 8), ("visitors", 12))
}
THINK = float(os.environ.get("RUSH_THINK", "0.4"))
# Locust's FastHttpUser (geventhttpclient) by default, as Locust's documentation advises for a
# load generator short of CPU: here it shares the 2 cores with the servers it measures, and
# HttpUser (requests) spent 2.5 ms of them a request. RUSH_HTTP_CLIENT=requests: HttpUser.
CLIENT = os.environ.get("RUSH_HTTP_CLIENT", "fast")
User = {"fast": FastHttpUser, "requests": HttpUser}[CLIENT]
RNG = random.Random(26)
PROFESSIONALS = itertools.count()
APPROVERS = itertools.count()
ADDRESSES = itertools.count(1)
MOTIVATIONS_RE = re.compile(r'name="(motivations_\d+)"')
DECISION_RE = re.compile(r'formaction="([^"]*/demandes/(\d+)/(accepter|refuser)/[^"]*)"')
RESULTS = {"validated": [], "refused": 0, "journeys": 0, "offered": 0, "decisions": 0}


def _address() -> str:
    n = next(ADDRESSES)
    return f"198.18.{n // 250 % 250}.{n % 250 + 1}"


class Person(User):
    abstract = True
    role = ""

    def on_start(self):
        # Sent with each request: the person's address, and who asked, for the CPU by person
        # that gunicorn's hooks record (gunicorn_conf.py).
        self.headers = {"X-Forwarded-For": _address(), "X-Rush-Person": self.role}

    @property
    def cookies(self):
        """The client's cookie jar (an http.cookiejar.CookieJar with either client)."""
        return self.client.cookiejar if CLIENT == "fast" else self.client.cookies

    def cookie(self, name: str) -> str:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    def page(self, method: str, url: str, *, expect=(200,), **kwargs):
        """One request, named by its kind, redirects not followed; a status outside `expect`
        is a failure."""
        parts = urlsplit(url)
        name = kind(method, parts.path, parts.query)
        with self.client.request(
            method,
            url,
            name=name,
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} for {method} {parts.path}")
            else:
                response.success()
        # Django's cookies are Secure with DEBUG off; the rush speaks plain HTTP on loopback,
        # so they are kept as not Secure, to be sent as a browser sends them over HTTPS.
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def post(self, url: str, data: dict, *, expect=(302,)):
        data = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **data}
        return self.page("POST", url, data=data, expect=expect)

    def think(self):
        if THINK:
            sleep(RNG.uniform(0, THINK))

    def login(self, email: str, *, url: str = "/accounts/login/", next_url: str = ""):
        self.page("GET", url)
        data = {"login": email, "password": DATA["password"]}
        if RNG.random() < 0.5:
            data["remember"] = "on"
        if next_url:
            data["next"] = next_url
        return self.post(url.split("?", 1)[0], data)


class Professional(Person):
    role = "professional"
    fixed_count = COUNTS["professionals"]
    wait_time = constant_pacing(COUNTS["professionals"] / RATE if RATE else 1)

    @task
    def journey(self):
        n = next(PROFESSIONALS)
        if n >= len(DATA["professionals"]):
            return
        email, member = DATA["professionals"][n]
        RESULTS["journeys"] += 1
        self.cookies.clear()
        self.headers["X-Forwarded-For"] = _address()
        pool = DATA["sessions"] if member else DATA["open_sessions"]
        chosen = RNG.sample(pool, RNG.randint(1, 3))

        self.page("GET", "/")
        self.think()
        if RNG.random() < 0.5:
            self.page("GET", "/catalogue/?" + RNG.choice(DATA["searches"]))
        else:
            self.page("GET", "/catalogue/")
        self.think()
        if RNG.random() < 0.5:
            # « Ajouter au panier » logged out: the login, then back to the action page.
            session_id, slug = chosen.pop(0)
            self.page("GET", f"/catalogue/{slug}/")
            self.think()
            # The visitor's button (no CSRF token on a page kept whole for every visitor).
            response = self.post(f"/panier/choisir/{session_id}/", {})
            login_url = response.headers.get("Location", "/accounts/login/")
            self.think()
            response = self.login(email, url=login_url, next_url=f"/catalogue/{slug}/")
            self.page("GET", response.headers.get("Location", f"/catalogue/{slug}/"))
        else:
            self.login(email)
        for session_id, slug in chosen:
            self.think()
            self.page("GET", f"/catalogue/{slug}/")
            self.think()
            self.post(f"/panier/ajouter/{session_id}/", {})
        self.think()
        cart = self.page("GET", "/panier/")
        fields = MOTIVATIONS_RE.findall(cart.text or "")
        self.think()
        RESULTS["offered"] += 1
        response = self.post(
            "/panier/",
            {
                "first_name": "Camille",
                "last_name": f"Rush {n}",
                "email": email,
                "phone": "05 56 00 00 00",
                "job_title": "Conseiller·e",
                **dict.fromkeys(fields, "Approfondir ma pratique auprès du public."),
            },
            expect=(302, 200),
        )
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/panier/confirmation/"):
            self.page("GET", location)
            RESULTS["validated"].append([email, location.rstrip("/").rsplit("/", 1)[1]])
        else:
            RESULTS["refused"] += 1  # a rule refused the cart (its page says which)
        self.think()
        self.page("GET", "/mon-espace/")
        self.think()
        self.post("/accounts/logout/", {})


class Approver(Person):
    role = "approver"
    fixed_count = COUNTS["approvers"]
    wait_time = between(1, 4)

    def on_start(self):
        super().on_start()
        emails = DATA["approvers"]
        self.login(emails[next(APPROVERS) % len(emails)])
        self.year = RNG.choice(DATA["years"])

    @task(3)
    def space(self):
        self.page("GET", "/espace-employeur/")

    @task(3)
    def filtered(self):
        query = RNG.choice(
            [
                "status=all",
                f"status=all&year={self.year}",
                "kind=training",
                f"status=pending_provider&sort=-submitted&year={self.year}",
                "status=all&sort=action",
                "sort=employee&page=2",
            ]
        )
        self.page("GET", f"/espace-employeur/?{query}")

    @task(2)
    def decide(self):
        page = self.page("GET", "/espace-employeur/")
        decisions = DECISION_RE.findall(page.text or "")
        if not decisions:
            return
        accept = [d for d in decisions if d[2] == "accepter"]
        refuse = [d for d in decisions if d[2] == "refuser"]
        self.think()
        if refuse and RNG.random() < 0.3:
            url, pk, _ = RNG.choice(refuse)
            self.post(url.replace("&amp;", "&"), {f"refuse-{pk}-reason": "Pas cette année."})
        elif accept:
            url, _, _ = RNG.choice(accept)
            self.post(url.replace("&amp;", "&"), {})
        RESULTS["decisions"] += 1


class Visitor(Person):
    role = "visitor"
    fixed_count = COUNTS["visitors"]
    wait_time = between(1, 4)

    @task(2)
    def home(self):
        self.page("GET", "/")

    @task(4)
    def catalogue(self):
        self.page("GET", "/catalogue/" + RNG.choice(["", "?page=2", "?page=5"]))

    @task(3)
    def search(self):
        self.page("GET", "/catalogue/?" + RNG.choice(DATA["searches"]))

    @task(4)
    def action(self):
        _, slug = RNG.choice(DATA["sessions"])
        self.page("GET", f"/catalogue/{slug}/")

    @task(1)
    def faq(self):
        self.page("GET", "/faq/")


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    OUT.write_text(json.dumps(RESULTS))
