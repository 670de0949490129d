"""Production: PostgreSQL, Redis, SMTP, HTTPS behind a reverse proxy.

Refuses to start on the embedded defaults: a missing or default SECRET_KEY, DEBUG on, or no
explicit ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL or REDIS_URL.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_SECRET_KEY, env

_REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
)
_missing = [name for name in _REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters.")
if env.bool("DEBUG", default=False):
    raise ImproperlyConfigured("DEBUG must be off in production.")
DEBUG = False
for _name, _values in (
    ("ALLOWED_HOSTS", ALLOWED_HOSTS),  # noqa: F405
    ("CSRF_TRUSTED_ORIGINS", CSRF_TRUSTED_ORIGINS),  # noqa: F405
    ("WEBSOCKET_ALLOWED_ORIGINS", WEBSOCKET_ALLOWED_ORIGINS),  # noqa: F405
):
    if any("*" in value for value in _values):
        raise ImproperlyConfigured(f"{_name} must list explicit hosts or origins, not '*'.")
if EMAIL_BACKEND.endswith("console.EmailBackend"):  # noqa: F405
    raise ImproperlyConfigured("EMAIL_URL must point to a real mail server in production.")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")

WHITENOISE_USE_FINDERS = False
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is an opt-in decision for the operator (SECURE_HSTS_PRELOAD).
    "security.W021",
]
