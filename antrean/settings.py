"""One settings module, configured by environment variables (see .env.example).

The defaults run with nothing else installed: SQLite under var/, an in-process cache, the
console WhatsApp gateway, and development keys generated on first run under var/keys/.
"""

import datetime as dt
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ANTREAN_ENV_FILE points elsewhere (or to nothing: tests of a bare environment).
environ.Env.read_env(os.environ.get("ANTREAN_ENV_FILE") or BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("ANTREAN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

# Keys: SECRET_KEY, ANTREAN_DATA_KEYS (personal data) and ANTREAN_HASH_KEY (its look-up hash)
# come from the environment or .env. Without DEBUG a missing one stops the start: a key made
# up here would die with the container, leaving stored NIKs unreadable and the ledger's keyed
# hashes unverifiable. `make run` writes development keys to .env (scripts/dev_env.py); with
# DEBUG on, a missing one is generated once under var/keys/.
_MISSING_KEYS: list[str] = []


def _required_key(name: str, *, dev_file: str, secret: bool = False) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        _MISSING_KEYS.append(name)
        return ""
    from antrean.core.keys import dev_key_b64, dev_secret

    path = VAR_DIR / "keys" / dev_file
    return dev_secret(path, nbytes=48) if secret else dev_key_b64(path)


SECRET_KEY = _required_key("SECRET_KEY", dev_file="secret_key", secret=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL, used in links sent outside the site (WhatsApp, QR codes on certificates).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, on a site that only a fully signed-in session reaches (accounts.admin_site).
    "antrean.accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "antrean.core",
    "antrean.accounts",
    "antrean.tenancy",
    "antrean.catalog",
    "antrean.integrity",
    "antrean.queueing",
    "antrean.booking",
    "antrean.notifications",
    "antrean.display",
    "antrean.privacy",
    "antrean.feedback",
    "antrean.reports",
    "antrean.draws",
    "antrean.stats",
    "antrean.dashboards",
    "antrean.onboarding",
    "antrean.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the headers too.
    "antrean.core.middleware.ContentSecurityPolicyMiddleware",
    "antrean.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their caching; every other answer is no-store.
    "antrean.core.middleware.NoStoreByDefaultMiddleware",
    # Every 401, 403 and 429, whoever answered it, is a line in the log.
    "antrean.core.middleware.SecurityEventLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "antrean.core.middleware.LanguageMiddleware",
    "antrean.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside CSRF, so that the language switch on its 405 page gets its token cookie.
    "antrean.core.middleware.ErrorPageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.otp_device: the device this session's second step was passed with.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends staff sessions past their 12 hours and sessions that skipped a required second step.
    "antrean.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

# Staff sign-in (antrean.accounts): argon2 hashes; after ANTREAN_SIGNIN_FAILURE_LIMIT wrong
# passwords or codes for one account from one address, that pair is locked for a delay that
# starts at ANTREAN_SIGNIN_LOCK_MINUTES and doubles with each further lockout, up to
# ANTREAN_SIGNIN_LOCK_MAX_MINUTES; an office admin can lift it. The first backend refuses a
# locked pair before any password is checked. django-axes records every attempt (its admin
# lists them) but no longer locks by itself: its fixed cool-off cannot grow.
AUTHENTICATION_BACKENDS = [
    "antrean.accounts.backends.SignInLockBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ANTREAN_SIGNIN_FAILURE_LIMIT = env.int("ANTREAN_SIGNIN_FAILURE_LIMIT", default=5)
ANTREAN_SIGNIN_LOCK_MINUTES = env.int("ANTREAN_SIGNIN_LOCK_MINUTES", default=2)
ANTREAN_SIGNIN_LOCK_MAX_MINUTES = env.int("ANTREAN_SIGNIN_LOCK_MAX_MINUTES", default=24 * 60)
AXES_LOCK_OUT_AT_FAILURE = False
AXES_FAILURE_LIMIT = ANTREAN_SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=ANTREAN_SIGNIN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The address is the project's one reading of it (ANTREAN_PROXY_COUNT below), never django-ipware's
# guess from X-Forwarded-For, which any client can write.
AXES_CLIENT_IP_CALLABLE = "antrean.core.http.client_ip"
# Two-factor sign-in (django-otp): TOTP with recovery codes, required for every role that
# configures something (outside DEBUG) and for anyone who turned it on. A device also waits
# 1, 2, 4 … seconds after each wrong code, whatever the address (OTP_*_THROTTLE_FACTOR).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Antrean")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff sessions end when the browser closes (shared counter PCs) and at most this many hours
# after signing in, whatever happens in between.
ANTREAN_STAFF_SESSION_HOURS = env.int("ANTREAN_STAFF_SESSION_HOURS", default=12)
# …and after this many minutes without a request (0: never). The console's queue panel asks
# every few seconds, so a console in use stays signed in; a PC left alone does not.
ANTREAN_STAFF_IDLE_MINUTES = env.int("ANTREAN_STAFF_IDLE_MINUTES", default=30)
LOGIN_URL = "/staf/masuk/"

ROOT_URLCONF = "antrean.urls"
WSGI_APPLICATION = "antrean.wsgi.application"
ASGI_APPLICATION = "antrean.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "antrean" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite under var/ by default; DATABASE_URL=postgres://… for PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'antrean.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers never both read then write;
    # WAL lets readers go on while one writes.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
elif _db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
    _db["ENGINE"] = "django.db.backends.postgresql"
    if env.bool("DB_POOL", default=False):
        # Under ASGI persistent connections leak; the psycopg pool is the safe way to reuse them.
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=20),
        }
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Real time: one process needs no broker; separate HTTP and WebSocket processes need Redis.
# channels-redis drops group messages silently past `capacity` (default 100): raised here.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 5000, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters (long passphrases are welcome: no upper limit short of
    # the forms' own, no composition rules).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Bahasa Indonesia first, English available.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "antrean" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"  # stored in UTC; shown in each office's own zone
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start otherwise
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Stored files (certificate PDFs, sealed with the data keys) are readable by the app's own
# user only; MEDIA_ROOT is never served directly (the views check who asks, then serve).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Requests: small bodies only; anything larger is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# A multipart page form (a report's attachment of at most 5 MB, with its text) larger than
# this is refused with 413 before it is parsed (parsing would stream it to disk first).
ANTREAN_PAGE_UPLOAD_MAX_BYTES = env.int("ANTREAN_PAGE_UPLOAD_MAX_BYTES", default=6 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# Reverse proxies in front of the app that append to X-Forwarded-For. The client's address is
# the hop that many places from the right: anything further left was written by the client
# and cannot be trusted (it would let a bot pick a new address for every request). Only the
# application reads these headers: the servers (uvicorn, gunicorn) are told never to rewrite
# the client address or the scheme from them (antrean.core.serving, antrean.gunicorn_conf).
ANTREAN_PROXY_COUNT = env.int("ANTREAN_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
if BEHIND_TLS_PROXY and ANTREAN_PROXY_COUNT < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BEHIND_TLS_PROXY needs ANTREAN_PROXY_COUNT of 1 or more.")

# --- Security headers and error pages (docs/security-notes/headers.md) -----------------------
# Behind a TLS proxy (BEHIND_TLS_PROXY) the site is HTTPS only: plain HTTP is redirected, HSTS
# tells browsers to use HTTPS for this host and its subdomains for a year, and the session and
# CSRF cookies are sent over HTTPS only. Without a proxy (development, a closed LAN) none of it
# applies: HSTS over plain HTTP would be ignored, and a redirect to HTTPS would lead nowhere.
_BEHIND_TLS_PROXY = BEHIND_TLS_PROXY
SECURE_SSL_REDIRECT = _BEHIND_TLS_PROXY
SECURE_HSTS_SECONDS = (
    env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600) if _BEHIND_TLS_PROXY else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preload is a promise for the whole registrable domain (e.g. badungkab.go.id), which the
# office running Antrean rarely owns: off unless SECURE_HSTS_PRELOAD says so, and then the
# deploy check's reminder to consider it (security.W021) is silenced below.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=_BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Cross-Origin-Opener-Policy is Django's default, same-origin. Permissions-Policy and
# Cross-Origin-Resource-Policy: antrean.core.middleware.SecurityHeadersMiddleware.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only this site's own files run or style a page. No
# inline script or style anywhere (the admin's and Swagger UI's included), so neither
# 'unsafe-inline' nor nonces are needed. data: images: the placeholder favicon and Swagger UI's
# icons (QR codes are inline SVG). connect-src also gets ws(s):// of the request's own host (the
# TV board's and status page's WebSockets), added per request by
# antrean.core.middleware.ContentSecurityPolicyMiddleware. A page that needs more says so with
# django-csp's decorators (the kiosk's printed ticket may be framed by the kiosk's own page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Error pages in the site's own style and language; a failed CSRF check explains itself.
CSRF_FAILURE_VIEW = "antrean.core.views.csrf_failure"
# --- end of security headers and error pages ---------------------------------------------------

# Personal data keys: ANTREAN_DATA_KEYS is a comma-separated list of base64 32-byte keys, the
# first one encrypts and every one decrypts (rotation); ANTREAN_HASH_KEY keys the look-up hash.
ANTREAN_DATA_KEYS = env.list("ANTREAN_DATA_KEYS", default=[]) or [
    key for key in [_required_key("ANTREAN_DATA_KEYS", dev_file="data.key")] if key
]
ANTREAN_HASH_KEY = _required_key("ANTREAN_HASH_KEY", dev_file="hash.key")
ANTREAN_KEY_DIR = VAR_DIR / "keys"
if _MISSING_KEYS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Antrean cannot start without its keys: "
        + ", ".join(_MISSING_KEYS)
        + " not set (DEBUG is off). Set them in the environment or in .env: see .env.example "
        "for how to generate each one, and keep them apart from the database's backups. "
        "For development, `make run` writes its own to .env."
    )

# Certificates: each office signs with its own key (integrity.signing). A development key is
# made on first use; ANTREAN_SIGNING_PKCS12_PASSWORD unlocks offices' imported PKCS#12 files.
ANTREAN_SIGNING_PKCS12_PASSWORD = env.str("ANTREAN_SIGNING_PKCS12_PASSWORD", default="")

# Background work: django-tasks. `database` (default; worker `manage.py worker`, started by
# `manage.py serve`), `rq` (Redis at REDIS_URL; the same `manage.py worker` runs an RQ worker),
# or `immediate` (tasks run in-process: tests, tiny installs).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
TASK_QUEUES = ["default", "certificates", "messages"]
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": TASK_QUEUES,
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}
        for name in TASK_QUEUES
    }

# WhatsApp: `console` keeps messages on the staff inbox page; `cloud` sends through the
# WhatsApp Business Cloud API (see docs/whatsapp.md).
WHATSAPP_GATEWAY = env.str("WHATSAPP_GATEWAY", default="console")
WHATSAPP_API_BASE = env.str("WHATSAPP_API_BASE", default="https://graph.facebook.com")
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v21.0")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_TIMEOUT = env.float("WHATSAPP_TIMEOUT", default=10.0)
WHATSAPP_MAX_ATTEMPTS = env.int("WHATSAPP_MAX_ATTEMPTS", default=8)
WHATSAPP_RETRY_BASE_SECONDS = env.float("WHATSAPP_RETRY_BASE_SECONDS", default=2.0)

# NIK verification against the population registry (antrean.core.nik_registry,
# docs/nik-verification.md): `none` checks the format only; `dukcapil` asks the population
# office's data-access service (an institution's credentials under its cooperation agreement).
ANTREAN_NIK_VERIFIER = env.str("ANTREAN_NIK_VERIFIER", default="none")
ANTREAN_DUKCAPIL_URL = env.str("ANTREAN_DUKCAPIL_URL", default="")
ANTREAN_DUKCAPIL_USER_ID = env.str("ANTREAN_DUKCAPIL_USER_ID", default="")
ANTREAN_DUKCAPIL_PASSWORD = env.str("ANTREAN_DUKCAPIL_PASSWORD", default="")
ANTREAN_DUKCAPIL_IP_USER = env.str("ANTREAN_DUKCAPIL_IP_USER", default="")
# The name's similarity score (0–100) the registry must give for a match.
ANTREAN_DUKCAPIL_THRESHOLD = env.int("ANTREAN_DUKCAPIL_THRESHOLD", default=90)
# Each booking waits at most this long for the registry; then the office's setting decides.
ANTREAN_DUKCAPIL_TIMEOUT = env.float("ANTREAN_DUKCAPIL_TIMEOUT", default=3.0)
# After this many failures in a row the registry is left alone for that many seconds.
ANTREAN_DUKCAPIL_BREAKER_FAILURES = env.int("ANTREAN_DUKCAPIL_BREAKER_FAILURES", default=5)
ANTREAN_DUKCAPIL_BREAKER_SECONDS = env.int("ANTREAN_DUKCAPIL_BREAKER_SECONDS", default=60)
if ANTREAN_NIK_VERIFIER not in ("none", "dukcapil"):
    raise ImproperlyConfigured("ANTREAN_NIK_VERIFIER must be none or dukcapil.")
if ANTREAN_NIK_VERIFIER == "dukcapil" and not ANTREAN_DUKCAPIL_URL:
    raise ImproperlyConfigured("ANTREAN_NIK_VERIFIER=dukcapil needs ANTREAN_DUKCAPIL_URL.")

# Booking rules that a ministry may tune nationally; per-office rules live on the Office.
ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY = env.int(
    "ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY", default=3
)
# One person may need several services on one day (KTP, KK, passport …), not dozens: this caps
# what a reused NIK is worth to a scalper, across all offices.
ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY = env.int("ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY", default=3)
# Proof of the WhatsApp number (antrean.booking.holds, docs/number-proof.md): how long a place
# is held for it, and the one-time code's life, resends and wrong tries.
ANTREAN_HOLD_MINUTES = env.int("ANTREAN_HOLD_MINUTES", default=10)
# At most this share of a slot's places may be held for unproven numbers at once (at least
# one place): numbers nobody proves cannot block a whole slot for ten minutes.
ANTREAN_HOLD_SHARE_MAX = env.float("ANTREAN_HOLD_SHARE_MAX", default=0.5)
ANTREAN_OTP_MINUTES = env.int("ANTREAN_OTP_MINUTES", default=5)
ANTREAN_OTP_MAX_SENDS = env.int("ANTREAN_OTP_MAX_SENDS", default=3)
ANTREAN_OTP_RESEND_SECONDS = env.int("ANTREAN_OTP_RESEND_SECONDS", default=60)
ANTREAN_OTP_MAX_FAILURES = env.int("ANTREAN_OTP_MAX_FAILURES", default=5)
# The office's WhatsApp number as citizens dial it (digits with country code, e.g.
# 6281234567890): the `wa.me` link that sends the prefilled proof message. Empty: only the
# one-time code proves a number.
WHATSAPP_DISPLAY_NUMBER = env.str("WHATSAPP_DISPLAY_NUMBER", default="")
# Online booking attempts per client address per window (0 turns the limit off). Indonesian
# mobile networks put many subscribers behind one address (carrier-grade NAT), so the default
# is generous for people and tight for a bot. Counted in the shared cache (Redis when set).
ANTREAN_BOOKINGS_PER_ADDRESS = env.int("ANTREAN_BOOKINGS_PER_ADDRESS", default=30)
ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW = env.int("ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW", default=600)
# Personal data (UU PDP): kept this many days after the ticket's date (or after a record
# not tied to a ticket was made), then erased by the worker's hourly retention job
# (antrean.privacy; `manage.py erase_expired_data`). What the ledger and statistics need stays.
ANTREAN_RETENTION_DAYS = env.int("ANTREAN_RETENTION_DAYS", default=365)
# A citizen's request for their own data (booking code + full NIK): attempts per client
# address an hour, and per booking code a day, counted in the shared cache.
ANTREAN_DATA_ACCESS_PER_ADDRESS = env.int("ANTREAN_DATA_ACCESS_PER_ADDRESS", default=20)
ANTREAN_DATA_ACCESS_PER_CODE = env.int("ANTREAN_DATA_ACCESS_PER_CODE", default=10)
# Gratification reports (antrean.reports): per client address (or WhatsApp sender) per
# window, and per ticket per day (attempts to bind a ticket count too).
ANTREAN_REPORTS_PER_ADDRESS = env.int("ANTREAN_REPORTS_PER_ADDRESS", default=10)
ANTREAN_REPORTS_WINDOW = env.int("ANTREAN_REPORTS_WINDOW", default=3600)
ANTREAN_REPORTS_PER_TICKET = env.int("ANTREAN_REPORTS_PER_TICKET", default=3)
ANTREAN_REPORTS_PER_TICKET_WINDOW = env.int("ANTREAN_REPORTS_PER_TICKET_WINDOW", default=86400)
# Following a report by its tracking code (page and API): look-ups per address per window.
ANTREAN_REPORTS_TRACK_PER_ADDRESS = env.int("ANTREAN_REPORTS_TRACK_PER_ADDRESS", default=30)
# Open data (/api/v1/open/…): requests per client address per window (0 turns the limit off).
# Answers are cacheable, so a client that keeps them needs few.
ANTREAN_OPEN_DATA_PER_ADDRESS = env.int("ANTREAN_OPEN_DATA_PER_ADDRESS", default=60)
ANTREAN_OPEN_DATA_WINDOW = env.int("ANTREAN_OPEN_DATA_WINDOW", default=60)
# How long a process may keep rows that every booking reads but admins rarely change (the pact
# in force, opening hours and closures, message template names). A change made in this process
# is seen at once; other processes see it within this many seconds.
ANTREAN_HOT_CACHE_SECONDS = env.float("ANTREAN_HOT_CACHE_SECONDS", default=5.0)

# Every line goes through one handler whose formatter masks NIKs, phone numbers and tokens,
# tracebacks included (antrean.core.logging). uvicorn's loggers reach it too (serve gives
# uvicorn no logging config of its own); gunicorn's are masked by antrean.gunicorn_conf.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "antrean.core.logging.MaskPersonalDataFilter"}},
    "formatters": {
        "masked": {
            "()": "antrean.core.logging.MaskingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_data"],
            "formatter": "masked",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own default handlers print unmasked (with DEBUG, or runserver's request
        # lines): named here without handlers, they write through the root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}

NINJA_PAGINATION_PER_PAGE = 100
