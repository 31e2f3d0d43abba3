"""docker-compose.yml runs the whole system (DESIGN.md, Configuration)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_of(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else " ".join(command.split())


def test_every_service_is_there(services):
    assert set(services) == {"web", "worker", "beat", "db", "redis", "mailpit"}


def test_infrastructure_images(services):
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert "8025:8025" in services["mailpit"]["ports"]
    assert "1025" in [str(port) for port in services["mailpit"]["expose"]]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_share_the_image_and_production_environment(services, name):
    service = services[name]
    assert service["build"] == "."
    env = service["environment"]
    assert env["DATABASE_URL"] == "postgres://parcourspro:parcourspro@db:5432/parcourspro"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:-")
    assert env["DEBUG"] == "false"
    assert "localhost" in env["ALLOWED_HOSTS"].split(",")
    assert env["SECURE_SSL_REDIRECT"] == "false"
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_database_credentials_match_the_url(services):
    env = services["db"]["environment"]
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"]) == (
        "parcourspro",
        "parcourspro",
        "parcourspro",
    )


def test_web_migrates_then_runs_gunicorn(services):
    command = command_of(services["web"])
    assert command.index("manage.py migrate --noinput") < command.index("gunicorn")
    assert "parcourspro.wsgi:application" in command
    assert "--bind 0.0.0.0:8000" in command
    assert "8000:8000" in services["web"]["ports"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_worker_and_beat_run_celery(services):
    assert command_of(services["worker"]).startswith("celery -A parcourspro worker")
    assert command_of(services["beat"]).startswith("celery -A parcourspro beat")


@pytest.mark.parametrize("name", ("worker", "beat"))
def test_worker_and_beat_are_started_again_when_they_die(services, name):
    """A worker that exits (a crash at a Redis restart, a kill) is restarted by Docker,
    unless someone stopped it (issue 23)."""
    assert services[name]["restart"] == "unless-stopped"


def test_dockerfile_installs_the_lock_and_collects_static():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements.lock" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".venv", ".git", "db.sqlite3", ".env"} <= set(ignored)


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE_FILE), "config"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    for name in ("web", "worker", "beat"):
        assert resolved["services"][name]["restart"] == "unless-stopped"
    web_env = resolved["services"]["web"]["environment"]
    assert web_env["SECRET_KEY"].startswith("change-me")
    assert web_env["EMAIL_URL"] == "smtp://mailpit:1025"
