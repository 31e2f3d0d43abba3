# ParcoursPro — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format lock seed worker beat clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What production runs (requirements.lock, the only file the Dockerfile installs) and what
# development and the tests add (requirements-dev.lock).
$(STAMP): $(BIN)/python requirements.lock requirements-dev.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	@test -x /usr/bin/chromium || echo "*** /usr/bin/chromium not found: browser tests will be SKIPPED (apt-get install chromium) ***"
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The application's requirements (pyproject.toml's dependencies) and what development and
# the tests add (its optional "test" dependencies), each pinned in its own lock file: the
# first is resolved alone in a throw-away virtualenv, so that it holds nothing of the second.
APP_REQUIREMENTS := 'Django>=5.2,<5.3' argon2-cffi 'django-allauth[idp-oidc]' 'celery[redis]' 'psycopg[binary]' django-environ django-filter django-csp whitenoise gunicorn icalendar weasyprint pygal segno Jinja2
DEV_REQUIREMENTS := pypdf pytest pytest-django pytest-xdist factory_boy time-machine hypothesis playwright axe-playwright-python aiosmtpd pyyaml ruff authlib requests 'PyJWT[crypto]'

lock: $(BIN)/python
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet $(APP_REQUIREMENTS)
	.lock-venv/bin/pip freeze --exclude-editable | sed '1i # What production runs (the Dockerfile installs only this file); regenerate with `make lock`.' > requirements.lock
	$(BIN)/pip install --quiet -r requirements.lock $(DEV_REQUIREMENTS)
	$(BIN)/pip freeze --exclude-editable | grep -vxFf requirements.lock | sed '1i # What development and the tests add to requirements.lock (`make` installs both); regenerate with `make lock`.' > requirements-dev.lock
	rm -rf .lock-venv

# The French catalogue (French is the source language: msgstr may stay empty). Needs GNU
# gettext; the compiled .mo is committed, so running the app does not.
messages: install
	$(BIN)/python manage.py makemessages -l fr --add-location=file --no-obsolete --ignore=tests --ignore=bench --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l fr --ignore=$(VENV)

# The Celery worker and beat, each started again if it dies (bin/supervise); Ctrl-C stops it.
worker: install
	bin/supervise $(BIN)/celery -A parcourspro worker --loglevel=info

beat: install
	bin/supervise $(BIN)/celery -A parcourspro beat --loglevel=info

clean:
	rm -rf $(VENV) .pytest_cache
