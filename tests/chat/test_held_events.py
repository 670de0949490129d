"""Events that reach a socket while it re-checks its access are held, then sent only for the
streams it may still follow (forum/consumers.py: `hold`, `forward`, `control`)."""

import asyncio

from forum.consumers import PlatformSocket


class Recorder(PlatformSocket):
    """The socket's own logic, with the wire replaced by a list."""

    def __init__(self, streams):
        super().__init__()
        self.serial = asyncio.Lock()
        self.subscriptions = {stream: f"group-of-{stream}" for stream in streams}
        self.closing = False
        self.holding = 0
        self.held = []
        self.sent = []

    async def send(self, text_data=None, bytes_data=None, close=False):
        self.sent.append(text_data)


async def test_an_event_during_a_recheck_reaches_only_a_stream_still_allowed():
    socket = Recorder(["room:1", "room:2"])

    async def lose_room_1(message):
        socket.subscriptions.pop("room:1")

    socket.access_changed = lose_room_1
    socket.hold()  # what the fan-out does the moment `access.changed` arrives
    await socket.forward("room:1", "for room 1")
    await socket.forward("room:2", "for room 2")
    assert socket.sent == []  # nothing leaves while the re-check is pending

    await socket.control({"type": "access.changed", "held": True})

    assert socket.sent == ["for room 2"]
    assert socket.holding == 0


async def test_events_flow_again_once_every_pending_recheck_is_done():
    socket = Recorder(["room:3"])

    async def nothing_lost(message):
        return None

    socket.access_changed = nothing_lost
    socket.hold()
    socket.hold()
    await socket.forward("room:3", "first")
    await socket.control({"type": "access.changed", "held": True})
    assert socket.sent == []  # one re-check is still pending

    await socket.control({"type": "access.changed", "held": True})
    await socket.forward("room:3", "second")

    assert socket.sent == ["first", "second"]
