"""Settings shared by every way of running the platform.

Every value comes from the environment. The defaults describe the embedded mode of a fresh
machine (SQLite, in-memory channel layer, local-memory cache, console e-mail, tasks run
immediately). `config.settings.production` refuses the insecure defaults.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Marks the embedded default key so production can recognise and refuse it.
INSECURE_SECRET_KEY = "embedded-mode-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=INSECURE_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=["http://127.0.0.1:8000", "http://localhost:8000"]
)
# Browsers send an Origin header with the websocket handshake; only these may open /ws/.
WEBSOCKET_ALLOWED_ORIGINS = env.list("WEBSOCKET_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS)

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "community",
    "forum",
    "forum.chat",
    "events",
    "mentorship",
    "community.library",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.locales",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "notifications",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "community.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the daphne process read while a write is in progress.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Keep the connection of daphne's database thread instead of reopening the file (and
    # running the pragma) for every socket call.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
elif env.bool("DATABASE_POOL", default=True):
    # Under daphne, every socket's database work runs on one thread per process and each call
    # would otherwise open a new PostgreSQL connection; a pool hands back an open one.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Events waiting for a process's fan-out (its one channel carries every group's events): the
# layer drops what is beyond, so it is sized for bursts (clients would fetch the gap anyway).
CHANNELS_CAPACITY = env.int("CHANNELS_CAPACITY", default=5000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env("CHANNELS_PREFIX", default="asgi"),
                "capacity": CHANNELS_CAPACITY,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Another database number keeps a cache flush away from the channel layer.
            "LOCATION": env("REDIS_CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": env("CACHE_PREFIX", default="platform"),
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNELS_CAPACITY},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache and written through to the database: one query less on
# every signed-in page, and sessions survive a cache flush.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"),
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# django-environ drops the leading slash of filemail:///abs/path; the path is meant absolute.
if EMAIL_CONFIG.get("EMAIL_FILE_PATH") and not EMAIL_CONFIG["EMAIL_FILE_PATH"].startswith("/"):
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + EMAIL_CONFIG["EMAIL_FILE_PATH"]
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Plateforme Égalité <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "community.backends.AnimatorBackend",
    "events.wagtail_permissions.OrganiserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "community:dashboard"

# django-allauth: e-mail only, verified before the first log-in, no account enumeration.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "confirm_email": "3/3m/key",
}
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files only a view may hand out after a permission check (forum images of private spaces):
# never under MEDIA_ROOT, never served by the web server.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

WAGTAIL_SITE_NAME = "Égalité Pro Clusters"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    *("pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv"),
    *("mp4", "webm", "mp3", "m4a", "ogg", "vtt"),  # videos, recordings and their captions
]
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
# Library items exist in French and in English as Wagtail locales; the language of the interface
# is the reader's choice (a cookie), not a URL prefix. See docs/library.md.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Documents live outside MEDIA_ROOT; Wagtail's view serves them after the permission check.
WAGTAILDOCS_DOCUMENT_MODEL = "library.LibraryDocument"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Private documents leave with `Cache-Control: private, no-store` (community/library/documents.py).
SENDFILE_BACKEND = "community.library.documents"
# Images uploaded in the Wagtail admin are checked by content, like every other upload.
WAGTAILIMAGES_IMAGE_FORM_BASE = "community.library.uploads.CheckedImageForm"
# A library item approved by its review workflow is published by that approval, even when the
# last reviewer (an expert) has no publish permission of their own (see community/library/apps.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "community.library.apps.publish_approved_workflow"
UPLOAD_DOCUMENT_MAX_BYTES = env.int("UPLOAD_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Video hosts whose players may be framed: the big hosts are known by name in
# community/library/embeds.py; PeerTube instances are many, so only these are accepted.
LIBRARY_PEERTUBE_HOSTS = env.list(
    "LIBRARY_PEERTUBE_HOSTS",
    default=["framatube.org", "peertube.fr", "tube.ac-lyon.fr", "videos.egalite-clusters.example"],
)

DJANGO_NOTIFICATIONS_CONFIG = {"USE_JSONFIELD": True, "SOFT_DELETE": False}

# Mentorship (docs/mentorship.md): booking notice and horizon, cancellation notice, video rooms,
# and how long a quiet relationship waits for a nudge.
MENTORSHIP_MIN_NOTICE_HOURS = env.int("MENTORSHIP_MIN_NOTICE_HOURS", default=12)
MENTORSHIP_WEEKS_AHEAD = env.int("MENTORSHIP_WEEKS_AHEAD", default=8)
MENTORSHIP_CANCEL_NOTICE_HOURS = env.int("MENTORSHIP_CANCEL_NOTICE_HOURS", default=24)
MENTORSHIP_VIDEO_BASE = env("MENTORSHIP_VIDEO_BASE", default="https://meet.jit.si/egalite-")
MENTORSHIP_NUDGE_DAYS = env.int("MENTORSHIP_NUDGE_DAYS", default=21)

# The forum (docs/forum.md): open reports that hide a post until a moderator reviews it.
FORUM = {
    "REPORT_HIDE_THRESHOLD": env.int("FORUM_REPORT_HIDE_THRESHOLD", default=3),
}

# Real-time limits, documented in docs/realtime.md.
REALTIME = {
    # 32 KiB: a 4,000-character chat message fits even when JSON escapes every character.
    "MAX_FRAME_BYTES": env.int("WS_MAX_FRAME_BYTES", default=32 * 1024),
    "MAX_STREAMS_PER_SOCKET": env.int("WS_MAX_STREAMS_PER_SOCKET", default=50),
    "HEARTBEAT_SECONDS": env.int("WS_HEARTBEAT_SECONDS", default=25),
    # The server re-checks each signed-in socket's session this often, pings or not.
    "SESSION_CHECK_SECONDS": env.float("WS_SESSION_CHECK_SECONDS", default=60.0),
    # Frames a socket may send: this many per second on average, in bursts up to FRAME_BURST.
    "FRAME_RATE": env.float("WS_FRAME_RATE", default=10.0),
    "FRAME_BURST": env.int("WS_FRAME_BURST", default=30),
    # Open sockets (tabs) of one member on one daphne process.
    "MAX_SOCKETS_PER_MEMBER": env.int("WS_MAX_SOCKETS_PER_MEMBER", default=12),
    # Each process re-adds its channel to its groups this often (the layer may have lost them).
    "FANOUT_REFRESH_SECONDS": env.float("WS_FANOUT_REFRESH_SECONDS", default=10.0),
}

# Live chat (docs/chat.md).
CHAT = {
    "MESSAGE_MAX_CHARS": env.int("CHAT_MESSAGE_MAX_CHARS", default=4000),
    "EDIT_WINDOW_MINUTES": env.int("CHAT_EDIT_WINDOW_MINUTES", default=15),
    "GROUP_MAX_MEMBERS": env.int("CHAT_GROUP_MAX_MEMBERS", default=10),
    # Messages a member may send: this many per second on average, in bursts up to SEND_BURST.
    "SEND_RATE": env.float("CHAT_SEND_RATE", default=1.0),
    "SEND_BURST": env.int("CHAT_SEND_BURST", default=8),
    # Messages in one `messages` frame (history pages, catching up).
    "PAGE_SIZE": env.int("CHAT_PAGE_SIZE", default=50),
    # How long presence and typing last without being renewed.
    "PRESENCE_SECONDS": env.int("CHAT_PRESENCE_SECONDS", default=70),
    "TYPING_SECONDS": env.int("CHAT_TYPING_SECONDS", default=6),
}

# Uploaded images: type and size are checked before anything is stored.
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=4 * 1024 * 1024)
# A small compressed file can describe a huge picture: its pixel count (read from the header)
# is bounded too, so resizing it for renditions cannot exhaust the server's memory.
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
