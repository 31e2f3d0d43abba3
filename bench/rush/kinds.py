"""The kind of page a request is, by method and path: one name in Locust's statistics and in
the CPU that gunicorn's hooks record (gunicorn_conf.py). Standard library only: imported by
the locustfile (Locust's virtualenv) and by gunicorn (the application's)."""

from __future__ import annotations

import re

KINDS = [
    ("GET", r"/", "home"),
    ("GET", r"/faq/", "FAQ"),
    ("GET", r"/catalogue/", "catalogue"),
    ("GET", r"/catalogue/[\w-]+/", "action page"),
    ("GET", r"/accounts/login/", "login form"),
    ("POST", r"/accounts/login/", "login"),
    ("POST", r"/accounts/logout/", "logout"),
    ("POST", r"/panier/ajouter/\d+/", "add to cart"),
    ("GET", r"/panier/", "cart"),
    ("POST", r"/panier/", "cart validation"),
    ("GET", r"/panier/confirmation/[\w-]+/", "confirmation"),
    ("GET", r"/mon-espace/", "Mon espace"),
    ("GET", r"/espace-employeur/", "Employer Space"),
    ("POST", r"/espace-employeur/demandes/\d+/accepter/", "accept"),
    ("POST", r"/espace-employeur/demandes/\d+/refuser/", "refuse"),
    ("GET", r"/healthz", "healthz"),
]
_COMPILED = [(method, re.compile(pattern + r"\Z"), name) for method, pattern, name in KINDS]
# Pages whose filtered form is a kind of its own (a query string beyond the page number).
FILTERED = {"catalogue": "catalogue, filtered", "Employer Space": "Employer Space, filtered"}


def kind(method: str, path: str, query: str = "") -> str:
    """« catalogue, filtered » for GET /catalogue/?q=…; « other » for what the rush does not
    ask."""
    for expected, pattern, name in _COMPILED:
        if method == expected and pattern.match(path):
            params = [p for p in query.split("&") if p and not p.startswith("page=")]
            if params and name in FILTERED:
                return FILTERED[name]
            return name
    return "other"
