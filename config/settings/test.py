"""Test settings: the embedded mode (or DATABASE_URL/REDIS_URL for the service run), faster."""

from .base import *  # noqa: F403
from .base import CSRF_TRUSTED_ORIGINS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBSOCKET_ALLOWED_ORIGINS = [*CSRF_TRUSTED_ORIGINS, "http://testserver"]
MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "media"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
LANGUAGE_CODE = "en"
