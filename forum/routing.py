from django.urls import path

from forum.consumers import PlatformSocket

websocket_urlpatterns = [
    path("ws/", PlatformSocket.as_asgi()),
]
