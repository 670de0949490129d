"""A chat client over a real websocket, doing what the browser's chat does to lose nothing.

- Connects to `/ws/` with the session cookie and an allowed Origin header, subscribes to
  `room:<id>` with `after` = the last number it holds, so the server sends what it missed.
- Keeps messages by `seq`; drops a copy of a number it already holds (counted in
  `duplicates`); a number beyond the next one shows a gap and is answered by `history` after
  the last contiguous number it holds, as is a `pong` whose `seq` is ahead of it.
- Pings every `heartbeat` seconds.
- Reconnects with capped, jittered backoff, to the next URL of its list each time (so it fails
  over to another daphne process).
- Keeps an outbox of sends not yet acknowledged, sent again with the same `client_id` after a
  reconnect (and after `resend_after` seconds without an answer) until an `ack` arrives; the
  server stores each client id once.

It records what happened (`live`, `acks`, `errors`, `events`, `failures`...) for the tests.
"""

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

# Errors after which a send is not worth repeating: the server refused it for good.
FINAL_REFUSALS = {
    "bad_request",
    "bad_client_id",
    "client_id_reused",
    "forbidden",
    "muted",
    "empty",
    "too_long",
    "bad_text",
}


def origin_of(ws_url: str) -> str:
    scheme, rest = ws_url.split("://", 1)
    host = rest.split("/", 1)[0]
    return f"{'https' if scheme == 'wss' else 'http'}://{host}"


