"""Test settings: the embedded mode (or DATABASE_URL/REDIS_URL for the service run), faster."""

import os

from .base import *  # noqa: F403
from .base import CSRF_TRUSTED_ORIGINS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBSOCKET_ALLOWED_ORIGINS = [*CSRF_TRUSTED_ORIGINS, "http://testserver"]
MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "media"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "private-media"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
LANGUAGE_CODE = "en"

# Parallel workers share one Redis but each has its own database, where ids repeat: group and
# cache names must not cross workers.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and REDIS_URL:  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] += f"-{_worker}"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] += f"-{_worker}"  # noqa: F405
