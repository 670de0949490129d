"""Publishing to the per-tab sockets, and the streams a socket may subscribe to.

Services publish; nothing else does. `publish_after_commit` takes a payload that is already
plain data (serialised before the commit hook, so it says what the transaction wrote) and sends
it to the channel layer group once the transaction has committed. The database stays the
truth; the channel layer only carries news.

Streams are named `notifications` (the signed-in user's own), `space:<id>` and so on. Each stream
kind registers how to authorise a user and which group carries its events, so the consumer
checks permission at every subscribe with the same functions the views use. Later apps add
their kinds (`room:<id>`, `topic:<id>`) with `register_stream`.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

try:  # channels-redis is installed with the platform, but the layer may be in-memory.
    from redis.exceptions import RedisError

    LAYER_ERRORS: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError, RedisError)
except ImportError:  # pragma: no cover
    LAYER_ERRORS = (OSError, asyncio.TimeoutError)

# Control messages for every socket of a user (log-out, deactivation, access changes).
USER_GROUP = "user.{user_id}"


def user_group(user_id: int) -> str:
    return USER_GROUP.format(user_id=user_id)


class _Publisher:
    """Hands the channel layer, one after the other, the sends queued by the threads of a
    daphne process: the threads never wait for the event loop, and the layer gets each
    process's events in the order they were made (the fan-outs forward them in that order)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = loop.create_task(self._run())

    def put(self, layer, group: str, message: dict) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (layer, group, message))

    async def _run(self) -> None:
        while True:
            layer, group, message = await self.queue.get()
            try:
                await layer.group_send(group, message)
            except LAYER_ERRORS:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                logger.warning("Channel layer unavailable: %s not sent", message.get("type"))


# The publisher of the event loop serving this process's sockets, once its fan-out started.
_SERVING: _Publisher | None = None


def serve_on(loop: asyncio.AbstractEventLoop) -> None:
    """Called on `loop` by the fan-out when it starts."""
    global _SERVING
    _SERVING = _Publisher(loop)


def send_now(group: str, message: dict) -> None:
    """Hand `message` to the channel layer. It carries its group's name: each process's fan-out
    (`forum.fanout`) is in many groups on one channel and routes by it.

    Called from a socket's database thread inside daphne, the send is queued for the serving
    loop without waiting: the thread is free for the next call (an ack, a ping) while the loop
    delivers, in the order the sends were made. Elsewhere (a request in another process, a
    command) it waits until the layer has the message.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    message = {**message, "group": group}
    publisher = _SERVING
    if publisher is not None and publisher.loop.is_running() and not _on_loop(publisher.loop):
        publisher.put(layer, group, message)
        return
    async_to_sync(layer.group_send)(group, message)


def _on_loop(loop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def send_now_safely(group: str, message: dict) -> None:
    """For ephemeral news (typing, presence): a layer that is down loses it, and that is fine."""
    try:
        send_now(group, message)
    except LAYER_ERRORS:
        logger.warning("Channel layer unavailable: ephemeral %s dropped", message.get("type"))


def publish_after_commit(group: str, message: dict) -> None:
    """Send `message` to `group` once the current transaction commits (at once outside one).

    `robust`: the write has committed whatever happens next, so a channel layer that is down
    (Redis restarting) is logged, not raised into the caller. Clients catch up from the
    database: the states of `subscribed` and `pong` frames show what they missed.
    """
    transaction.on_commit(lambda: send_now(group, message), robust=True)


def publish_event(*, group: str, stream: str, event: str, data: dict) -> None:
    """A stream event, delivered as `{"type": "event", "stream", "event", "data"}` frames."""
    publish_after_commit(
        group,
        {"type": "stream.event", "stream": stream, "event": event, "data": data},
    )


def publish_access_changed(*, user_id: int) -> None:
    """Tell the user's sockets to re-check every subscription (a membership was lost)."""
    publish_after_commit(user_group(user_id), {"type": "access.changed"})


def publish_session_check(*, user_id: int) -> None:
    """Ask the user's sockets to re-check their session (password or account changed)."""
    publish_after_commit(user_group(user_id), {"type": "session.check"})


def publish_session_ended(*, user_id: int, session_key: str | None) -> None:
    """Close the sockets opened with this session (all of the user's if session_key is None)."""
    publish_after_commit(user_group(user_id), {"type": "session.ended", "session_key": session_key})


@dataclass(frozen=True)
class StreamKind:
    """How to authorise and route one kind of stream.

    `authorise(user, key)` returns True when the user may subscribe; it runs in a thread (it
    may query the database). `group(user, key)` names the channel layer group. `state(user,
    key)` returns the initial state sent with the `subscribed` frame.

    Optional: `states(user, keys)` answers for many keys at once (a `pong` then costs one query
    per kind, not one per stream); `joined(socket, key, frame, ref)` is awaited after the
    `subscribed` frame (a chat room sends what the client missed); `left(user, key)` runs in a
    thread when the socket stops following the stream (presence).
    """

    authorise: Callable
    group: Callable
    state: Callable = lambda user, key: {}
    needs_key: bool = True
    states: Callable | None = None
    joined: Callable | None = None
    left: Callable | None = None


_STREAM_KINDS: dict[str, StreamKind] = {}


def register_stream(prefix: str, kind: StreamKind) -> None:
    _STREAM_KINDS[prefix] = kind


# Socket operations added by apps (`send`, `history`… for chat): op -> async handler(socket,
# frame, ref). The built-in ops (subscribe, unsubscribe, ping) are the consumer's own.
_OPS: dict[str, Callable] = {}


def register_op(name: str, handler: Callable) -> None:
    _OPS[name] = handler


def socket_op(name) -> Callable | None:
    return _OPS.get(name) if isinstance(name, str) else None


def resolve_stream(name: str) -> tuple[StreamKind, str] | None:
    """`"space:12"` → (the space kind, "12"); None when the name is not a known stream."""
    if not isinstance(name, str) or len(name) > 100:
        return None
    prefix, _, key = name.partition(":")
    kind = _STREAM_KINDS.get(prefix)
    if kind is None or bool(key) != kind.needs_key:
        return None
    # One spelling per stream: events are matched by name, so "space:007" or "space:²" (which
    # str.isdigit accepts) would subscribe to nothing, or crash the int() in the stream kind.
    if kind.needs_key and not (key.isascii() and key.isdigit() and str(int(key)) == key):
        return None
    return kind, key
