"""One fan-out per process: it joins each channel layer group once and hands events to the
sockets of this process that follow it.

Without it, every socket is in the group itself and the channel layer copies each event once
per socket (500 copies of a chat message in a room of 500, each a Redis write and a task
wake-up). Here a group has one member per daphne process; the event is serialised to a frame
once and written to each local socket in turn, in the order it came.

Control messages (`access.changed`, `session.ended`, `session.check`) are not frames: each
socket handles them in a task of its own, in turn with its frames (`PlatformSocket.control`).
Sockets have no channel of their own; only the fan-out reads from the channel layer.

The channel layer may lose its groups (Redis restarted empty). The fan-out re-adds all of them
after any error of the layer and every `FANOUT_REFRESH_SECONDS`, so live delivery resumes on
its own; what was published meanwhile is read back from the database by the clients (the
sequence numbers in `pong` frames show the gap).
"""

import asyncio
import json
import logging
import weakref

from django.conf import settings

from community import realtime
from community.realtime import LAYER_ERRORS

logger = logging.getLogger(__name__)

YIELD_EVERY = 100


def _stop_if_cancelled() -> None:
    """A Redis client cancelled mid-command may raise a connection error instead of
    CancelledError: never take a cancellation (a process or a test ending) for an outage."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Fanout:
    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.groups: dict[str, weakref.WeakSet] = {}
        self.users: dict[int, weakref.WeakSet] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        self.stale = False  # the layer failed: re-add the groups as soon as it answers
        self.control_tasks: set[asyncio.Task] = set()  # kept referenced until they finish

    async def _start(self) -> None:
        if self.channel is None:
            realtime.serve_on(asyncio.get_running_loop())
            self.channel = await self.layer.new_channel(prefix="fanout.")
            self.tasks = [
                asyncio.create_task(self._receive_loop()),
                asyncio.create_task(self._refresh_loop()),
            ]

    # --- Sockets -------------------------------------------------------------------------------

    def sockets_of(self, user_id: int) -> int:
        return len(self.users.get(user_id, ()))

    def register(self, user_id: int, consumer) -> None:
        self.users.setdefault(user_id, weakref.WeakSet()).add(consumer)

    def unregister(self, user_id: int, consumer) -> None:
        sockets = self.users.get(user_id)
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del self.users[user_id]

    async def join(self, group: str, consumer) -> None:
        """Returns once events of `group` reach this process (so a state read next is fresh)."""
        await self._start()
        async with self.lock:
            if group not in self.groups:
                self.groups[group] = weakref.WeakSet()
                await self._add(group)
            self.groups[group].add(consumer)

    async def leave(self, group: str, consumer) -> None:
        async with self.lock:
            members = self.groups.get(group)
            if members is None:
                return
            members.discard(consumer)
            if not members:
                del self.groups[group]
                try:
                    await self.layer.group_discard(group, self.channel)
                except LAYER_ERRORS:
                    _stop_if_cancelled()
                    logger.warning("Channel layer unavailable: group %s left locally only", group)

    async def _add(self, group: str) -> None:
        try:
            await self.layer.group_add(group, self.channel)
        except LAYER_ERRORS:
            _stop_if_cancelled()
            # Kept locally; the next refresh adds it once the layer is back.
            self.stale = True
            logger.warning("Channel layer unavailable: group %s will be joined later", group)

    # --- Loops ---------------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        pause = 0.05
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except LAYER_ERRORS:
                _stop_if_cancelled()
                self.stale = True
                logger.warning("Channel layer unavailable; retrying in %.2fs", pause)
                await asyncio.sleep(pause)
                pause = min(2.0, pause * 2)
                continue
            if self.stale:
                self.stale = False
                task = asyncio.create_task(self.rejoin())
                self.control_tasks.add(task)
                task.add_done_callback(self.control_tasks.discard)
            pause = 0.05
            try:
                await self._deliver(message)
            except (KeyError, TypeError, ValueError):
                logger.exception("Malformed channel layer message dropped: %r", message)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(settings.REALTIME["FANOUT_REFRESH_SECONDS"])
            await self.rejoin()

    async def rejoin(self) -> None:
        """Add this process's channel to every group again (idempotent; needed after the
        layer lost its state, harmless otherwise: it also renews the groups' expiry)."""
        async with self.lock:
            self.stale = False
            for group in list(self.groups):
                await self._add(group)

    async def _deliver(self, message: dict) -> None:
        members = self.groups.get(message.get("group"))
        if not members:
            return
        consumers = list(members)
        if message.get("type") == "stream.event":
            stream = message["stream"]
            frame = json.dumps(
                {
                    "type": "event",
                    "stream": stream,
                    "event": message["event"],
                    "data": message["data"],
                },
                separators=(",", ":"),
            )
            for index, consumer in enumerate(consumers, start=1):
                try:
                    await consumer.forward(stream, frame)
                except Exception:  # noqa: BLE001 - one broken socket must not stop the others
                    logger.exception("An event could not be forwarded to a socket")
                if index % YIELD_EVERY == 0:
                    # Let acks, pings and sends of other sockets through between the slices
                    # of a large room; order within the room is kept (one message at a time).
                    await asyncio.sleep(0)
        else:
            message = {**message, "held": True}
            for consumer in consumers:
                consumer.hold()  # Before any later event of this group reaches it.
                task = asyncio.create_task(consumer.control(message))
                self.control_tasks.add(task)
                task.add_done_callback(self.control_tasks.discard)


_FANOUTS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout]" = (
    weakref.WeakKeyDictionary()
)


def fanout_for(layer) -> Fanout:
    """This event loop's fan-out (one per daphne process; tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    fanout = _FANOUTS.get(loop)
    if fanout is None or fanout.layer is not layer:
        fanout = _FANOUTS[loop] = Fanout(layer)
    return fanout
