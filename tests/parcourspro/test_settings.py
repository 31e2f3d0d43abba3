"""Settings come from the environment with zero-setup defaults (DESIGN.md, Configuration)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from parcourspro.oidc_keys import generate_pem

BASE_DIR = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
from django.conf import settings
django.setup()
from parcourspro.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_eager": app.conf.task_always_eager,
    "broker": settings.CELERY_BROKER_URL,
    "email_backend": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
    "dev_secret_key": settings.DEV_SECRET_KEY,
    "structure_cap_release_days": settings.STRUCTURE_CAP_RELEASE_DAYS,
    "late_cancellation_days": settings.LATE_CANCELLATION_DAYS,
    "approval_reminder_days": settings.APPROVAL_REMINDER_DAYS,
    "email_body_retention_days": settings.EMAIL_BODY_RETENTION_DAYS,
    "membership_contact": settings.MEMBERSHIP_CONTACT_EMAIL,
    "site_url": settings.SITE_URL,
    "user_model": settings.AUTH_USER_MODEL,
    "verification": settings.ACCOUNT_EMAIL_VERIFICATION,
    "session_engine": settings.SESSION_ENGINE,
    "cache": settings.CACHES["default"],
}))
"""


def probe(tmp_path, **environ):
    """Load the settings in a fresh interpreter with only `environ` (and no .env file
    influence beyond what the repository holds)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "parcourspro.settings",
        "HOME": str(tmp_path),
        **environ,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_sqlite_eager_console_email(tmp_path):
    values = probe(tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(BASE_DIR / "db.sqlite3")
    assert values["eager"] is True
    assert values["app_eager"] is True
    assert values["broker"] == ""
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is True
    assert values["secret_key"] == values["dev_secret_key"]
    assert values["structure_cap_release_days"] == 15
    assert values["late_cancellation_days"] == 10
    assert values["approval_reminder_days"] == 5
    assert values["email_body_retention_days"] == 365
    assert values["membership_contact"] == "adhesion@cap-metiers.pro"
    assert values["site_url"] == "http://127.0.0.1:8000"
    assert values["user_model"] == "accounts.User"
    assert values["verification"] == "mandatory"
    # A cache per process: sessions only in the database (a worker's copy would outlive a
    # logout made on another).
    assert values["session_engine"] == "django.contrib.sessions.backends.db"


def test_environment_switches_to_production_parts(tmp_path):
    values = probe(
        tmp_path,
        DATABASE_URL="postgres://pp:secret@db.example:5432/parcourspro",
        CELERY_BROKER_URL="redis://redis:6379/0",
        EMAIL_URL="smtp://mailpit:1025",
        SECRET_KEY="a-real-secret-key-for-the-test-only-0123456789-abcdefghijklmnop",
        DEBUG="false",
        STRUCTURE_CAP_RELEASE_DAYS="20",
        EMAIL_BODY_RETENTION_DAYS="90",
        SITE_URL="https://parcourspro.example/",
        CACHE_URL="rediscache://redis:6379/1",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "parcourspro"
    assert values["eager"] is False
    assert values["app_eager"] is False
    assert values["broker"] == "redis://redis:6379/0"
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["debug"] is False
    assert values["structure_cap_release_days"] == 20
    assert values["email_body_retention_days"] == 90
    assert values["site_url"] == "https://parcourspro.example"
    # Sessions in the database even with the shared cache: a logout ends them for good.
    assert values["session_engine"] == "django.contrib.sessions.backends.db"


def test_check_deploy_is_clean_in_production(tmp_path):
    """With DEBUG off, a real SECRET_KEY and the OpenID Connect signing key (given on one line,
    with « \\n » escapes), `manage.py check --deploy` reports nothing."""
    env = {
        "IDP_OIDC_PRIVATE_KEY": generate_pem().replace("\n", "\\n"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "k3y-For-Deploy-Check_only-" + "x9Q" * 20,
        "ALLOWED_HOSTS": "parcourspro.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
