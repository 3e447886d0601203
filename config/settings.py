"""Teranga settings.

Everything that differs between machines comes from the environment (django-environ).
With no environment variable at all, Teranga runs in the *embedded default*: SQLite in
WAL mode, the local-memory cache, the in-memory channel layer and huey tasks stored in
SQLite, consumed by threads inside the web process (see ``teranga.platform.realtime``).
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from teranga.core import logs as teranga_logs
from teranga.core.storage import media_storages

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Run mode -------------------------------------------------------------------------
# PRODUCTION turns on every deployment hardening that `manage.py check --deploy` asks for.
PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in PRODUCTION mode.")

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in the embedded default, a key generated once
    and kept in DATA_DIR (never in the repository)."""
    value = env.str("SECRET_KEY", default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in PRODUCTION mode.")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Personal data and secrets at rest (teranga.core.encryption): the first key encrypts,
# every key decrypts (put a new key first, then run `manage.py encryption_rotate`); the
# keyed hashes used to look up phone numbers never rotate. Both default to SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
REDIS_URL = env.str("REDIS_URL", default="")

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.apple",
    "django_prometheus",
    "django_structlog",
    "django_tasks",
    # teranga.core before djhuey: its run_huey (a graceful stop on SIGTERM) wins.
    "teranga.core",
    "huey.contrib.djhuey",
    "channels",
    # Teranga
    "teranga.platform.accounts",
    "teranga.platform.geo",
    "teranga.platform.organizations",
    "teranga.platform.notifications",
    "teranga.platform.realtime",
    "teranga.platform.scheduling",
    "teranga.platform.calendars",
    "teranga.platform.payments",
    "teranga.platform.invoicing",
    "teranga.platform.moderation",
    "teranga.platform.messaging",
    "teranga.platform.imports",
    "teranga.platform.audit",
    "teranga.platform.analytics",
    "teranga.products.booking",
    "teranga.products.smartqueue",
    "teranga.products.campus",
    "teranga.products.realestate",
    "teranga.products.academy",
    "teranga.platform.backups",
]

MIDDLEWARE = [
    # First: a host outside ALLOWED_HOSTS that a business registered serves its public page
    # only (ALLOWED_HOSTS itself is never widened; any other host is still refused).
    "teranga.core.hosts.PublicHostMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "teranga.core.middleware.RequestIdMiddleware",
    # Binds request_id (ours, from X-Request-ID) into every log line. It sits before
    # authentication: placed after it, it evaluates request.user too early for allauth.
    "django_structlog.middlewares.RequestMiddleware",
    "teranga.core.middleware.BodySanityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request being served, for the audit entries its services write (address, agent).
    "teranga.platform.audit.context.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "teranga" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'teranga.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with connections reused within the process (a new one
    # costs more than a small request: teranga/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "teranga.core.sqlite"
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
    # BEGIN, so two writers queue on busy_timeout instead of failing with "database is
    # locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
        ),
    }
else:
    # Under ASGI every request runs in a thread of its own, so a connection cannot
    # persist between requests (CONN_MAX_AGE); psycopg's pool (Django's OPTIONS["pool"])
    # hands each request an open one instead of a new connection (about 7 ms here).
    DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=20)
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.int("DB_POOL_TIMEOUT", default=20),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# HTTP requests one server process works on at once; more wait their turn in the event
# loop (teranga.core.asgi_handler). 0: no cap. On SQLite a request never waits on the
# network, so one at a time keeps the process busiest; on PostgreSQL (and Redis) every
# query is a round trip, and a few requests at once fill each other's waits.
HTTP_CONCURRENCY = env.int(
    "HTTP_CONCURRENCY", default=1 if DATABASES["default"]["ENGINE"] == "teranga.core.sqlite" else 4
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache, channel layer, tasks ------------------------------------------------------
# Channel layer limits (both layers). A message waits in the channel of one connection
# until its consumer reads it. CHANNELS_CAPACITY is how many may wait: a chat burst
# (200 people in a group, each message fanned out to every member) or a busy display
# board (a call every few seconds, plus counter and screen updates) stays far below it
# for a consumer that keeps up, while one that stops reading cannot grow Redis (or the
# process) without bound: once its channel is full, new messages for it are dropped
# (channels_redis logs "channels over capacity"). CHANNELS_EXPIRY (seconds) drops
# messages nobody read in time. Neither loses anything silently: every event carries
# its group's seq and the consumer replays a gap from the broadcast buffer, or sends a
# fresh snapshot ("resync") when the gap is older than the buffer (see
# teranga.platform.realtime.consumers). So capacity is well above the buffer
# (realtime.broadcast.BUFFER_SIZE = 100 events per group): a consumer only lags past
# what it can replay when it is really stuck. CHANNELS_GROUP_EXPIRY (seconds) forgets
# group members that never left (a crashed worker's connections); open connections
# renew their membership at every REALTIME_AUTH_RECHECK_SECONDS, when they also check
# that their session is still signed in (logout closes them, code 4401).
# channels_redis' per-channel capacities ("channel_capacity") match channel *names*; our
# consumers only have generated names ("specific.…!…"), never one per group, so a single
# capacity applies to all.
CHANNELS_CAPACITY = env.int("CHANNELS_CAPACITY", default=1000)
CHANNELS_EXPIRY = env.int("CHANNELS_EXPIRY", default=60)
CHANNELS_GROUP_EXPIRY = env.int("CHANNELS_GROUP_EXPIRY", default=3600)
REALTIME_AUTH_RECHECK_SECONDS = env.float("REALTIME_AUTH_RECHECK_SECONDS", default=60.0)
if not 0 < REALTIME_AUTH_RECHECK_SECONDS * 2 <= CHANNELS_GROUP_EXPIRY:
    raise ImproperlyConfigured(
        "REALTIME_AUTH_RECHECK_SECONDS must be positive and at most half of "
        "CHANNELS_GROUP_EXPIRY (connections renew their groups at each re-check)."
    )
if CHANNELS_CAPACITY < 1 or CHANNELS_EXPIRY < 1:
    raise ImproperlyConfigured("CHANNELS_CAPACITY and CHANNELS_EXPIRY must be positive.")
_channel_limits = {
    "capacity": CHANNELS_CAPACITY,
    "expiry": CHANNELS_EXPIRY,
    "group_expiry": CHANNELS_GROUP_EXPIRY,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # One pool per process, not one per request (teranga/core/redis_pool.py).
            "OPTIONS": {"pool_class": "teranga.core.redis_pool.SharedConnectionPool"},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis, with a receive that always ends once cancelled (issue 23).
            "BACKEND": "teranga.platform.realtime.layers.RedisChannelLayer",
            "CONFIG": {
                # Each consumer waits for its messages with a blocking BRPOP of 5 s
                # (channels_redis' brpop_timeout). redis-py 8 gives sockets a default
                # read timeout of 5 s too, so an idle socket's read would time out with
                # the BRPOP and end the connection: the timeout must be longer.
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}
                ],
                "prefix": env.str("CHANNELS_PREFIX", "teranga"),
                **_channel_limits,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Room for rate-limit counters and the real-time sequence/replay keys.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
    # In memory, a message that expires unread also removes its connection from every
    # group: the re-check puts it back and catches up (see above).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": _channel_limits}
    }

