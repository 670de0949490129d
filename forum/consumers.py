"""The one websocket of a browser tab, multiplexed by stream (protocol in docs/realtime.md).

The consumer parses frames, asks the stream kinds registered in `community.realtime` whether
the user may subscribe, and forwards the events services publish. It makes no ORM call of its
own: permission and state functions run in a thread through `database_sync_to_async`.
"""

import asyncio
import json
import logging
import random
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _

from community.realtime import LAYER_ERRORS, resolve_stream, socket_op, user_group
from community.streams import fresh_user, session_is_valid

from .fanout import fanout_for

logger = logging.getLogger(__name__)

# What a frame or a control message may meet when a service is down: an error frame or a log
# line, never a crashed socket.
UNAVAILABLE = (DatabaseError, *LAYER_ERRORS)

# `after`: the last number a chat room's client holds (see forum/chat/streams.py).
SUBSCRIBE_FIELDS = {"op", "ref", "stream", "after"}

CLOSE_SIGNED_OUT = 4001
CLOSE_TOO_MANY_SOCKETS = 4029


class TokenBucket:
    """Frames a socket may send: `rate` per second on average, bursts up to `capacity`."""

    def __init__(self, rate: float, capacity: float):
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = time.monotonic()

    def is_full(self) -> bool:
        elapsed = time.monotonic() - self.stamp
        return self.tokens + elapsed * self.rate >= self.capacity

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class PlatformSocket(AsyncJsonWebsocketConsumer):
    # No channel of its own: a socket hears the channel layer only through its process's
    # fan-out. That saves a receive task and a Redis subscription per socket, and a Redis
    # outage cannot crash the sockets (only the fan-out talks to Redis, and it retries).
    channel_layer_alias = "sockets-use-the-fanout"

    async def connect(self):
        self.user = self.scope.get("user")
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.subscriptions: dict[str, str] = {}
        self.limits = settings.REALTIME
        self.bucket = TokenBucket(
            rate=self.limits["FRAME_RATE"], capacity=self.limits["FRAME_BURST"]
        )
        self.signed_in = bool(self.user and self.user.is_authenticated)
        self.closing = False
        self.watchdog = None
        # Frames and control messages are handled one at a time: a subscription being decided
        # and an `access.changed` re-check never interleave.
        self.serial = asyncio.Lock()
        self.holding = 0
        self.held: list[tuple[str, str]] = []
        self.fanout = fanout_for(get_channel_layer())
        await self.accept()
        if self.signed_in:
            if self.fanout.sockets_of(self.user.pk) >= self.limits["MAX_SOCKETS_PER_MEMBER"]:
                self.closing = True
                await self.error(
                    "too_many_sockets",
                    _("You have too many open tabs: close one and reload this page."),
                )
                return await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            self.fanout.register(self.user.pk, self)
            await self.fanout.join(user_group(self.user.pk), self)
            # A socket whose client never pings must still notice a session that ended.
            self.watchdog = asyncio.create_task(self._watch_session())
        await self.send_json(
            {
                "type": "hello",
                "user": self.user.pk if self.signed_in else None,
                "heartbeat": self.limits["HEARTBEAT_SECONDS"],
                "max_frame_bytes": self.limits["MAX_FRAME_BYTES"],
                "max_streams": self.limits["MAX_STREAMS_PER_SOCKET"],
            }
        )

    async def disconnect(self, code):
        if self.watchdog is not None:
            self.watchdog.cancel()
        await self._leave_groups()
        if self.signed_in:
            self.fanout.unregister(self.user.pk, self)

    async def _watch_session(self):
        period = self.limits["SESSION_CHECK_SECONDS"]
        # Sockets opened together (a reconnect storm) must not all check at the same moment.
        await asyncio.sleep(period * random.uniform(0.5, 1.5))  # noqa: S311
        while not self.closing:
            await self.control({"type": "session.check"})
            await asyncio.sleep(period)

    async def _session_is_valid(self) -> bool:
        return await database_sync_to_async(session_is_valid)(self.user, self.session_key)

    # --- Frames from the browser ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        async with self.serial:
            try:
                await self._receive(text_data)
            except UNAVAILABLE:
                # The database or the cache is down or busy: say so, keep the socket.
                logger.exception("A socket frame could not be handled")
                await self.error(
                    "unavailable", _("The service is busy: try again in a moment."), None
                )

    async def _receive(self, text_data):
        if self.closing:
            return  # Frames already in flight when the socket was signed out.
        content, problem = self._parse(text_data)
        ref = content.get("ref") if content is not None else None
        if not isinstance(ref, (str, int, type(None))):
            ref = None
        # Every frame counts, a malformed one too: each of them costs an answer.
        if not self.bucket.take():
            return await self.error("rate_limited", _("Too many frames: slow down."), ref)
        if problem is not None:
            return await self.error(*problem)
        if "type" in content:
            # `type` names channel layer handlers; a client must never look like one.
            return await self.error("bad_frame", _("Clients may not set a frame type."), ref)
        op = content.get("op")
        builtin = (
            {
                "subscribe": self.op_subscribe,
                "unsubscribe": self.op_unsubscribe,
                "ping": self.op_ping,
            }.get(op)
            if isinstance(op, str)
            else None
        )
        if builtin is not None:
            return await builtin(content, ref)
        handler = socket_op(op)
        if handler is None:
            return await self.error("unknown_op", _("Unknown operation."), ref)
        await handler(self, content, ref)

    def _parse(self, text_data) -> tuple[dict | None, tuple[str, str] | None]:
        """The frame as a dict, or None and the (code, message) of the error to answer."""
        if text_data is None:
            return None, ("bad_frame", _("Frames must be JSON text."))
        if len(text_data.encode()) > self.limits["MAX_FRAME_BYTES"]:
            return None, ("frame_too_large", _("This frame is too large."))
        try:
            content = json.loads(text_data)
        except ValueError:
            return None, ("bad_json", _("This frame is not valid JSON."))
        if not isinstance(content, dict):
            return None, ("bad_frame", _("A frame must be a JSON object."))
        return content, None

    async def op_subscribe(self, content, ref):
        if not await self._session_is_valid():
            return await self._sign_out()
        unexpected = sorted(set(content) - SUBSCRIBE_FIELDS)
        if unexpected:
            return await self.error(
                "bad_request", _("Unexpected field: %(name)s.") % {"name": unexpected[0]}, ref
            )
        stream = content.get("stream")
        resolved = resolve_stream(stream)
        if resolved is None:
            return await self.error("unknown_stream", _("Unknown stream."), ref)
        kind, key = resolved
        if (
            stream not in self.subscriptions
            and len(self.subscriptions) >= self.limits["MAX_STREAMS_PER_SOCKET"]
        ):
            return await self.error(
                "too_many_streams", _("Too many subscriptions on this connection."), ref
            )
        # A stream that does not exist and one the user may not see answer alike.
        if not await database_sync_to_async(kind.authorise)(self.user, key):
            return await self.error("forbidden", _("You cannot follow this stream."), ref)
        group = kind.group(self.user, key)
        await self.fanout.join(group, self)
        # Forwarded from now on, and the state is read after: nothing falls between the two.
        # An event may then come before the `subscribed` frame; clients order by number.
        self.subscriptions[stream] = group
        state = await database_sync_to_async(kind.state)(self.user, key)
        await self.send_json({"type": "subscribed", "stream": stream, "ref": ref, "state": state})
        if kind.joined is not None:
            await kind.joined(self, key, content, ref)

    async def op_unsubscribe(self, content, ref):
        stream = content.get("stream")
        if stream not in self.subscriptions:
            return await self.error("not_subscribed", _("You are not following this stream."), ref)
        await self._drop(stream)
        await self.send_json(
            {"type": "unsubscribed", "stream": stream, "ref": ref, "reason": "requested"}
        )

    async def op_ping(self, content, ref):
        if not await self._session_is_valid():
            return await self._sign_out()
        await self.send_json({"type": "pong", "ref": ref, "streams": await self._states()})

    async def _states(self) -> dict:
        """The state of every stream followed, one query per stream kind where it can."""
        by_kind: dict = {}
        for stream in list(self.subscriptions):
            kind, key = resolve_stream(stream)
            by_kind.setdefault(kind, []).append((stream, key))
        states = {}
        for kind, streams in by_kind.items():
            keys = [key for _stream, key in streams]
            if kind.states is not None:
                found = await database_sync_to_async(kind.states)(self.user, keys)
            else:
                found = {}
                for key in keys:
                    found[key] = await database_sync_to_async(kind.state)(self.user, key)
            states.update({stream: found.get(key, {}) for stream, key in streams})
        return states

    # --- Messages from services (through the channel layer) ------------------------------------

    async def forward(self, stream: str, frame: str) -> None:
        """An event frame from this process's fan-out, already serialised once for all."""
        if stream in self.subscriptions and not self.closing:
            if self.holding:
                self.held.append((stream, frame))
            else:
                await self.send(text_data=frame)

    def hold(self) -> None:
        """Called by the fan-out, at once, when a control message arrives: events are kept
        until the access re-check it asks for is done, then sent only for the streams that
        are still allowed. A member just removed receives nothing more, not even for the
        moment the re-check takes."""
        self.holding += 1

    async def control(self, message: dict) -> None:
        """A control message from the fan-out (or the session watchdog), in turn with frames."""
        handler = {
            "access.changed": self.access_changed,
            "session.check": self.session_check,
            "session.ended": self.session_ended,
        }.get(message.get("type"))
        try:
            if handler is not None:
                async with self.serial:
                    await handler(message)
        except UNAVAILABLE:
            logger.exception("A control message could not be handled: %s", message.get("type"))
        finally:
            if message.get("held"):
                await self._release()

    async def _release(self) -> None:
        self.holding -= 1
        if self.holding:
            return
        held, self.held = self.held, []
        for stream, frame in held:
            if stream in self.subscriptions and not self.closing:
                await self.send(text_data=frame)

    async def access_changed(self, message):
        """Re-check every subscription; drop those the user may no longer follow."""
        for stream in list(self.subscriptions):
            kind, key = resolve_stream(stream)
            if not await database_sync_to_async(kind.authorise)(self.user, key):
                await self._drop(stream)
                await self.send_json(
                    {"type": "unsubscribed", "stream": stream, "ref": None, "reason": "forbidden"}
                )

    async def session_check(self, message):
        """The account changed: close if this session no longer holds, else re-read the user
        (staff status may be gone) and re-check every subscription."""
        if self.closing:
            return
        if not await self._session_is_valid():
            return await self._sign_out()
        self.user = await database_sync_to_async(fresh_user)(self.user)
        await self.access_changed({})

    async def session_ended(self, message):
        wanted = message.get("session_key")
        if wanted is None or wanted == self.session_key:
            await self._sign_out()

    # --- Helpers -------------------------------------------------------------------------------

    async def _drop(self, stream):
        group = self.subscriptions.pop(stream)
        if group not in self.subscriptions.values():
            await self.fanout.leave(group, self)
        await self._left(stream)

    async def _left(self, stream):
        kind, key = resolve_stream(stream)
        if kind.left is not None and self.signed_in:
            try:
                await database_sync_to_async(kind.left)(self.user, key)
            except UNAVAILABLE:
                logger.warning("Could not record leaving %s", stream)

    async def _leave_groups(self):
        streams = list(self.subscriptions)
        groups = set(self.subscriptions.values())
        if self.signed_in:
            groups.add(user_group(self.user.pk))
        self.subscriptions.clear()
        for group in groups:
            await self.fanout.leave(group, self)
        for stream in streams:
            await self._left(stream)

    async def _sign_out(self):
        if self.closing:
            return
        # Leave every group at once: until the browser lets go, events already queued for this
        # channel must not reach a tab that was signed out.
        self.closing = True
        await self._leave_groups()
        await self.send_json({"type": "closed", "reason": "signed_out"})
        await self.close(code=CLOSE_SIGNED_OUT)

    async def error(self, code, message, ref=None):
        await self.send_json({"type": "error", "code": code, "message": message, "ref": ref})