class ChatClient:
    def __init__(
        self,
        urls: list[str],
        *,
        session_key: str,
        room: int,
        name: str = "client",
        heartbeat: float = 1.0,
        backoff: tuple[float, float] = (0.1, 2.0),
        resend_after: float = 10.0,
        cookie_name: str = "sessionid",
    ):
        self.urls = list(urls)
        self.session_key = session_key
        self.room = room
        self.stream = f"room:{room}"
        self.name = name
        self.heartbeat = heartbeat
        self.backoff = backoff
        self.resend_after = resend_after
        self.cookie_name = cookie_name

        self.messages: dict[int, dict] = {}  # seq -> the serialised message, one per number
        self.duplicates = 0  # copies of numbers already held, dropped
        self.live: Counter = Counter()  # seq -> `message` events received for it
        self.outbox: dict[str, str] = {}  # client_id -> body, not yet acknowledged
        self.transmitted: dict[str, float] = {}  # client_id -> when last sent
        self.acks: dict[str, dict] = {}  # client_id -> its last `ack`
        self.ack_log: list[dict] = []
        self.refused: dict[str, dict] = {}  # client_id -> the error that refused it for good
        self.errors: list[dict] = []
        self.events: list[dict] = []  # every event frame of the room's stream
        self.unsubscribed: list[dict] = []
        self.failures: list[str] = []  # connection attempts that failed or broke
        self.connections = 0  # `hello`s received
        self.subscriptions = 0  # `subscribed` received for the room
        self.urls_used: list[str] = []  # the URL of each connection, in order
        self.signed_out = False

        self._last = 0  # highest number held with every number below it
        self._server_seq = 0  # highest number the server said exists
        self._fetch_since: float | None = None
        self._ws = None
        self._ready = False
        self._attempt = 0
        self._index = 0
        self._task: asyncio.Task | None = None
        self._stopping = False

    # --- What the tests read --------------------------------------------------------------------

    @property
    def last(self) -> int:
        return self._last

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ready

    @property
    def url(self) -> str | None:
        return self.urls_used[-1] if self.urls_used else None

    def ordered(self) -> list[dict]:
        return [self.messages[seq] for seq in sorted(self.messages)]

    async def wait_until(self, predicate, timeout: float, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name}: {what} not reached in {timeout}s (last={self._last}, "
                    f"held={len(self.messages)}, outbox={len(self.outbox)}, "
                    f"connections={self.connections}, failures={self.failures[-3:]})"
                )
            await asyncio.sleep(0.05)

    # --- Life -----------------------------------------------------------------------------------

    def start(self, index: int = 0) -> None:
        self._index = index
        self._task = asyncio.create_task(self._run(), name=f"chat-client-{self.name}")

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await self._task

    async def drop_connection(self) -> None:
        """Cut the TCP connection without a close frame (a network failure); it reconnects."""
        if self._ws is not None:
            self._ws.transport.abort()

    # --- Sending --------------------------------------------------------------------------------

    def send(self, body: str, client_id: str | None = None) -> str:
        """Queue a message; it is sent now if connected, else after the next connection."""
        client_id = client_id or f"{self.name}-{uuid.uuid4().hex[:16]}"
        self.outbox[client_id] = body
        if self._ws is not None:
            asyncio.ensure_future(self._transmit(client_id))
        return client_id

    async def send_frame(self, frame: dict) -> None:
        """A raw frame on the current connection (for the tests of retries)."""
        await self._ws.send(json.dumps(frame))

    async def _transmit(self, client_id: str) -> None:
        body = self.outbox.get(client_id)
        ws = self._ws
        if body is None or ws is None:
            return
        self.transmitted[client_id] = time.monotonic()
        frame = {
            "op": "send",
            "room": self.room,
            "client_id": client_id,
            "body": body,
            "ref": client_id,
        }
        with contextlib.suppress(ConnectionClosed):  # sent again after the reconnect
            await ws.send(json.dumps(frame))

    # --- Connection loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        low, high = self.backoff
        while not self._stopping:
            url = self.urls[self._index % len(self.urls)]
            try:
                async with connect(
                    url,
                    origin=origin_of(url),
                    additional_headers={"Cookie": f"{self.cookie_name}={self.session_key}"},
                    open_timeout=5,
                    close_timeout=1,
                    ping_interval=None,
                    proxy=None,
                ) as ws:
                    await self._session(ws, url)
            except (OSError, TimeoutError, WebSocketException, ValueError) as error:
                self.failures.append(f"{url}: {error!r}")
            finally:
                self._ws = None
                self._ready = False
            if self._stopping or self.signed_out:
                return
            self._index += 1  # The next process of the list, in case this one is gone.
            delay = min(high, low * 2**self._attempt) * random.uniform(0.5, 1.0)
            self._attempt += 1
            await asyncio.sleep(delay)

    async def _session(self, ws, url: str) -> None:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if hello.get("type") != "hello":
            self.failures.append(f"{url}: expected hello, got {hello!r}")
            return
        self._ws = ws
        self._attempt = 0
        self.connections += 1
        self.urls_used.append(url)
        self._fetch_since = time.monotonic()  # the subscribe below brings what came after
        await ws.send(
            json.dumps(
                {"op": "subscribe", "stream": self.stream, "after": self._last, "ref": "subscribe"}
            )
        )
        pinger = asyncio.create_task(self._ping_loop(ws))
        try:
            async for raw in ws:
                await self._handle(json.loads(raw))
        finally:
            pinger.cancel()

    async def _ping_loop(self, ws) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await ws.send(json.dumps({"op": "ping", "ref": "ping"}))
            except ConnectionClosed:
                return
            now = time.monotonic()
            for client_id in list(self.outbox):
                if now - self.transmitted.get(client_id, 0) > self.resend_after:
                    await self._transmit(client_id)

    async def _fetch(self) -> None:
        """Ask for what follows the last contiguous number (one request in flight at a time)."""
        now = time.monotonic()
        if self._ws is None or (self._fetch_since is not None and now - self._fetch_since < 3):
            return
        self._fetch_since = now
        with contextlib.suppress(ConnectionClosed):
            await self._ws.send(
                json.dumps(
                    {"op": "history", "room": self.room, "after": self._last, "ref": "fetch"}
                )
            )

    # --- Frames from the server -----------------------------------------------------------------

    def _store(self, message: dict) -> None:
        seq = message["seq"]
        held = self.messages.get(seq)
        if held is not None:
            self.duplicates += 1
            if message.get("revision", 0) > held.get("revision", 0):
                self.messages[seq] = message
            return
        self.messages[seq] = message
        self._server_seq = max(self._server_seq, seq)
        while self._last + 1 in self.messages:
            self._last += 1

    async def _handle(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "subscribed" and frame.get("stream") == self.stream:
            self._ready = True
            self.subscriptions += 1
            self._server_seq = max(self._server_seq, frame["state"]["seq"])
            for client_id in list(self.outbox):
                await self._transmit(client_id)
        elif kind == "messages" and frame.get("room") == self.room:
            self._fetch_since = None
            for message in frame["messages"]:
                self._store(message)
            if frame.get("more") or self._server_seq > self._last:
                await self._fetch()
        elif kind == "event" and frame.get("stream") == self.stream:
            self.events.append(frame)
            if frame["event"] in ("message", "message.changed"):
                if frame["event"] == "message":
                    self.live[frame["data"]["seq"]] += 1
                self._store(frame["data"])
                if self._server_seq > self._last:
                    await self._fetch()
        elif kind == "ack":
            client_id = frame["client_id"]
            self.outbox.pop(client_id, None)
            self.acks[client_id] = frame
            self.ack_log.append(frame)
        elif kind == "pong":
            state = frame.get("streams", {}).get(self.stream)
            if state:
                self._server_seq = max(self._server_seq, state["seq"])
                if state["seq"] > self._last:
                    await self._fetch()
        elif kind == "error":
            self.errors.append(frame)
            ref = frame.get("ref")
            if ref in self.outbox and frame.get("code") in FINAL_REFUSALS:
                self.outbox.pop(ref)
                self.refused[ref] = frame
        elif kind == "unsubscribed" and frame.get("stream") == self.stream:
            self._ready = False
            self.unsubscribed.append(frame)
        elif kind == "closed":
            self.signed_out = True