# Server-side lifetime of the public reads' cached answers (teranga.core.public_cache; 0: off).
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=300)

# huey is the engine behind Django's Tasks API. `immediate` is always set explicitly:
# huey would otherwise follow DEBUG.
TASKS_IMMEDIATE = env.bool("TASKS_IMMEDIATE", default=False)
HUEY_NAME = env.str("HUEY_NAME", default="teranga")
# Tasks carry priorities (teranga.core.priorities: fulfilment and notifications before
# documents). huey's SQLite storage orders by priority; on Redis the priority storage
# is a sorted set (Redis 5+), which plain RedisHuey would refuse.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": TASKS_IMMEDIATE,
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": TASKS_IMMEDIATE,
        "utc": True,
    }
HUEY["consumer"] = {
    "workers": env.int("TASK_WORKERS", default=2),
    "worker_type": "thread",
    "periodic": True,
    # An idle worker polls the SQLite queue at least every second (huey backs off to
    # 10 s): the first payment after a quiet spell is not left waiting. Redis blocks.
    "max_delay": 1.0,
}
TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        # A task queued inside a transaction is only handed to huey once it commits.
        "ENQUEUE_ON_COMMIT": True,
    }
}
# Run the huey consumer as threads inside the web process. On by default in the
# embedded mode (no REDIS_URL), where the in-memory channel layer cannot cross
# processes; off at scale, where `manage.py run_huey` runs as separate workers.
EMBEDDED_WORKER = env.bool("EMBEDDED_WORKER", default=not REDIS_URL)
# How long a stop may take (SIGTERM or SIGINT), in seconds: the web server finishes its
# requests and closes its WebSockets (code 1012), a task worker finishes or re-queues its
# tasks, then each exits, by force at the latest after this. Keep it under the grace
# period of whatever stops the process (Kubernetes: terminationGracePeriodSeconds, 30).
SHUTDOWN_TIMEOUT = env.float("SHUTDOWN_TIMEOUT", default=20.0)
if SHUTDOWN_TIMEOUT <= 0:
    raise ImproperlyConfigured("SHUTDOWN_TIMEOUT must be positive (seconds).")

# --- Auth, sessions -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id (OWASP's parameters), then the hashers of hashes made before it: a PBKDF2 hash
# is checked and upgraded to Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "teranga.platform.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Sessions live in the database and are read through the cache: the JWTs are stateful,
# so every API request reads its session, and a cache hit spares it a query. A logout or
# a revoked session deletes both (the session store), so revocation stays immediate.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The number of reverse proxies we run in front of the app. Only behind them is
# X-Forwarded-For believed (teranga.core.client_address, allauth, DRF's throttles);
# 0 (the default) ignores the header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

ACCOUNT_ADAPTER = "teranga.platform.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 15 * 60
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Teranga] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Every flow is rate limited (allauth keeps the counters in the cache).
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "change_phone": "3/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    # Logins (teranga.platform.accounts.adapter.AccountAdapter.pre_authenticate). One
    # carrier-NAT address carries many subscribers, so per-address limits are wide; the
    # tight limit counts failures per (address, account), so a stranger elsewhere cannot
    # lock the owner out. The per-account budget bounds guessing spread over many
    # addresses; the owner's known device (a signed token set at login) skips it and the
    # per-address failure budget.
    "login": "300/m/ip",
    "login_failed": "5/5m/key",
    "login_failed_account": "20/h/key,100/d/key",
    "login_failed_address": "100/5m/ip",
    "confirm_email": "1/3m/key",
    "verify_phone": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Teranga"
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = True

HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app",)
# allauth's JWT strategy, plus reuse detection: a rotated refresh token presented again
# ends its session (teranga.platform.accounts.tokens).
HEADLESS_TOKEN_STRATEGY = "teranga.platform.accounts.tokens.JWTTokenStrategy"
# HS256 signs with SECRET_KEY unless an RS256 private key is given.
HEADLESS_JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="HS256")
HEADLESS_JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", default="", multiline=True)
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = env.int("JWT_ACCESS_TOKEN_LIFETIME", default=300)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = env.int("JWT_REFRESH_TOKEN_LIFETIME", default=86400)
# Stateful validation ties every access token to its session, so logout revokes it.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_SERVE_SPECIFICATION = True
# The links allauth's emails carry. Unset (the default), each is our page
# /account/<path>/ built from PUBLIC_URL, which hands over to the app
# (APP_LINK_SCHEME://account/<path>): teranga.platform.accounts.adapter.HeadlessAdapter.
HEADLESS_ADAPTER = "teranga.platform.accounts.adapter.HeadlessAdapter"
HEADLESS_FRONTEND_URLS = {
    name: url
    for name, url in {
        "account_confirm_email": env.str("FRONTEND_URL_CONFIRM_EMAIL", default=""),
        "account_reset_password": env.str("FRONTEND_URL_RESET_PASSWORD_REQUEST", default=""),
        "account_reset_password_from_key": env.str("FRONTEND_URL_RESET_PASSWORD", default=""),
        "account_signup": env.str("FRONTEND_URL_SIGNUP", default=""),
    }.items()
    if url
}

# Social login (allauth.socialaccount: Google and Apple). The apps sign in with the
# provider's ID token (POST /_allauth/app/v1/auth/provider/token); so does the web, through
# Google Identity Services and Sign in with Apple JS. Each client id is one allauth app,
# matched on the token's client_id: the first (web / Apple service id) is the one listed in
# /_allauth/app/v1/config, the others (iOS, Android, bundle ids) are hidden. With no ids in
# the environment, SocialApp rows entered in the admin are used; a provider with neither
# is not offered. Google and Apple vouch for the emails they mark verified, so such a
# login signs in to (and connects) the Teranga account with that verified email; an
# unverified one never links (teranga.platform.accounts.social.SocialAccountAdapter).
GOOGLE_CLIENT_IDS = env.list("GOOGLE_CLIENT_IDS", default=[]) or env.list(
    "GOOGLE_CLIENT_ID", default=[]
)
APPLE_CLIENT_IDS = env.list("APPLE_CLIENT_IDS", default=[]) or env.list(
    "APPLE_CLIENT_ID", default=[]
)


def _social_apps(client_ids: list[str], **credentials) -> list[dict]:
    """One allauth app per client id; only the first is listed (the others are hidden)."""
    return [
        {
            "client_id": client_id,
            **credentials,
            "settings": {**credentials.get("settings", {}), "hidden": number > 0},
        }
        for number, client_id in enumerate(client_ids)
    ]


SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["openid", "email", "profile"],
        "APPS": _social_apps(GOOGLE_CLIENT_IDS, secret=env.str("GOOGLE_CLIENT_SECRET", default="")),
    },
    "apple": {
        # Apple's naming in allauth: "secret" is the key id, "key" the team id.
        "APPS": _social_apps(
            APPLE_CLIENT_IDS,
            secret=env.str("APPLE_KEY_ID", default=""),
            key=env.str("APPLE_TEAM_ID", default=""),
            settings={
                "certificate_key": env.str("APPLE_PRIVATE_KEY", default="", multiline=True)
            },
        ),
    },
}
SOCIALACCOUNT_ADAPTER = "teranga.platform.accounts.social.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False

# Audit log (teranga.platform.audit): entries older than AUDIT_RETENTION_DAYS are deleted
# by a daily job; a failed sign-in is recorded once per (address, account) per
# AUDIT_FAILED_SIGN_IN_WINDOW seconds.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
AUDIT_FAILED_SIGN_IN_WINDOW = env.int("AUDIT_FAILED_SIGN_IN_WINDOW", default=300)
if AUDIT_RETENTION_DAYS < 1 or AUDIT_FAILED_SIGN_IN_WINDOW < 1:
    raise ImproperlyConfigured(
        "AUDIT_RETENTION_DAYS and AUDIT_FAILED_SIGN_IN_WINDOW must be positive."
    )

PHONENUMBER_DEFAULT_REGION = "SN"
PHONENUMBER_DB_FORMAT = "E164"

