"""ParcoursPro settings, read from the environment.

With nothing set, the project runs on SQLite, executes Celery tasks eagerly and prints emails
to the console. DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL, SECRET_KEY, DEBUG and ALLOWED_HOSTS
switch it to its production parts.
"""

from pathlib import Path

import environ

from parcourspro import oidc_keys

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "django-insecure-parcourspro-local-development-only"
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# An expired form (or refused cookies) explained in French, in the site's layout.
CSRF_FAILURE_VIEW = "parcourspro.views.csrf_failure"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
    "django_filters",
    "accounts",
    "employers",
    "catalog",
    "enrollment",
    "mailing",
    "elearning",
    "web",
    "documents",
    "surveys",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "web.middleware.FrenchTypographyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "web.middleware.CSPMiddleware",
    "web.middleware.OIDCLogoutAddressMiddleware",
    "web.middleware.LockConflictMiddleware",
]

ROOT_URLCONF = "parcourspro.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.site",
            ],
        },
    },
    {
        # The pages' longest loops and the blocks kept in the cache, rendered into the Django
        # templates (web.parts.render_part, templates/jinja2/; README, « Front end »).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "web.jinja2.environment"},
    },
]
# Fields rendered by Jinja2 (templates/jinja2/forms/field.html, Django's Jinja2 widget
# templates); the admin's own widget templates by the Django template language (web.forms).
FORM_RENDERER = "web.forms.FormRenderer"

