"""Websocket frames leave at once when their connection has nothing queued (daphne, Twisted).

Twisted's TCP transport never writes in `write()`: it queues the bytes, asks the event loop to
watch the socket for writability (an `epoll_ctl`), writes on the next loop pass, then stops
watching (another `epoll_ctl`). For a chat message fanned out to 500 sockets that is 1,000
system calls and a loop pass more per message, about half of daphne's time in the fan-out.
Python's own asyncio transports try the send first and queue only what the kernel did not
take; `install()` gives Twisted's TCP connections the same behaviour:

- nothing queued on the connection (so bytes keep their order): send now; whatever the
  kernel did not take is queued the usual way;
- anything queued, a connection closing, or an error: the usual Twisted path, which meets the
  error again in its own write and closes the connection properly.

`config/asgi.py` calls it, so it applies to the daphne process serving the platform only.
"""

from twisted.internet import tcp

_buffered_write = tcp.Connection.write


def _write_now(self, data: bytes) -> None:
    if (
        data
        and type(data) is bytes
        and self.connected
        and not self.disconnecting
        and not self._writeDisconnecting
        and not self._writeDisconnected
        and not self._tempDataBuffer
        and self.offset == len(self.dataBuffer)
    ):
        sent = self.writeSomeData(data)
        if isinstance(sent, int) and sent >= 0:
            if sent == len(data):
                return
            data = data[sent:]
    _buffered_write(self, data)


def install() -> None:
    if tcp.Connection.write is not _write_now:
        tcp.Connection.write = _write_now