# --- Email ----------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (smtp+tls://, smtps://), consolemail://, filemail://path
# consolemail:// prints each email's recipients, subject and text body (not its MIME
# source) and keeps it whole in DATA_DIR/mail/*.eml (teranga.core.mail_console).
_email = env.email("EMAIL_URL", default="consolemail://")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    _email["EMAIL_BACKEND"] = "teranga.core.mail_console.EmailBackend"
    _email["EMAIL_FILE_PATH"] = str(DATA_DIR / "mail")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    _email["EMAIL_FILE_PATH"] = _email.get("EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Teranga <no-reply@teranga.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("wo", _("Wolof"))]
LOCALE_PATHS = [BASE_DIR / "teranga" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Africa/Dakar")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Media (teranga.core.storage): "default" is PRIVATE (verification documents, message
# attachments, invoice PDFs, student cards: url() is a signed link that expires after
# S3_SIGNED_URL_SECONDS); "public" holds what anyone may see (logos, avatars, service
# images, event covers: fields opt in with storage=public_media_storage), under public/.
# Without S3_BUCKET both are folders of MEDIA_ROOT, served by teranga.core.media_views;
# with it, one bucket of any S3-compatible store (django-storages).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_SIGNED_URL_SECONDS = env.int("S3_SIGNED_URL_SECONDS", default=600)
S3_BUCKET = env.str("S3_BUCKET", default="")
_s3_endpoint_url = env.str("S3_ENDPOINT_URL", default="")
_s3_region = env.str("S3_REGION", default="us-east-1")
_s3_access_key = env.str("S3_ACCESS_KEY_ID", default="")
_s3_secret_key = env.str("S3_SECRET_ACCESS_KEY", default="")
_media_storages = media_storages(
    bucket=S3_BUCKET,
    endpoint_url=_s3_endpoint_url,
    region=_s3_region,
    access_key=_s3_access_key,
    secret_key=_s3_secret_key,
    public_url=env.str("S3_PUBLIC_URL", default=""),
    signed_seconds=MEDIA_SIGNED_URL_SECONDS,
    presign_endpoint_url=env.str("S3_PRESIGN_ENDPOINT_URL", default=""),
)
STORAGES = {
    **_media_storages,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Backups (teranga.platform.backups: manage.py backup / restore). BACKUP_TARGET: a folder
# or s3://bucket/prefix (with the S3_* endpoint and credentials); BACKUP_KEEP: how many of
# the newest backups are kept; BACKUP_CRON: a 5-field crontab (UTC) for the periodic
# backup job, empty (the default): no periodic backup.
BACKUP_TARGET = env.str("BACKUP_TARGET", default=str(DATA_DIR / "backups"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_CRON = env.str("BACKUP_CRON", default="").strip()
BACKUP_S3_OPTIONS = {
    "endpoint_url": _s3_endpoint_url or None,
    "region_name": _s3_region,
    # Empty: boto3's own chain (an instance or pod role).
    "aws_access_key_id": _s3_access_key or None,
    "aws_secret_access_key": _s3_secret_key or None,
}

# Outside PRODUCTION, serve static files straight from the apps: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = False

# Bodies larger than this answer 413 (see teranga.core.middleware.BodySanityMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_BODY_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# A body nested deeper than this (arrays and objects) answers 400 before any view: Python's
# JSON decoder would recurse past its limit (teranga.core.parsers).
JSON_MAX_DEPTH = 64

# --- Bulk import (teranga.platform.imports) -------------------------------------------
# Caps of an uploaded CSV/XLSX file (IMPORT_MAX_BYTES stays under MAX_UPLOAD_BYTES, above
# which the middleware answers 413); THROTTLE_IMPORTS sets the uploads' rate per user.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=50)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=5_000)
IMPORT_MAX_XLSX_EXPANDED_BYTES = env.int(
    "IMPORT_MAX_XLSX_EXPANDED_BYTES", default=50 * 1024 * 1024
)

# --- Web analytics (teranga.platform.analytics) ----------------------------------------
# Collected events wait in a buffer (this process's memory, or a Redis list with
# REDIS_URL; ANALYTICS_BUFFER=memory|redis overrides) and are written in batches every
# ANALYTICS_FLUSH_SECONDS or once ANALYTICS_FLUSH_EVENTS wait (0 s: only the periodic job
# and explicit flushes). ANALYTICS_GEOIP_PATH: an offline GeoIP2/GeoLite2 City database
# (.mmdb) for countries, regions and cities; empty: no place (never an outside call).
ANALYTICS_BUFFER = env.str("ANALYTICS_BUFFER", default="")
ANALYTICS_FLUSH_SECONDS = env.float("ANALYTICS_FLUSH_SECONDS", default=5.0)
ANALYTICS_FLUSH_EVENTS = env.int("ANALYTICS_FLUSH_EVENTS", default=10_000)
ANALYTICS_GEOIP_PATH = env.str("ANALYTICS_GEOIP_PATH", default="")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teranga.platform.accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Request bodies are JSON; upload endpoints set MultiPartParser themselves.
    "DEFAULT_PARSER_CLASSES": ["teranga.core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "teranga.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "SEARCH_PARAM": "q",
    "DEFAULT_THROTTLE_CLASSES": [
        "teranga.core.throttling.AnonRateThrottle",
        "teranga.core.throttling.UserRateThrottle",
        "teranga.core.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
        "invitation_accept": "20/min",
        "organization_create": "10/hour",
        "phone_verification": "10/hour",
        "directory": "120/min",
        "account_export": "10/hour",
        "account_erase": "10/hour",
        "slots": env.str("THROTTLE_SLOTS", default="120/min"),
        "reservations": env.str("THROTTLE_RESERVATIONS", default="30/min"),
        "payments": env.str("THROTTLE_PAYMENTS", default="30/min"),
        "payment_webhooks": env.str("THROTTLE_PAYMENT_WEBHOOKS", default="1200/min"),
        "coupon_validate": env.str("THROTTLE_COUPON_VALIDATE", default="30/min"),
        "calendar_feed": env.str("THROTTLE_CALENDAR_FEED", default="60/hour"),
        "calendar_feed_miss": "30/hour",
        "calendar_webhooks": env.str("THROTTLE_CALENDAR_WEBHOOKS", default="1200/min"),
        "calendar_connect": env.str("THROTTLE_CALENDAR_CONNECT", default="30/hour"),
        "broadcasts": env.str("THROTTLE_BROADCASTS", default="10/hour"),
        "sms_receipts": env.str("THROTTLE_SMS_RECEIPTS", default="1200/min"),
        # REST and WebSocket chat sends share one budget per user.
        "chat_messages": env.str("THROTTLE_CHAT_MESSAGES", default="60/min"),
        "support_widget": env.str("THROTTLE_SUPPORT_WIDGET", default="60/min"),
    },
    "EXCEPTION_HANDLER": "teranga.core.errors.exception_handler",
    # Throttles read X-Forwarded-For only behind our own proxies (TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_METADATA_CLASS": "teranga.core.metadata.Metadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Teranga API",
    "DESCRIPTION": (
        "One platform for service businesses in Senegal and France. Authentication lives "
        "under /_allauth/app/v1/ (see the allauth specification beside this one)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CalendarConnectionStatusEnum": "teranga.platform.calendars.models.ConnectionStatus",
        "AnalyticsIntervalEnum": ["hour", "day", "month"],
        "OrganizationKindEnum": "teranga.platform.organizations.models.OrganizationKind",
        "DocumentKindEnum": "teranga.platform.organizations.models.DocumentKind",
        "ClosureKindEnum": "teranga.platform.organizations.models.ClosureKind",
        "VerificationStatusEnum": "teranga.platform.organizations.models.VerificationStatus",
        "VerificationDecisionStatusEnum": (
            "teranga.platform.organizations.models.DECIDABLE_STATUS_CHOICES"
        ),
        "DocumentStatusEnum": "teranga.platform.organizations.models.DocumentStatus",
        "RoleEnum": "teranga.platform.organizations.models.Role",
        "ResourceKindEnum": "teranga.platform.scheduling.models.ResourceKind",
        "OverrideKindEnum": "teranga.platform.scheduling.models.OverrideKind",
        "BookingStatusEnum": "teranga.platform.scheduling.models.BookingStatus",
        "CalendarEntryStatusEnum": ["confirmed", "tentative", "cancelled"],  # scheduling.sources
        "CountryEnum": "teranga.platform.organizations.models.Country",
        "PaymentStatusEnum": "teranga.platform.payments.models.PaymentStatus",
        "PaymentMethodEnum": "teranga.platform.payments.models.PaymentMethod",
        "RefundStatusEnum": "teranga.platform.payments.models.RefundStatus",
        "PaymentEventSourceEnum": "teranga.platform.payments.models.EventSource",
        "CouponKindEnum": "teranga.platform.payments.models.CouponKind",
        "BillingPeriodEnum": "teranga.platform.payments.models.BillingPeriod",
        "SubscriptionStatusEnum": "teranga.platform.payments.models.SubscriptionStatus",
        "InvoiceKindEnum": "teranga.platform.invoicing.models.InvoiceKind",
        "DevicePlatformEnum": "teranga.platform.notifications.models.DevicePlatform",
        "NotificationChannelEnum": "teranga.platform.notifications.models.Channel",
        # Every other choice set is named here too (a product's, in its Product.enum_names):
        # a name drf-spectacular derives from a field (or, on a collision, from its
        # component and a hash) changes when another serializer grows a field of the same
        # name, and generated clients break.
        "CurrencyEnum": "teranga.core.money.CURRENCY_CHOICES",
        "LanguageEnum": "teranga.platform.accounts.models.Language",
        "ParticipantRoleEnum": "teranga.platform.messaging.models.ParticipantRole",
        "ModerationCaseStatusEnum": "teranga.platform.moderation.models.CaseStatus",
        "ModerationCaseActionEnum": "teranga.platform.moderation.models.CaseAction",
        "ModerationLogActionEnum": "teranga.platform.moderation.models.LogAction",
        "AuditActionEnum": "teranga.platform.audit.models.AuditAction",
        "GroupInvitationStatusEnum": "teranga.platform.messaging.models.InvitationStatus",
        "ParticipantAddRoleEnum": ["member", "admin"],
        "ConversationCreateKindEnum": ["private", "group"],
        "MessageKindEnum": ["text", "system", "auto_reply"],
        "SupportChannelTypeEnum": ["whatsapp", "telegram", "discord", "email"],
        "PaymentReviewDecisionEnum": ["approve", "reject"],
        "EncodingEnum": [("gsm7", "GSM-7"), ("ucs2", "UCS-2")],
        "AgendaEntryRoleEnum": ["client", "staff"],
    },
    # One hook (teranga.core.schema): English, named enums, no titles, local times, unions
    # of shapes, and the error responses.
    "POSTPROCESSING_HOOKS": ["teranga.core.schema.postprocess"],
    "DEFAULT_GENERATOR_CLASS": "teranga.core.schema.EnglishSchemaGenerator",
}

# --- CORS, CSP, security headers ------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|_allauth)/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-known-device",
    "x-request-id",
    "x-session-token",
)
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-Known-Device"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # No inline script anywhere (the admin's, Swagger UI's and ReDoc's are files too):
        # every page's script is a file of ours.
        "script-src": ["'self'"],
        # ReDoc's search runs in a worker it builds from a blob of its own script.
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^health/"]

# --- Logging, metrics, errors ---------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# LOG_FORMAT: "json" (one JSON object per line, request_id bound by django-structlog; the
# default in PRODUCTION) or "text" (one readable line per event and per request; the
# default elsewhere). Both quiet the periodic jobs' lines and WeasyPrint (teranga.core.logs).
try:
    LOG_FORMAT = teranga_logs.log_format(env.str("LOG_FORMAT", default=""), production=PRODUCTION)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
DJANGO_STRUCTLOG_CELERY_ENABLED = False
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # the id RequestIdMiddleware settled on
LOGGING = teranga_logs.configure(log_format=LOG_FORMAT, level=LOG_LEVEL)
PROMETHEUS_EXPORT_MIGRATIONS = False
# Who may scrape /metrics (config/metrics.py): in PRODUCTION, a bearer token or an address
# in the allow-list (addresses or CIDR networks), else nobody; elsewhere open unless
# METRICS_TOKEN is set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_network!r} is not an address or a CIDR network."
        ) from exc

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        environment="production" if PRODUCTION else "development",
    )

# --- Teranga --------------------------------------------------------------------------
TERANGA = {
    "DEFAULT_ORGANIZATION_TIME_ZONE": "Africa/Dakar",
    "INVITATION_TTL": timedelta(days=7),
    # Every link we send starts with it (teranga.core.links). `manage.py serve` sets it
    # to the address it listens on when unset; behind a proxy or a domain, set it.
    "PUBLIC_URL": env.str("PUBLIC_URL", default="http://127.0.0.1:8000"),
    # The app's own links (`<scheme>://payments/<id>`), and what makes our https links
    # universal links: /.well-known/assetlinks.json and apple-app-site-association.
    "APP_LINK_SCHEME": env.str("APP_LINK_SCHEME", default="teranga"),
    "APP_ANDROID_PACKAGE": env.str("APP_ANDROID_PACKAGE", default=""),
    "APP_ANDROID_SHA256": env.list("APP_ANDROID_SHA256", default=[]),
    "APP_IOS_APP_IDS": env.list("APP_IOS_APP_IDS", default=[]),
    # Demo mode: the home page lists the demo logins and the products' pages.
    "DEMO": env.bool("DEMO", default=not PRODUCTION),
    # How long a slot is held while it is paid for (the scheduling engine's holds).
    "BOOKING_HOLD_MINUTES": env.int("BOOKING_HOLD_MINUTES", default=5),
}
# SMS provider for verification codes until the notifications module adds real ones.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="sandbox")

# --- Payments -------------------------------------------------------------------------
# Credentials from the environment; an organisation may store its own instead
# (ProviderAccount, encrypted with PAYMENTS_CREDENTIALS_KEY, else a key derived from
# SECRET_KEY). A provider is offered once its credentials are present.
PAYMENT_PROVIDERS = {
    "stripe": {
        "secret_key": env.str("STRIPE_SECRET_KEY", default=""),
        "publishable_key": env.str("STRIPE_PUBLISHABLE_KEY", default=""),
        "webhook_secret": env.str("STRIPE_WEBHOOK_SECRET", default=""),
    },
    "paypal": {
        "client_id": env.str("PAYPAL_CLIENT_ID", default=""),
        "client_secret": env.str("PAYPAL_CLIENT_SECRET", default=""),
        "webhook_id": env.str("PAYPAL_WEBHOOK_ID", default=""),
        "environment": env.str("PAYPAL_ENVIRONMENT", default="sandbox"),
    },
    "wave": {
        "api_key": env.str("WAVE_API_KEY", default=""),
        "webhook_secret": env.str("WAVE_WEBHOOK_SECRET", default=""),
        "api_url": env.str("WAVE_API_URL", default="https://api.wave.com"),
    },
    "orange_money": {
        "client_id": env.str("ORANGE_MONEY_CLIENT_ID", default=""),
        "client_secret": env.str("ORANGE_MONEY_CLIENT_SECRET", default=""),
        "merchant_key": env.str("ORANGE_MONEY_MERCHANT_KEY", default=""),
        "api_url": env.str("ORANGE_MONEY_API_URL", default="https://api.orange.com"),
        "country_path": env.str("ORANGE_MONEY_COUNTRY_PATH", default="sn"),
    },
    "free_money": {
        "api_key": env.str("FREE_MONEY_API_KEY", default=""),
        "api_secret": env.str("FREE_MONEY_API_SECRET", default=""),
        "api_url": env.str("FREE_MONEY_API_URL", default="https://paytech.sn/api"),
    },
}
PAYMENTS_CREDENTIALS_KEY = env.str("PAYMENTS_CREDENTIALS_KEY", default="")
# The sandbox provider (hosted test page) is offered unless turned off; off by default
# in production.
PAYMENTS_SANDBOX_ENABLED = env.bool("PAYMENTS_SANDBOX_ENABLED", default=not PRODUCTION)
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="")
# Every call to a provider: a timeout (seconds) and bounded retries where safe.
PAYMENTS_HTTP_TIMEOUT = env.float("PAYMENTS_HTTP_TIMEOUT", default=10.0)
PAYMENTS_HTTP_RETRIES = env.int("PAYMENTS_HTTP_RETRIES", default=2)
PAYMENTS_HTTP_BACKOFF = 0.5

# Two-way calendar sync (teranga.platform.calendars): Google Calendar reuses the web OAuth
# client of Google sign-in unless GOOGLE_CALENDAR_* name another; Microsoft 365 / Outlook
# through Graph. A provider without its id and secret is not offered (the sandbox is).
GOOGLE_CALENDAR_CLIENT_ID = env.str("GOOGLE_CALENDAR_CLIENT_ID", default="") or (
    GOOGLE_CLIENT_IDS[0] if GOOGLE_CLIENT_IDS else ""
)
GOOGLE_CALENDAR_CLIENT_SECRET = env.str("GOOGLE_CALENDAR_CLIENT_SECRET", default="") or env.str(
    "GOOGLE_CLIENT_SECRET", default=""
)
MICROSOFT_CLIENT_ID = env.str("MICROSOFT_CLIENT_ID", default="")
MICROSOFT_CLIENT_SECRET = env.str("MICROSOFT_CLIENT_SECRET", default="")
MICROSOFT_TENANT = env.str("MICROSOFT_TENANT", default="common")
# How many days ahead bookings are pushed to, and busy times read from, external calendars.
CALENDAR_SYNC_DAYS = env.int("CALENDAR_SYNC_DAYS", default=90)
# A payment not completed within this many minutes expires (or sooner, with its hold).
PAYMENT_TTL_MINUTES = env.int("PAYMENT_TTL_MINUTES", default=30)

# --- Notification providers ---
# SMS: SMS_PROVIDER (above) picks "sandbox" (the outbox only, read in the admin),
# "twilio" or "orange" (Orange Developer SMS API). Credentials come from the environment.
SMS_PROVIDERS = {
    "twilio": {
        "account_sid": env.str("TWILIO_ACCOUNT_SID", default=""),
        "auth_token": env.str("TWILIO_AUTH_TOKEN", default=""),
        # A Twilio number or approved alphanumeric sender, or a Messaging Service.
        "from": env.str("TWILIO_FROM", default=""),
        "messaging_service_sid": env.str("TWILIO_MESSAGING_SERVICE_SID", default=""),
        "status_callback": env.str("TWILIO_STATUS_CALLBACK_URL", default=""),
    },
    "orange": {
        "client_id": env.str("ORANGE_SMS_CLIENT_ID", default=""),
        "client_secret": env.str("ORANGE_SMS_CLIENT_SECRET", default=""),
        # The number of the SMS contract: +221… (or tel:+221…).
        "sender": env.str("ORANGE_SMS_SENDER", default=""),
        "sender_name": env.str("ORANGE_SMS_SENDER_NAME", default=""),
        "api_url": env.str("ORANGE_SMS_API_URL", default="https://api.orange.com"),
    },
}
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
# Inbound SMS (/api/v1/notifications/sms/inbound/{provider}/): Twilio's are verified with
# TWILIO_AUTH_TOKEN; the sandbox provider's with an HMAC-SHA256 under this secret (empty:
# refused). Messages beyond the per-sender hourly limit are recorded, not answered.
SMS_INBOUND_SECRET = env.str("SMS_INBOUND_SECRET", default="")
SMS_INBOUND_PER_SENDER_PER_HOUR = env.int("SMS_INBOUND_PER_SENDER_PER_HOUR", default=20)
_SMS_REQUIRED = {  # provider -> the variables it needs (one of each tuple)
    "sandbox": [],
    "twilio": [
        ("TWILIO_ACCOUNT_SID",),
        ("TWILIO_AUTH_TOKEN",),
        ("TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"),
    ],
    "orange": [("ORANGE_SMS_CLIENT_ID",), ("ORANGE_SMS_CLIENT_SECRET",), ("ORANGE_SMS_SENDER",)],
}
if SMS_PROVIDER not in _SMS_REQUIRED:
    raise ImproperlyConfigured(f"SMS_PROVIDER must be one of {', '.join(_SMS_REQUIRED)}.")
_missing = [
    " or ".join(names)
    for names in _SMS_REQUIRED[SMS_PROVIDER]
    if not any(env.str(name, default="") for name in names)
]
if _missing:
    raise ImproperlyConfigured(f"SMS_PROVIDER={SMS_PROVIDER} needs {', '.join(_missing)}.")

# Push: "sandbox" (logs, sends nothing) or "fcm" (Firebase Cloud Messaging). FCM_CREDENTIALS
# is the service account JSON itself or the path of its file.
PUSH_PROVIDER = env.str("PUSH_PROVIDER", default="sandbox")
FCM = {
    "credentials": env.str("FCM_CREDENTIALS", default=""),
    "project_id": env.str("FCM_PROJECT_ID", default=""),
}
PUSH_HTTP_TIMEOUT = env.float("PUSH_HTTP_TIMEOUT", default=10.0)
if PUSH_PROVIDER not in {"sandbox", "fcm"}:
    raise ImproperlyConfigured("PUSH_PROVIDER must be sandbox or fcm.")
if PUSH_PROVIDER == "fcm" and not FCM["credentials"]:
    raise ImproperlyConfigured("PUSH_PROVIDER=fcm needs FCM_CREDENTIALS.")

# Chat channels: "sandbox" (records, sends nothing) by default. Telegram (Bot API): users
# link their chat through https://t.me/<TELEGRAM_BOT_USERNAME>?start=<one-time token>; the
# bot's webhook (/api/v1/notifications/telegram/webhook/, registered with
# `manage.py telegram_webhook_set`) is verified with TELEGRAM_WEBHOOK_SECRET (empty:
# refused). Discord: each organisation stores its own channel webhook URLs (encrypted).
TELEGRAM_PROVIDER = env.str("TELEGRAM_PROVIDER", default="sandbox")
TELEGRAM = {
    "bot_token": env.str("TELEGRAM_BOT_TOKEN", default=""),
    "bot_username": env.str("TELEGRAM_BOT_USERNAME", default="TerangaSandboxBot"),
    "webhook_secret": env.str("TELEGRAM_WEBHOOK_SECRET", default=""),
    "api_url": env.str("TELEGRAM_API_URL", default="https://api.telegram.org"),
}
DISCORD_PROVIDER = env.str("DISCORD_PROVIDER", default="sandbox")
if TELEGRAM_PROVIDER not in {"sandbox", "telegram"}:
    raise ImproperlyConfigured("TELEGRAM_PROVIDER must be sandbox or telegram.")
if TELEGRAM_PROVIDER == "telegram" and not TELEGRAM["bot_token"]:
    raise ImproperlyConfigured("TELEGRAM_PROVIDER=telegram needs TELEGRAM_BOT_TOKEN.")
if DISCORD_PROVIDER not in {"sandbox", "discord"}:
    raise ImproperlyConfigured("DISCORD_PROVIDER must be sandbox or discord.")

# Email: EMAIL_URL (above: smtp, console, file) unless EMAIL_PROVIDER names an API
# provider, sent through django-anymail. Amazon SES takes the standard AWS variables
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION) through boto3.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="").strip().lower()
_ANYMAIL_BACKENDS = {
    "ses": "anymail.backends.amazon_ses.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "brevo": "anymail.backends.brevo.EmailBackend",
}
ANYMAIL = {
    key: value
    for key, value in {
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "MAILGUN_SENDER_DOMAIN": env.str("MAILGUN_SENDER_DOMAIN", default=""),
        # https://api.eu.mailgun.net/v3 for a domain in Mailgun's EU region.
        "MAILGUN_API_URL": env.str("MAILGUN_API_URL", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "BREVO_API_KEY": env.str("BREVO_API_KEY", default=""),
        "AMAZON_SES_CLIENT_PARAMS": (
            {"region_name": env.str("AWS_REGION", default="")}
            if env.str("AWS_REGION", default="")
            else {}
        ),
        "AMAZON_SES_CONFIGURATION_SET_NAME": env.str("AWS_SES_CONFIGURATION_SET", default=""),
    }.items()
    if value
}
if EMAIL_PROVIDER:
    if EMAIL_PROVIDER not in _ANYMAIL_BACKENDS:
        raise ImproperlyConfigured("EMAIL_PROVIDER must be empty, ses, mailgun or brevo.")
    _needs = {"mailgun": ["MAILGUN_API_KEY"], "brevo": ["BREVO_API_KEY"], "ses": []}
    _missing = [key for key in _needs[EMAIL_PROVIDER] if key not in ANYMAIL]
    if _missing:
        raise ImproperlyConfigured(f"EMAIL_PROVIDER={EMAIL_PROVIDER} needs {', '.join(_missing)}.")
    if EMAIL_PROVIDER == "ses":
        import importlib.util

        if importlib.util.find_spec("boto3") is None:
            raise ImproperlyConfigured(
                "EMAIL_PROVIDER=ses needs boto3 (pip install 'django-anymail[amazon-ses]')."
            )
    EMAIL_BACKEND = _ANYMAIL_BACKENDS[EMAIL_PROVIDER]

# Push device registration and removal, per user.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].setdefault(
    "devices", env.str("THROTTLE_DEVICES", default="30/min")
)
# Telegram: asking for a link (per user) and the bot's webhook.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].setdefault(
    "telegram_link", env.str("THROTTLE_TELEGRAM_LINK", default="10/min")
)
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].setdefault(
    "telegram_webhook", env.str("THROTTLE_TELEGRAM_WEBHOOK", default="600/min")
)