WSGI_APPLICATION = "parcourspro.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by PostgreSQL (server-side binding) and statements prepared by psycopg
    # once run this many times on a connection: PostgreSQL then skips their planning (a
    # burst of cart validations 15 % faster, a public page's one statement 3 × faster:
    # docs/PERFORMANCE.md, issue 16). DATABASE_PREPARE_THRESHOLD empty disables preparing
    # behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in
    # transaction mode); DATABASE_SERVER_SIDE_BINDING=false goes back to Django's default.
    prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=env.bool("DATABASE_SERVER_SIDE_BINDING", default=True),
        prepare_threshold=int(prepare_threshold) if prepare_threshold else None,
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Cache: in-process by default; CACHE_URL=rediscache://127.0.0.1:6379/1 shares it between
# workers (production). The public pages' fragments are keyed by the versions of the rows they
# show (catalog.views), never by a duration: what they say of places is the truth as of the
# last commit. CACHE_KEY_PREFIX names the release: set it anew at each deployment (the image's
# tag, the commit), so that a new release never reads fragments rendered by the previous one.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    # django-redis, Redis away or slower than 0.5 s skipped with the error logged: pages
    # render from the database, never a 500 (common.redis_cache).
    CACHES["default"]["BACKEND"] = "common.redis_cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        IGNORE_EXCEPTIONS=True, SOCKET_CONNECT_TIMEOUT=0.5, SOCKET_TIMEOUT=0.5
    )
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Sessions stay in the database (Django's default engine, one query by primary key per
# request): a logout deletes the row, and no cache can give the old cookie back afterwards,
# even one that missed the delete while Redis was away.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Passwords (issue 26): Argon2id, memory-hard, at twice OWASP's minimum (19 MiB, 4 passes
# rather than 2) — above Django's PBKDF2 by OWASP's own equivalences (its 600,000 iterations
# match 19 MiB × 2 passes; Django's 1,000,000 are 1.7 times that) — for a fifth of its CPU a
# login on this project's machine (44 ms against 227 ms: docs/DEPLOYMENT.md, Sizing). The
# PBKDF2 hashers stay after it: an existing hash is checked with them and upgraded to
# Argon2id at the next login (Django's `check_password` setter).
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# The project's catalogue first (makemessages writes there), then django-allauth's French
# reworded (one word for email across the site), which wins over the apps' catalogues.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_allauth"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files. Never served as static files: the participation documents
# (conventions, convocations, certificates) are downloaded through permission-checked views.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# The participation documents' storage (alias "documents"): the file system under
# DOCUMENTS_ROOT by default; any Django storage in production with DOCUMENTS_STORAGE_BACKEND
# (e.g. storages.backends.s3.S3Storage) and its options as JSON in DOCUMENTS_STORAGE_OPTIONS.
DOCUMENTS_STORAGE_BACKEND = env(
    "DOCUMENTS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
DOCUMENTS_STORAGE_OPTIONS = env.json("DOCUMENTS_STORAGE_OPTIONS", default={}) or {
    "location": env("DOCUMENTS_ROOT", default=str(MEDIA_ROOT / "documents")),
    "base_url": None,
}
# Generate the participation documents (conventions, convocations, certificates): false on
# a deployment without Pango, or where they are not wanted; nothing else changes.
DOCUMENTS_ENABLED = env.bool("DOCUMENTS_ENABLED", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {"BACKEND": DOCUMENTS_STORAGE_BACKEND, "OPTIONS": DOCUMENTS_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: the email is the login, verified before the first login.
ACCOUNT_ADAPTER = "web.accounts.adapters.AccountAdapter"
# allauth's messages name a person by their name only (User.__str__ adds the address).
ACCOUNT_USER_DISPLAY = "web.accounts.adapters.user_display"
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (0: none, the
# client is REMOTE_ADDR). Login rate limits and the conventions' acceptances read the
# person's address through it; a forged header is ignored beyond that count.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "web.accounts.forms.SignupProfileForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ParcoursPro] "
ACCOUNT_CHANGE_EMAIL = True
# « Rester connecté·e » (issue 26): the login form offers it (allauth asks when this is
# None); ticked, the session lasts SESSION_REMEMBER_DAYS (said next to the box), else it ends
# with the browser. Fewer logins: each costs a password hash (Argon2id above).
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_FORMS = {"login": "web.accounts.login_form.LoginForm"}
SESSION_COOKIE_AGE = env.int("SESSION_REMEMBER_DAYS", default=30) * 24 * 3600
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# OpenID Connect provider of e-ParcoursPro (allauth.idp.oidc, docs/E-PARCOURSPRO.md): the
# RS256 signing key is a PEM from the environment (« \\n » escapes allowed). Without one, a
# development key is generated once into .oidc-dev-key.pem (ignored by git) when DEBUG is on;
# when DEBUG is off the provider is not mounted and `manage.py check` warns.
IDP_OIDC_PRIVATE_KEY = env("IDP_OIDC_PRIVATE_KEY", default="").replace("\\n", "\n").strip()
IDP_OIDC_PREVIOUS_PRIVATE_KEY = (
    env("IDP_OIDC_PREVIOUS_PRIVATE_KEY", default="").replace("\\n", "\n").strip()
)
IDP_OIDC_DEV_KEY_FILE = BASE_DIR / ".oidc-dev-key.pem"
if not IDP_OIDC_PRIVATE_KEY and DEBUG:
    IDP_OIDC_PRIVATE_KEY = oidc_keys.development_key(IDP_OIDC_DEV_KEY_FILE)
IDP_OIDC_ENABLED = bool(IDP_OIDC_PRIVATE_KEY)
IDP_OIDC_PRIVATE_KEYS = oidc_keys.key_ring(IDP_OIDC_PRIVATE_KEY, IDP_OIDC_PREVIOUS_PRIVATE_KEY)
IDP_OIDC_ADAPTER = "accounts.oidc.OIDCAdapter"
# Behind a proxy that rewrites the host, IDP_OIDC_ISSUER pins the issuer (« https://host »);
# by default it is the host the request was made to, as discovery requires.
IDP_OIDC_ISSUER = env("IDP_OIDC_ISSUER", default="").rstrip("/")
# A logout asked by e-ParcoursPro with its id_token_hint ends the session without a question.
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = False
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN", default=3600)
E_PARCOURSPRO_CLIENT_ID = env("E_PARCOURSPRO_CLIENT_ID", default="e-parcourspro")

# Email: console by default; EMAIL_URL=smtp://host:port switches to SMTP.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int(
    "EMAIL_TIMEOUT", default=20
)  # a stalled SMTP server must not hold the outbox lock
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ParcoursPro <parcourspro@cap-metiers.pro>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: eager without a broker, Redis with CELERY_BROKER_URL.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The broker's connection, the publishing policy, the modules that hold tasks and the beat
# schedule: parcourspro/celery.py.

# Programme rules (DESIGN.md R5, R8, R9; FAQ Q3, Q9, Q11, Q12, Q13).
STRUCTURE_CAP_RELEASE_DAYS = env.int("STRUCTURE_CAP_RELEASE_DAYS", default=15)
LATE_CANCELLATION_DAYS = env.int("LATE_CANCELLATION_DAYS", default=10)
APPROVAL_REMINDER_DAYS = env.int("APPROVAL_REMINDER_DAYS", default=5)
APPROVAL_DEADLINE_REMINDER_DAYS = env.int("APPROVAL_DEADLINE_REMINDER_DAYS", default=2)
# Reminder to participants before the session: a week before an action for members, the day
# before a short format (webinar, conference, round table, web workshop).
SESSION_REMINDER_DAYS = env.int("SESSION_REMINDER_DAYS", default=7)
SHORT_FORMAT_REMINDER_DAYS = env.int("SHORT_FORMAT_REMINDER_DAYS", default=1)
RECOMMENDED_LEAD_DAYS = env.int("RECOMMENDED_LEAD_DAYS", default=21)
MEMBERSHIP_CONTACT_EMAIL = env("MEMBERSHIP_CONTACT_EMAIL", default="adhesion@cap-metiers.pro")
PROGRAMME_CONTACT_EMAIL = env("PROGRAMME_CONTACT_EMAIL", default="parcourspro@cap-metiers.pro")
# Cap Métiers' address, a party of every convention de formation.
PROGRAMME_ADDRESS = env("PROGRAMME_ADDRESS", default="102 avenue de Canéjan, 33600 Pessac")
PROGRAMME_CONTACT_PHONE = env("PROGRAMME_CONTACT_PHONE", default="05 46 00 24 93")
# Written as French typography wants it (« 9 h 30 », non-breaking spaces: common.typography).
PROGRAMME_CONTACT_HOURS = (
    "lundi, mercredi, vendredi, de 9\u00a0h\u00a030 à 12\u00a0h\u00a030 "
    "et de 14\u00a0h à 16\u00a0h\u00a030"
)
E_PARCOURSPRO_URL = env("E_PARCOURSPRO_URL", default="https://e-parcourspro.cap-metiers.pro")
# Automatic enrolment through Moodle's web services (docs/E-PARCOURSPRO.md, section 4):
# off without a token (jobs are recorded and wait); the role given in the course (5 is
# Moodle's « student »); the timeout of each call, in seconds.
E_PARCOURSPRO_WS_TOKEN = env("E_PARCOURSPRO_WS_TOKEN", default="")
E_PARCOURSPRO_STUDENT_ROLE_ID = env.int("E_PARCOURSPRO_STUDENT_ROLE_ID", default=5)
E_PARCOURSPRO_WS_TIMEOUT = env.float("E_PARCOURSPRO_WS_TIMEOUT", default=10.0)
# Course access (DESIGN.md, turn 3): from the session's first day to the end of its last day
# plus this many days, to finish the last modules and keep the resources a while.
E_PARCOURSPRO_ACCESS_DAYS = env.int("E_PARCOURSPRO_ACCESS_DAYS", default=30)
# A job Moodle does not receive (down, in maintenance) is tried again, with a growing delay,
# for this many days; then it fails and staff are emailed (DESIGN.md, turn 3).
E_PARCOURSPRO_GIVE_UP_DAYS = env.float("E_PARCOURSPRO_GIVE_UP_DAYS", default=3)

# Satisfaction (DESIGN.md, turn 3; FAQ Q1): a questionnaire « à chaud » at the end of a
# session, « à froid » COLD_SURVEY_DAYS after it (participants and their employer), one
# reminder SURVEY_REMINDER_DAYS after sending, answers taken for SURVEY_OPEN_DAYS. Providers
# and employers see aggregates of at least SURVEY_PRIVACY_THRESHOLD answers, never fewer.
COLD_SURVEY_DAYS = env.int("COLD_SURVEY_DAYS", default=90)
SURVEY_REMINDER_DAYS = env.int("SURVEY_REMINDER_DAYS", default=7)
SURVEY_OPEN_DAYS = env.int("SURVEY_OPEN_DAYS", default=30)
SURVEY_PRIVACY_THRESHOLD = env.int("SURVEY_PRIVACY_THRESHOLD", default=3)
# Mixité (FAQ Q9: « favoriser la mixité des profils des participants »; Q1: exchanges across
# the territories). A session's mix is poor when one structure holds more than
# MIX_MAX_STRUCTURE_SHARE % of its participants (from MIX_MIN_PARTICIPANTS participants: at
# 3, two colleagues, as Q9 allows, are already two thirds), or when its participants, from
# MIX_SINGLE_DEPARTMENT_FROM of them, all come from one department. Staff are told once.
MIX_MAX_STRUCTURE_SHARE = env.int("MIX_MAX_STRUCTURE_SHARE", default=50)
MIX_MIN_PARTICIPANTS = env.int("MIX_MIN_PARTICIPANTS", default=4)
MIX_SINGLE_DEPARTMENT_FROM = env.int("MIX_SINGLE_DEPARTMENT_FROM", default=6)
# Late release (DESIGN.md, turn 3): a place freed less than LATE_OFFER_DAYS days before the
# start is offered to the first eligible waiting request for LATE_OFFER_HOURS hours (never
# past the registration deadline nor the start); once accepted, a request that needs its
# employer's acceptance gives the approvers LATE_OFFER_APPROVAL_HOURS hours (same limits),
# then the place passes on. The pilotage counts the offers and the places saved.
LATE_OFFER_DAYS = env.int("LATE_OFFER_DAYS", default=7)
LATE_OFFER_HOURS = env.int("LATE_OFFER_HOURS", default=48)
LATE_OFFER_APPROVAL_HOURS = env.int("LATE_OFFER_APPROVAL_HOURS", default=24)

# Personal data (DESIGN.md, Decisions): what sent emails said is erased after this many days.
EMAIL_BODY_RETENTION_DAYS = env.int("EMAIL_BODY_RETENTION_DAYS", default=365)

# Nothing abandoned silently (DESIGN.md, turn 3): an email SMTP does not take, and a document
# the storage does not take, are tried again with a growing delay (up to an hour apart) for
# this many hours; then they are given up and STAFF_ALERT_EMAILS are emailed, once.
EMAIL_GIVE_UP_HOURS = env.float("EMAIL_GIVE_UP_HOURS", default=72)
DOCUMENT_GIVE_UP_HOURS = env.float("DOCUMENT_GIVE_UP_HOURS", default=EMAIL_GIVE_UP_HOURS)
# Who is told when something is given up (comma-separated); the programme's address by default.
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[PROGRAMME_CONTACT_EMAIL])
# Legal documents and deletion (DESIGN.md, turn 3): conventions, attendance sheets and
# certificates (and a convention's acceptance) are kept this many years after the session's
# end, even when the account is deleted, then erased.
DOCUMENT_RETENTION_YEARS = env.int("DOCUMENT_RETENTION_YEARS", default=4)

# Production hardening (active when DEBUG is off).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): every script and stylesheet is served by the app
# itself; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
