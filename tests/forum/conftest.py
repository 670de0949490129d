"""Fixtures for the socket tests: real sessions, sockets on the full ASGI stack.

Every socket goes through `config.asgi.application` (origin check, session, auth) and is
disconnected when the test ends, whatever happened in it.
"""

import pytest
from channels.db import database_sync_to_async
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application

ALLOWED_ORIGIN = "http://testserver"
TIMEOUT = 3


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own in-memory layer: groups never outlive the event loop they ran on."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@database_sync_to_async
def sign_in(user) -> str:
    """A real session for `user`, as the sign-in view leaves it; returns the session key."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
async def open_socket():
    """Open a socket on /ws/ (`open_socket(session_key)` for a signed-in one).

    Returns the communicator once connected, its `hello` frame read into `.hello`. Every
    socket opened is disconnected at teardown, even when the test failed half-way.
    """
    opened: list[WebsocketCommunicator] = []

    async def _open(session_key: str | None = None) -> WebsocketCommunicator:
        communicator = communicator_for(session_key)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        communicator.hello = await communicator.receive_json_from(timeout=TIMEOUT)
        assert communicator.hello["type"] == "hello"
        return communicator

    yield _open
    errors = []
    for communicator in opened:
        try:
            await communicator.disconnect(timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - disconnect the others, then report it
            errors.append(error)
    if errors:
        raise errors[0]


def communicator_for(session_key=None, *, origin=ALLOWED_ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())] if origin else []
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)