# --- Messaging ------------------------------------------------------------------------
# Chat limits; the moderation word lists replace the built-in ones when set.
CHAT_EDIT_WINDOW_SECONDS = env.int("CHAT_EDIT_WINDOW_SECONDS", default=15 * 60)
CHAT_MESSAGE_MAX_LENGTH = env.int("CHAT_MESSAGE_MAX_LENGTH", default=4000)
CHAT_GROUP_MAX_PARTICIPANTS = env.int("CHAT_GROUP_MAX_PARTICIPANTS", default=500)
for _words in ("MODERATION_BLOCKED_WORDS", "MODERATION_FLAGGED_WORDS"):
    if env.str(_words, default=""):
        globals()[_words] = env.list(_words)

# --- Moderation (teranga.platform.moderation) ----------------------------------------------
# Every other threshold is a plain setting with its default in the rule's module.
# A classifier: dotted path of ``(text, context) -> (score 0..1, label)``; none by default.
MODERATION_CLASSIFIER = env.str("MODERATION_CLASSIFIER", default="") or None
# Link hosts that never count in the link rule (PUBLIC_URL's host never does).
MODERATION_ALLOWED_LINK_HOSTS = env.list("MODERATION_ALLOWED_LINK_HOSTS", default=[])

# --- Public pages on registered host names (teranga.core.hosts) ----------------------------
# The base domain under which a business may register a sub-domain (`<sub>.<domain>`) for
# its public page (the product contract's RootPages); empty: none. A sub-domain serves a
# page only once its business registered it.
PAGES_BASE_DOMAIN = env.str("PAGES_BASE_DOMAIN", default="").strip().lower().strip(".")
