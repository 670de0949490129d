"""`forum.transport`: a frame goes out at once when nothing is queued on its connection, and
what the kernel does not take is queued in order the usual Twisted way."""

import socket

import pytest
from twisted.internet import tcp

from forum import transport


class Reactor:
    """Records what Twisted asks of the event loop; nothing here runs a loop."""

    def __init__(self):
        self.writers = []

    def addWriter(self, descriptor):  # noqa: N802 (Twisted's name; a set in real reactors)
        if descriptor not in self.writers:
            self.writers.append(descriptor)

    def removeWriter(self, descriptor):  # noqa: N802
        self.writers.remove(descriptor)


@pytest.fixture
def connection():
    transport.install()
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    reactor = Reactor()
    conn = tcp.Connection(ours, protocol=None, reactor=reactor)
    conn.connected = True
    yield conn, theirs, reactor
    ours.close()
    theirs.close()


def _read_all(sock) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_a_frame_on_an_idle_connection_is_sent_without_waiting_for_the_loop(connection):
    conn, theirs, reactor = connection

    conn.write(b"frame-1")
    conn.write(b"frame-2")

    assert _read_all(theirs) == b"frame-1frame-2"
    assert reactor.writers == []  # the loop was never asked to watch the socket


def test_what_the_kernel_does_not_take_is_queued_and_later_frames_wait_behind_it(connection):
    conn, theirs, reactor = connection
    big = b"x" * (16 << 20)  # more than the socket buffers hold

    conn.write(big)
    conn.write(b"after")

    assert reactor.writers == [conn]  # the rest waits for the loop, the usual way
    queued = conn._tempDataBuffer
    assert queued[-1] == b"after"  # queued behind the rest of `big`, never sent ahead of it
    received = _read_all(theirs)
    assert 0 < len(received) < len(big)
    assert set(received) == {ord("x")}


def test_a_closing_connection_takes_the_usual_path(connection):
    conn, theirs, reactor = connection
    conn.disconnecting = True

    conn.write(b"late")

    assert _read_all(theirs) == b""
    assert conn._tempDataBuffer == [b"late"]
