"""Two application nodes behind nginx, sharing PostgreSQL and Redis (docs/DEPLOYMENT.md).

Two gunicorn processes (2 sync workers each, DEBUG off, TRUSTED_PROXY_COUNT=1, the same
SECRET_KEY, the test database, one Redis database as cache and session store) run behind an
nginx whose locations include the shipped deploy/proxy.conf. nginx listens on three loopback
ports: both nodes (the shipped configuration's upstream), node A alone, node B alone — so
that a test knows which node served what.

- A session opened (login) on one node works on the other, and a logout on one ends it on
  both.
- A place taken through one node is seen at once through the other (the action page, whose
  fragments the shared cache keeps, says the session is full).
- Carts validated through both nodes at the same instant stay exact: the capacity is held,
  not exceeded; the others wait in order; one request each.

Skipped when nginx is missing (`.ci/run` installs Debian's), when Redis does not answer, and
on SQLite (a file database is not shared by two servers).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from html import unescape
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from parcourspro import settings as project_settings
from tests.factories import DEMO_PASSWORD, UserFactory, session_of

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
REDIS = ("127.0.0.1", 6379)
# The cache's and sessions' Redis database: this test's own.
CACHE_URL = "rediscache://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)


def two_nodes(test):
    """The marks of a test through the two nodes."""
    for mark in (
        pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
        pytest.mark.skipif(
            not settings.IS_POSTGRES, reason="two servers share PostgreSQL, not a SQLite file"
        ),
        pytest.mark.postgres_only,
        pytest.mark.django_db(transaction=True),
    ):
        test = mark(test)
    return test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url}/healthz did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this process leads
            process.wait(timeout=10)


NGINX_CONF = """
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream parcourspro {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 8; }}
    upstream node_a {{ server 127.0.0.1:{a}; }}
    upstream node_b {{ server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{both};
        location / {{ proxy_pass http://parcourspro; include {proxy}; }}
    }}
    server {{
        listen 127.0.0.1:{only_a};
        location / {{ proxy_pass http://node_a; include {proxy}; }}
    }}
    server {{
        listen 127.0.0.1:{only_b};
        location / {{ proxy_pass http://node_b; include {proxy}; }}
    }}
}}
"""


@pytest.fixture(scope="module")
def nodes(django_db_setup, tmp_path_factory):
    """{"both": url, "a": url, "b": url}: nginx in front of two gunicorn nodes."""
    import redis

    redis.Redis.from_url(CACHE_URL.replace("rediscache", "redis")).flushdb()
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "EMAIL_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        DATABASE_URL=(
            f"postgres://{credentials}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        CACHE_URL=CACHE_URL,
        SECRET_KEY=secrets.token_urlsafe(50),  # one key for both nodes, as in production
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; nginx would redirect
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXY_COUNT="1",
        EMAIL_URL="dummymail://",
        DOCUMENTS_ENABLED="false",
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    tmp = tmp_path_factory.mktemp("two-nodes")
    ports = {name: _free_port() for name in ("a", "b", "both", "only_a", "only_b")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    processes = []
    try:
        for name in ("a", "b"):
            log = open(tmp / f"gunicorn-{name}.log", "wb")  # noqa: SIM115 — lives with the process
            processes.append(
                subprocess.Popen(
                    [
                        str(gunicorn),
                        "parcourspro.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{ports[name]}",
                        "--workers",
                        "2",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp,
                user="user root;" if os.geteuid() == 0 else "",
                proxy=ROOT / "deploy" / "proxy.conf",
                **ports,
            )
        )
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "nginx.stderr", "wb"),  # noqa: SIM115 — lives with the process
            start_new_session=True,
        )
        processes.append(nginx)
        urls = {
            "both": f"http://127.0.0.1:{ports['both']}",
            "a": f"http://127.0.0.1:{ports['only_a']}",
            "b": f"http://127.0.0.1:{ports['only_b']}",
        }
        for process, url in zip(processes, (urls["a"], urls["b"], urls["both"]), strict=True):
            _wait_until_up(url, process)
        yield urls
    finally:
        for process in reversed(processes):
            _stop(process)
        redis.Redis.from_url(CACHE_URL.replace("rediscache", "redis")).flushdb()


@pytest.fixture
def project_hashers(settings):
    """Accounts hashed as the nodes check them (tests/conftest.py's fast hasher is this
    process's only)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


class Browser(requests.Session):
    """A person's browser: its cookies, sent to either node. The nodes run with DEBUG off,
    whose cookies are Secure; on plain HTTP over loopback they are kept as not Secure, so
    that they are sent as a browser would send them over HTTPS."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def login(self, base: str, email: str) -> requests.Response:
        self.get(f"{base}/accounts/login/", timeout=30)
        return self.post(
            f"{base}/accounts/login/",
            {"login": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            allow_redirects=False,
            timeout=30,
        )

    def validate_cart(self, base: str, user, session) -> requests.Response:
        return self.post(
            f"{base}/panier/",
            {
                "csrfmiddlewaretoken": self.csrf(),
                "first_name": user.first_name or "Camille",
                "last_name": user.last_name or "Martin",
                "email": user.email,
                "phone": "05 56 00 00 00",
                "job_title": "Conseillère",
                f"motivations_{session.pk}": "Approfondir ma pratique.",
            },
            allow_redirects=False,
            timeout=60,
        )


@two_nodes
def test_a_session_opened_on_one_node_works_on_the_other(nodes, project_hashers):
    user = UserFactory()
    browser = Browser()
    response = browser.login(nodes["a"], user.email)
    assert response.status_code == 302, response.text[:500]
    assert browser.get(f"{nodes['b']}/mon-espace/", allow_redirects=False).status_code == 200
    assert browser.get(f"{nodes['both']}/mon-espace/", allow_redirects=False).status_code == 200
    logout = browser.post(
        f"{nodes['b']}/accounts/logout/",
        {"csrfmiddlewaretoken": browser.csrf()},
        allow_redirects=False,
    )
    assert logout.status_code == 302
    after = browser.get(f"{nodes['a']}/mon-espace/", allow_redirects=False)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]


def places_said(base: str, session) -> str:
    html = requests.get(f"{base}{session.action.get_absolute_url()}", timeout=30).text
    block = re.search(rf'id="session-{session.pk}".*?</li>', html, re.S).group(0)
    return unescape(re.search(r"Places\s*:</strong>\s*([^<]*)<", block).group(1).strip())


@two_nodes
def test_a_place_taken_through_one_node_is_seen_at_once_through_the_other(nodes, project_hashers):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    user = UserFactory()
    # Both nodes have shown (and cached) the session with its place free.
    assert places_said(nodes["a"], session) == "1 place restante"
    assert places_said(nodes["b"], session) == "1 place restante"
    services.add_to_cart(user, session)
    browser = Browser()
    assert browser.login(nodes["a"], user.email).status_code == 302
    browser.get(f"{nodes['a']}/panier/")
    response = browser.validate_cart(nodes["a"], user, session)
    assert response.status_code == 302 and "/panier/confirmation/" in response.headers["Location"]
    assert places_said(nodes["b"], session) == "Complet — liste d'attente"
    assert places_said(nodes["both"], session) == "Complet — liste d'attente"


@two_nodes
def test_carts_validated_through_both_nodes_at_once_stay_exact(nodes, project_hashers):
    capacity, people = 3, 10
    session = session_of(ActionKind.WEBINAR, capacity=capacity)
    users = [UserFactory() for _ in range(people)]
    browsers = []
    for n, user in enumerate(users):
        services.add_to_cart(user, session)
        browser = Browser()
        base = nodes["a"] if n % 2 else nodes["b"]
        assert browser.login(base, user.email).status_code == 302
        browser.get(f"{base}/panier/")  # the form's CSRF token, as a person would
        browsers.append((browser, base, user))

    barrier = threading.Barrier(people)
    answers = {}

    def validate(browser, base, user):
        barrier.wait(timeout=30)
        answers[user.pk] = browser.validate_cart(base, user, session)

    threads = [threading.Thread(target=validate, args=b) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == people
    assert all(
        r.status_code == 302 and "/panier/confirmation/" in r.headers["Location"]
        for r in answers.values()
    ), [r.status_code for r in answers.values()]
    registrations = Registration.objects.filter(session=session)
    assert registrations.count() == people
    assert registrations.filter(status=RegistrationStatus.CONFIRMED).count() == capacity
    assert registrations.filter(status=RegistrationStatus.WAITLISTED).count() == people - capacity
    assert sorted(registrations.values_list("user_id", flat=True)) == sorted(u.pk for u in users)
    last_seated = max(
        registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
            "submitted_at", flat=True
        )
    )
    first_waiting = min(
        registrations.filter(status=RegistrationStatus.WAITLISTED).values_list(
            "submitted_at", flat=True
        )
    )
    assert last_seated < first_waiting


def test_the_shipped_site_configuration_is_valid(tmp_path):
    """deploy/nginx.conf, with proxy.conf where it says to put it and a certificate, passes
    `nginx -t`."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=parcourspro.example", "-keyout", str(tmp_path / "key.pem")]
        + ["-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("/etc/nginx/parcourspro/proxy.conf", str(ROOT / "deploy" / "proxy.conf"))
    site = re.sub(r"ssl_certificate /\S+;", f"ssl_certificate {tmp_path}/cert.pem;", site)
    site = re.sub(r"ssl_certificate_key /\S+;", f"ssl_certificate_key {tmp_path}/key.pem;", site)
    assert "cert.pem" in site and "key.pem" in site
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
