"""One ASGI process for pages, static files and the websocket.

daphne serves this application; `/ws/` goes to the multiplexed socket, checked against
WEBSOCKET_ALLOWED_ORIGINS and authenticated by the Django session.
"""

import gc
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

# Garbage collection pauses every socket of the process, so it runs less often and never over
# what lives as long as the process:
# - everything loaded so far (Django, Wagtail, the URL and template machinery) is frozen: a full
#   collection no longer walks all of it again;
# - the young generation is collected every 50,000 allocations instead of 700 (a fan-out to 500
#   sockets allocates thousands per message), and the oldest far less often.
# Measured with bench/chat_fanout.py (Redis layer, 500 sockets, 10 messages/s): p99 131 ms with
# the defaults, 93 ms frozen, about 60 ms frozen and with these thresholds.
gc.freeze()
gc.set_threshold(50_000, 50, 1_000)
