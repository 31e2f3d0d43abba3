# ParcoursPro — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format lock seed worker beat clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
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

lock: $(BIN)/python
	$(BIN)/pip install --quiet 'Django>=5.2,<5.3' 'django-allauth[idp-oidc]' 'celery[redis]' 'psycopg[binary]' django-environ django-filter django-csp whitenoise gunicorn icalendar weasyprint pypdf pytest pytest-django pytest-xdist factory_boy time-machine hypothesis playwright axe-playwright-python aiosmtpd pyyaml ruff authlib requests 'PyJWT[crypto]'
	$(BIN)/pip freeze --exclude-editable | sed '1i # Pinned versions installed by `make` (regenerate with `make lock`).' > requirements.lock

# The French catalogue (French is the source language: msgstr may stay empty). Needs GNU
# gettext; the compiled .mo is committed, so running the app does not.
messages: install
	$(BIN)/python manage.py makemessages -l fr --add-location=file --no-obsolete --ignore=tests --ignore=bench --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l fr --ignore=$(VENV)

worker: install
	$(BIN)/celery -A parcourspro worker --loglevel=info

beat: install
	$(BIN)/celery -A parcourspro beat --loglevel=info

clean:
	rm -rf $(VENV) .pytest_cache
