"""One ASGI process for pages, static files and the websocket.

daphne serves this application; `/ws/` goes to the multiplexed socket, checked against
WEBSOCKET_ALLOWED_ORIGINS and authenticated by the Django session.
"""

import os

from django.core.asgi import get_asgi_application

from forum.transport import install as write_frames_at_once

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_asgi_app = get_asgi_application()
write_frames_at_once()  # see forum/transport.py

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from forum.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)
