"""Delivery latency of chat messages to a room of 500 open sockets, on one daphne process with
the in-memory and the Redis channel layer and on two daphne processes sharing Redis, beside a
bare `websockets` broadcast server.

Run with no arguments: `.venv/bin/python bench/chat_fanout.py` (about 2.5 minutes on 2 cores;
`--small` for a quick run; `--only redis2` for one target). It migrates a fresh SQLite database
(`bench/_chat_seed.py`: about 20 s the first time, then copied), writes `--clients` signed-in
members of one open space into it (a session row each, presence and typing switched off in
their chat preferences unless `--presence`: see below), and opens one websocket per member from
`--workers` client processes (asyncio and `websockets`), each subscribed to the space's room.
With several server processes (redis x2), member i connects to process i mod 2.

Load: an open loop. Message i leaves at its intended time t0 + i/rate whatever the server
does, `--rate` a second for `--duration` seconds, sent (`op: send`, persisted) by member
i mod S, the S = ceil(rate / 0.8) first members, so that no member passes the default send
limit (CHAT_SEND_RATE 1/s, burst 8) nor the socket's frame limit: every limit keeps its
default. The body and the client id carry the message's number, the body its intended time;
every receiver (the senders too) records latency = time received - intended time for each
message, so a server that falls behind cannot hide its queue, and counts what it received
by number: lost = a persisted (acknowledged) message some receiver never got within
`--drain` seconds after the schedule, dup = a message a receiver got twice. The members also
ping every `--heartbeat` seconds (25, the server's heartbeat) at random phases, as the browser
does (each ping reads the room's state from the database).

Targets, one after the other:

1. ceiling: the same clients and load against a bare `websockets` server (in its own
   process): it answers `hello`, `subscribe` and `ping`, and broadcasts each `send` to every
   subscriber as an event frame of the same shape and size (`websockets.broadcast`), with
   no database and no channel layer: the transport's ceiling on this machine.
2. memory: daphne with the in-memory channel layer (REDIS_URL empty).
3. steps: on that same daphne, `--steps` higher rates (`--step-duration` seconds each) while
   they hold p99 <= 100 ms with nothing lost; if the base rate misses, `--down-steps` lower
   rates until one holds: the largest rate that holds (0 when none does).
4. redis: a fresh daphne with the Redis layer and cache (`--redis-url`, a spare database
   number, keys under a prefix unique to the run, deleted at the end); skipped when Redis
   does not answer.
5. redis2 ("redis x2"): the platform's way to scale, two fresh daphne processes on the same
   SQLite file and the same Redis layer and cache (same REDIS_URL and prefixes, unique to
   the target), each with its own fan-out (forum/fanout.py); client i (sender or not)
   connects to process i mod 2, so the senders and the receivers are split alternately
   between them; same load and duration as the others. Both processes write to SQLite (WAL,
   IMMEDIATE transactions): "database is locked" in their logs is reported, as are
   tracebacks, after each daphne target (and any error frame the clients received).

Also printed: the senders' acknowledgement latency (persisted: send -> ack, from the intended
time), and the CPU used by the server (the sum over its processes: two for redis x2) and by
the client processes during each run, which tells which side is saturated (on 2 cores they
share the machine).

Presence: subscribing to a room does not make a member present; an open room page does, by
sending `{"op": "here", "room": id}` after subscribing and at each heartbeat, and a room's
presence is announced at most every 2 s (naming 30 people and counting the rest). By default
the clients never send `here`, so they cause no presence traffic. With `--presence` (the
seminar arrival case) the members share presence and each client sends `here` right after
its subscription and after each heartbeat's ping: the join phase is timed and the presence
frames received during it are counted, then the runs proceed as usual (each run's presence
frames are printed under its row).

Budget: the default run takes about 2.5 minutes on 2 cores (under 3). Adding redis x2 (about
25 s) kept the memory target's ladder as it was: the base rate's run (20 s), then up-steps
while they hold or down-steps until one holds (8 s each; at 10 msg/s missing, 5 msg/s has
held so far, one step).

Ends with one RESULT line.
"""

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import broadcast, serve
from websockets.frames import Opcode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench import _chat_seed as seed  # noqa: E402
from bench.pages import percentile  # noqa: E402

P99_TARGET_MS = 100
TARGETS = ("ceiling", "memory", "redis", "redis2")
SENDS_PER_MEMBER = 0.8  # a second, under CHAT_SEND_RATE's default of 1


# --- Client side (in worker processes) ---------------------------------------------------------


class Run:
    """One measurement, as a worker sees it."""

    def __init__(self, tag: str, t0: float, rate: float, count: int):
        self.tag = tag
        self.t0 = t0
        self.rate = rate
        self.count = count
        self.latencies: list[float] = []
        self.acks: dict[int, float] = {}
        self.errors: dict[int, str] = {}
        self.send_lag: list[float] = []  # ms between intended and actual send times
        self.late = 0  # frames of an earlier run
        self.last_receive = 0.0
        self.done = asyncio.Event()
        self.incomplete = 0  # clients that do not have every message yet


MESSAGE = b'"event":"message"'
CLIENT_ID = re.compile(rb'"client_id":"([^"]*)"')


class BenchConnection(ClientConnection):
    """A `websockets` client connection that hands each complete text frame to its `Client`
    as it is parsed, instead of queueing it for a reader task to `recv()`: a quarter less CPU
    a frame, which matters with 500 sockets in one process."""

    def __init__(self, *args, client: "Client", **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def process_event(self, event) -> None:
        if getattr(event, "opcode", None) is Opcode.TEXT and event.fin:
            self.client.on_frame(event.data)
        else:
            super().process_event(event)


class Client:
    __slots__ = (
        "index",
        "session",
        "ws",
        "hello",
        "subscribed",
        "counts",
        "distinct",
        "frames",
        "closed",
        "worker",
        "here",
    )

    def __init__(self, index: int, session: str, worker: "Worker", here: str | None = None):
        self.index = index
        self.session = session
        self.worker = worker
        self.here = here  # the `here` frame sent after subscribing and at each heartbeat
        self.ws = None
        loop = asyncio.get_running_loop()
        self.hello = loop.create_future()
        self.subscribed = loop.create_future()
        self.counts = bytearray()
        self.distinct = 0
        self.frames = 0
        self.closed = None

    def on_frame(self, data: bytes) -> None:
        now = time.monotonic()
        self.frames += 1
        worker = self.worker
        if MESSAGE in data:
            run = worker.run
            tag, _, number = CLIENT_ID.search(data).group(1).decode().rpartition("-")
            if run is None or tag != run.tag:
                if run is not None:
                    run.late += 1
                return
            i = int(number)
            counts = self.counts
            if counts[i] == 0:
                run.latencies.append((now - (run.t0 + i / run.rate)) * 1000)
                self.distinct += 1
                run.last_receive = now
                if self.distinct == run.count:
                    run.incomplete -= 1
                    if run.incomplete == 0:
                        run.done.set()
            if counts[i] < 255:
                counts[i] += 1
            return
        frame = json.loads(data)
        kind = frame.get("type")
        if kind == "ack" or kind == "error":
            run = worker.run
            ref = frame.get("ref")
            if run is not None and isinstance(ref, str) and ref.startswith(run.tag + "-"):
                i = int(ref.rpartition("-")[2])
                if kind == "ack":
                    run.acks[i] = (now - (run.t0 + i / run.rate)) * 1000
                else:
                    run.errors[i] = frame.get("code", "?")
            elif kind == "error":
                code = frame.get("code", "?")
                worker.errors[code] = worker.errors.get(code, 0) + 1
        elif kind == "event":
            if frame.get("event") == "presence":
                worker.presence_frames += 1
        elif kind == "hello" and not self.hello.done():
            self.hello.set_result(frame)
        elif kind == "subscribed" and not self.subscribed.done():
            self.subscribed.set_result(frame)

    async def watch(self) -> None:
        """Notes when the server closes the socket."""
        await self.ws.wait_closed()
        code = self.ws.close_code
        self.closed = f"closed {code}"
        for future in (self.hello, self.subscribed):
            if not future.done():
                future.set_exception(ConnectionError(self.closed))

    async def heartbeat(self, seconds: float) -> None:
        await asyncio.sleep(random.uniform(0, seconds))
        while self.closed is None:
            try:
                await self.ws.send('{"op":"ping"}')
                if self.here:
                    await self.ws.send(self.here)
            except websockets.ConnectionClosed:
                return
            await asyncio.sleep(seconds)


class Worker:
    def __init__(self, pipe):
        self.pipe = pipe
        self.clients: list[Client] = []
        self.run: Run | None = None
        self.errors: dict[str, int] = {}  # error frames outside a run's sends, by code
        self.presence_frames = 0
        self.tasks: list[asyncio.Task] = []

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            handler = getattr(self, "cmd_" + command.pop("cmd"))
            result = await handler(**command)
            self.pipe.send(result)
            if result.get("bye"):
                return

    async def cmd_connect(self, urls, clients, stream, concurrency, heartbeat, timeout, here):
        """Client i connects to urls[i % len(urls)]; with `here` (a room id) it says it is in
        the room after subscribing and at each heartbeat, as an open room page does."""
        start = time.monotonic()
        presence_before = self.presence_frames
        gate = asyncio.Semaphore(concurrency)
        failures: list[str] = []
        here_frame = json.dumps({"op": "here", "room": here}) if here is not None else None

        async def open_one(client: Client) -> None:
            url = urls[client.index % len(urls)]
            async with gate:
                try:
                    client.ws = await websockets.connect(
                        url.replace("http://", "ws://") + "/ws/",
                        create_connection=partial(BenchConnection, client=client),
                        origin=url,
                        additional_headers={"Cookie": f"sessionid={client.session}"},
                        compression=None,
                        ping_interval=None,
                        open_timeout=timeout,
                        close_timeout=2,
                        max_size=2**22,
                    )
                    self.tasks.append(asyncio.create_task(client.watch()))
                    await asyncio.wait_for(client.hello, timeout)
                    if stream:
                        await client.ws.send(json.dumps({"op": "subscribe", "stream": stream}))
                        state = await asyncio.wait_for(client.subscribed, timeout)
                        if state.get("type") != "subscribed":
                            raise ConnectionError(f"subscribe answered {state}")
                        if client.here:
                            await client.ws.send(client.here)
                except Exception as error:  # noqa: BLE001 (counted and reported)
                    failures.append(f"{type(error).__name__}: {error}")
                    return
                if heartbeat:
                    self.tasks.append(asyncio.create_task(client.heartbeat(heartbeat)))

        batch = [Client(index, session, self, here_frame) for index, session in clients]
        self.clients += batch
        await asyncio.gather(*(open_one(client) for client in batch))
        return {
            "failed": len(failures),
            "failures": failures[:5],
            "seconds": time.monotonic() - start,
            "presence_frames": self.presence_frames - presence_before,
        }

    async def cmd_run(self, tag, t0, rate, count, senders, room, drain):
        cpu_start = sum(os.times()[:2])
        presence_before = self.presence_frames
        run = Run(tag, t0, rate, count)
        live = [client for client in self.clients if client.closed is None and client.ws]
        for client in live:
            client.counts = bytearray(count)
            client.distinct = 0
        run.incomplete = len(live)
        if not live:
            run.done.set()
        self.run = run
        mine = {client.index: client for client in live if client.index < senders}

        async def send_all() -> None:
            for i in range(count):
                sender = mine.get(i % senders)
                if sender is None:
                    continue
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = f"Bench message {i}, meant to leave at {t0 + i / rate:.6f}."
                frame = {
                    "op": "send",
                    "room": room,
                    "client_id": f"{tag}-{i}",
                    "body": body,
                    "ref": f"{tag}-{i}",
                }
                run.send_lag.append((time.monotonic() - (t0 + i / rate)) * 1000)
                try:
                    await sender.ws.send(json.dumps(frame))
                except websockets.ConnectionClosed:
                    run.errors[i] = "closed"

        await send_all()
        end = t0 + count / rate
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.done.wait(), max(0.1, end + drain - time.monotonic()))
        # Acks may trail the last delivery by a moment.
        deadline = time.monotonic() + 1
        while (
            len(run.acks) + len(run.errors)
            < len([i for i in range(count) if (i % senders) in mine])
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.05)
        self.run = None
        return {
            "latencies": run.latencies,
            "counts": {client.index: bytes(client.counts) for client in live},
            "acks": run.acks,
            "errors": run.errors,
            "late": run.late,
            "send_lag": run.send_lag,
            "last_receive": run.last_receive,
            "cpu": sum(os.times()[:2]) - cpu_start,
            "closed": sum(client.closed is not None for client in self.clients),
            "frames": sum(client.frames for client in self.clients),
            "presence_frames": self.presence_frames - presence_before,
        }

    async def cmd_close(self):
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(
            *(client.ws.close() for client in self.clients if client.ws is not None),
            return_exceptions=True,
        )
        return {"bye": True, "errors": self.errors}


def worker_main(pipe) -> None:
    asyncio.run(Worker(pipe).serve())


# --- The ceiling: a bare websockets broadcast server (in its own process) ----------------------


def ceiling_main(port: int, ready) -> None:
    async def handler(ws):
        await ws.send(json.dumps({"type": "hello", "user": 1, "heartbeat": 25}))
        seq = 0
        async for raw in ws:
            frame = json.loads(raw)
            op = frame.get("op")
            if op == "subscribe":
                subscribers.add(ws)
                state = {"seq": 0, "revision": 0, "read": 0, "present": []}
                await ws.send(
                    json.dumps({"type": "subscribed", "stream": frame["stream"], "state": state})
                )
            elif op == "send":
                counter[0] += 1
                seq = counter[0]
                data = {
                    "id": seq,
                    "room": frame["room"],
                    "seq": seq,
                    "revision": seq,
                    "client_id": frame["client_id"],
                    "sender": {"id": 1, "name": "Bench member 1", "url": "/members/1/"},
                    "html": f"<p>{frame['body']}</p>",
                    "created_at": "2026-01-01T00:00:00.000000+00:00",
                    "edited": False,
                    "deleted": False,
                    "reactions": {},
                }
                event = {
                    "type": "event",
                    "stream": f"room:{frame['room']}",
                    "event": "message",
                    "data": data,
                }
                broadcast(subscribers, json.dumps(event, separators=(",", ":")))
                await ws.send(json.dumps({"type": "ack", "ref": frame.get("ref"), "seq": seq}))
            elif op == "ping":
                await ws.send(json.dumps({"type": "pong", "ref": frame.get("ref"), "streams": {}}))
        subscribers.discard(ws)

    async def main():
        async with serve(
            handler, "127.0.0.1", port, compression=None, ping_interval=None, max_size=2**22
        ):
            ready.set()
            await asyncio.Future()

    subscribers: set = set()
    counter = [0]
    asyncio.run(main())


# --- Orchestration ------------------------------------------------------------------------------


class Clients:
    """The worker processes and the clients they hold."""

    def __init__(self, workers: int):
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for _ in range(workers):
            here, there = context.Pipe()
            process = context.Process(target=worker_main, args=(there,), daemon=True)
            process.start()
            self.pipes.append(here)
            self.processes.append(process)

    def ask(self, commands: list[dict]) -> list[dict]:
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def connect(
        self, urls, sessions, stream, heartbeat, here=None, timeout=60, concurrency=50
    ) -> dict:
        """Opens a socket per session: session i to urls[i % len(urls)] (one URL or several
        daphne processes), from worker i % workers; `here`: a room id the clients say they are
        in after subscribing and at each heartbeat (None: never)."""
        urls = [urls] if isinstance(urls, str) else list(urls)
        shares = [[] for _ in self.pipes]
        for index, session in enumerate(sessions):
            shares[index % len(shares)].append((index, session))
        replies = self.ask(
            [
                {
                    "cmd": "connect",
                    "urls": urls,
                    "clients": share,
                    "stream": stream,
                    "concurrency": concurrency,
                    "heartbeat": heartbeat,
                    "timeout": timeout,
                    "here": here,
                }
                for share in shares
            ]
        )
        failures = [f for reply in replies for f in reply["failures"]]
        return {
            "failed": sum(reply["failed"] for reply in replies),
            "failures": failures,
            "seconds": max(reply["seconds"] for reply in replies),
            "presence_frames": sum(reply["presence_frames"] for reply in replies),
        }

    def close(self) -> dict[str, int]:
        """Closes every socket and ends the workers; returns the error frames the server sent
        outside the runs' sends (to a `ping`, a `here`...), by code."""
        replies = self.ask([{"cmd": "close"} for _ in self.pipes])
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        errors: dict[str, int] = {}
        for reply in replies:
            for code, n in reply["errors"].items():
                errors[code] = errors.get(code, 0) + n
        return errors


class Outcome:
    def __init__(self, name, clients, rate, duration):
        self.name, self.clients, self.rate, self.duration = name, clients, rate, duration
        self.latencies: list[float] = []
        self.acks: list[float] = []
        self.send_lag: list[float] = []
        self.send_errors: dict[str, int] = {}
        self.lost = self.dup = self.late = self.delivered = self.closed = 0
        self.presence_frames = 0
        self.deliveries_per_s = 0.0
        self.server_cpu = self.client_cpu = 0.0  # share of one core over the run (server: the
        # sum over its processes)
        self.other_cpu = 0.0  # the other processes of the machine (other benches, tests...)

    def p(self, q) -> float:
        return percentile(self.latencies, q) if self.latencies else float("nan")

    @property
    def max(self) -> float:
        return max(self.latencies) if self.latencies else float("nan")

    def ack_p(self, q) -> float:
        return percentile(self.acks, q) if self.acks else float("nan")

    @property
    def holds(self) -> bool:
        return bool(self.latencies) and self.p(99) <= P99_TARGET_MS and not self.lost


def measure(clients: Clients, name, tag, *, members, room, rate, duration, drain, server_pids):
    count = max(1, round(rate * duration))
    senders = min(members, math.ceil(rate / SENDS_PER_MEMBER))
    t0 = time.monotonic() + 0.5

    def server_seconds() -> float:
        return sum(seed.cpu_seconds(pid) for pid in server_pids)

    server_cpu = server_seconds()
    machine_cpu = seed.machine_cpu_seconds()
    print(f"  {name}: {rate:g} msg/s for {duration:g} s to {members} clients ...", flush=True)
    replies = clients.ask(
        [
            {
                "cmd": "run",
                "tag": tag,
                "t0": t0,
                "rate": rate,
                "count": count,
                "senders": senders,
                "room": room,
                "drain": drain,
            }
            for _ in clients.pipes
        ]
    )
    wall = time.monotonic() - t0
    outcome = Outcome(name, members, rate, duration)
    outcome.server_cpu = (server_seconds() - server_cpu) / wall
    outcome.client_cpu = sum(reply["cpu"] for reply in replies) / wall
    machine = (seed.machine_cpu_seconds() - machine_cpu) / wall
    outcome.other_cpu = max(0.0, machine - outcome.server_cpu - outcome.client_cpu)
    acked: set[int] = set()
    for reply in replies:
        outcome.latencies += reply["latencies"]
        outcome.acks += reply["acks"].values()
        outcome.send_lag += reply["send_lag"]
        acked |= set(reply["acks"])
        for code in reply["errors"].values():
            outcome.send_errors[code] = outcome.send_errors.get(code, 0) + 1
        outcome.late += reply["late"]
        outcome.closed += reply["closed"]
        outcome.presence_frames += reply["presence_frames"]
    for reply in replies:
        for counts in reply["counts"].values():
            for i in acked:
                if counts[i] == 0:
                    outcome.lost += 1
            outcome.dup += sum(c - 1 for c in counts if c > 1)
    outcome.delivered = len(outcome.latencies)
    last = max(reply["last_receive"] for reply in replies)
    window = max(last, t0 + count / rate) - t0
    outcome.deliveries_per_s = outcome.delivered / window if window > 0 else 0.0
    return outcome


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 (no Redis: that target is skipped)
        return False


def redis_cleanup(url: str, prefixes: list[str]) -> int:
    import redis

    client = redis.Redis.from_url(url)
    removed = 0
    for prefix in prefixes:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            removed += client.delete(*keys)
    return removed


def print_table(outcomes: list[Outcome], ceiling: Outcome | None, workers: int) -> None:
    print()
    print(
        f"{'target':<14}{'msg/s':>6}{'deliv/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'lost':>6}{'dup':>5}{'ack p50':>8}{'ack p99':>8}{'srv cpu':>8}{'cli cpu':>8}"
        f"{'other':>7}{'p99/ceil':>9}"
    )
    for o in outcomes:
        ratio = o.p(99) / ceiling.p(99) if ceiling and ceiling.latencies else float("nan")
        print(
            f"{o.name:<14}{o.rate:>6g}{o.deliveries_per_s:>9.0f}{o.p(50):>8.1f}{o.p(99):>8.1f}"
            f"{o.max:>8.1f}{o.lost:>6}{o.dup:>5}{o.ack_p(50):>8.1f}{o.ack_p(99):>8.1f}"
            f"{o.server_cpu:>8.0%}{o.client_cpu:>8.0%}{o.other_cpu:>7.0%}{ratio:>9.1f}"
        )
        if o.send_lag:
            lag99 = percentile(o.send_lag, 99)
            saturated = o.client_cpu / workers > 0.8
            print(
                f"{'':<14}sends left {percentile(o.send_lag, 50):.1f} ms (p50), {lag99:.1f} ms "
                f"(p99) after their intended time"
                + (": the client side is saturated" if saturated else "")
            )
        if o.send_errors:
            print(f"{'':<14}send errors: {o.send_errors}")
        if o.closed:
            print(f"{'':<14}{o.closed} client sockets closed during the run")
        if o.presence_frames:
            print(f"{'':<14}{o.presence_frames} presence frames received during the run")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=500, help="sockets in the room")
    parser.add_argument("--rate", type=float, default=10, help="messages a second")
    parser.add_argument("--duration", type=float, default=20, help="seconds of the base load")
    parser.add_argument("--drain", type=float, default=5, help="seconds to wait after a run")
    parser.add_argument("--workers", type=int, default=1, help="client processes")
    parser.add_argument("--heartbeat", type=float, default=25, help="ping period, 0: none")
    parser.add_argument("--steps", default="20,40,80,160", help="higher rates, in order")
    parser.add_argument(
        "--down-steps", default="5,2,1", help="lower rates tried when the base rate misses"
    )
    parser.add_argument("--step-duration", type=float, default=8)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument(
        "--presence", action="store_true", help="members share presence and send `here`"
    )
    parser.add_argument("--only", choices=TARGETS, action="append", help="repeatable")
    parser.add_argument("--small", action="store_true", help="100 clients, 5 s, steps 20,40")
    args = parser.parse_args()
    if args.small:
        args.clients, args.duration, args.steps = 100, 5, "20,40"
    targets = args.only or list(TARGETS)
    steps = [float(s) for s in args.steps.split(",") if s.strip()]
    down_steps = [float(s) for s in args.down_steps.split(",") if s.strip()]
    began = time.perf_counter()
    seed.raise_open_files()

    outcomes: list[Outcome] = []
    ceiling = memory = redis_run = redis2_run = None
    max_rate = 0.0
    problems: list[str] = []  # what the servers' logs and error frames say went wrong
    run_id = f"chatbench{os.getpid()}x{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="chat-fanout-") as directory:
        seconds, copied = seed.prepare_database(directory)
        print(
            f"database migrated in {seconds:.1f}s" + (" (copy of a migrated one)" if copied else "")
        )
        seed.use_database(directory)
        seeded = seed.seed_members(args.clients, space=True, presence=args.presence)
        stream = f"room:{seeded.room_id}"
        print(
            f"seeded {args.clients} members of room {seeded.room_id} in {seeded.seconds:.1f}s "
            f"(presence {'on: clients send here' if args.presence else 'off'})"
        )
        common = {"members": args.clients, "room": seeded.room_id, "drain": args.drain}
        here = seeded.room_id if args.presence else None

        def connect(clients, urls, name):
            start = time.monotonic()
            joined = clients.connect(urls, seeded.sessions, stream, args.heartbeat, here)
            print(
                f"  {name}: {args.clients - joined['failed']}/{args.clients} clients connected "
                f"and subscribed in {time.monotonic() - start:.1f}s"
                + (
                    f" ({joined['presence_frames']} presence frames received meanwhile)"
                    if args.presence
                    else ""
                )
            )
            for failure in joined["failures"]:
                print(f"    failure: {failure}")
            time.sleep(1)  # let the last subscriptions' frames settle

        def close(clients, name):
            errors = clients.close()
            if errors:
                problems.append(f"{name}: error frames {errors}")
                print(f"  {name}: error frames outside the sends: {errors}")

        def check_logs(urls, name):
            for url in urls:
                found = seed.log_problems(directory, url)
                if found["locked"] or found["tracebacks"] or found["lines"]:
                    text = (
                        f"{name}: daphne at {url}: {found['locked']} 'database is locked', "
                        f"{found['tracebacks']} tracebacks; {found['lines']}"
                    )
                    problems.append(text)
                    print(f"  {text}")

        if "ceiling" in targets:
            context = multiprocessing.get_context("spawn")
            port = seed.free_port()
            ready = context.Event()
            server = context.Process(target=ceiling_main, args=(port, ready), daemon=True)
            server.start()
            ready.wait(30)
            clients = Clients(args.workers)
            try:
                url = f"http://127.0.0.1:{port}"
                connect(clients, url, "ceiling")
                ceiling = measure(
                    clients,
                    "ceiling",
                    "ceil",
                    rate=args.rate,
                    duration=args.duration,
                    server_pids=[server.pid],
                    **common,
                )
                outcomes.append(ceiling)
            finally:
                close(clients, "ceiling")
                server.terminate()
                server.join(10)

        if "memory" in targets:
            with seed.daphne(directory) as (url, pid):
                clients = Clients(args.workers)
                try:
                    connect(clients, url, "memory")
                    memory = measure(
                        clients,
                        "memory",
                        "mem",
                        rate=args.rate,
                        duration=args.duration,
                        server_pids=[pid],
                        **common,
                    )
                    outcomes.append(memory)
                    # Up from the base rate while it holds, else down until it holds.
                    if memory.holds:
                        max_rate, ladder = args.rate, [r for r in steps if r > args.rate]
                    else:
                        ladder = [r for r in down_steps if r < args.rate]
                    for rate in ladder:
                        step = measure(
                            clients,
                            "memory step",
                            f"step{rate:g}".replace(".", "_"),
                            rate=rate,
                            duration=args.step_duration,
                            server_pids=[pid],
                            **common,
                        )
                        outcomes.append(step)
                        if memory.holds and not step.holds:
                            break
                        if step.holds:
                            max_rate = max(max_rate, rate)
                            if not memory.holds:
                                break
                finally:
                    close(clients, "memory")
            check_logs([url], "memory")

        def redis_target(name, tag, processes):
            """A fresh set of `processes` daphne processes on the Redis layer and cache, all
            with the same prefixes (unique to this target of this run)."""
            prefix = f"{run_id}{tag}"
            extra = {
                "REDIS_URL": args.redis_url,
                "CHANNELS_PREFIX": f"{prefix}:ch",
                "CACHE_PREFIX": f"{prefix}:cache",
            }
            with seed.daphnes(directory, processes, extra) as servers:
                urls = [url for url, _ in servers]
                clients = Clients(args.workers)
                try:
                    connect(clients, urls, name)
                    outcome = measure(
                        clients,
                        name,
                        tag,
                        rate=args.rate,
                        duration=args.duration,
                        server_pids=[pid for _, pid in servers],
                        **common,
                    )
                    outcomes.append(outcome)
                finally:
                    close(clients, name)
            check_logs(urls, name)
            return outcome

        redis_targets = [t for t in ("redis", "redis2") if t in targets]
        if redis_targets:
            if not redis_answers(args.redis_url):
                print(f"  redis: {args.redis_url} does not answer: {redis_targets} skipped")
            else:
                try:
                    if "redis" in targets:
                        redis_run = redis_target("redis", "red", 1)
                    if "redis2" in targets:
                        redis2_run = redis_target("redis x2", "red2", 2)
                finally:
                    removed = redis_cleanup(args.redis_url, [run_id])
                    print(f"  redis: {removed} keys of this run deleted")

    seconds = time.perf_counter() - began
    print_table(outcomes, ceiling, args.workers)
    print(
        "latency = receive time - intended send time (open loop), over every receiver; "
        "ack = the sender's acknowledgement (message persisted); cpu = share of one core "
        "during the run (server: the sum over its processes, two for redis x2; all "
        f"{args.workers} client process(es); every other process of the machine: above a few "
        "%, the figures are disturbed)"
    )
    for problem in problems:
        print(f"problem: {problem}")

    def verdict(outcome) -> str:
        return "not run" if outcome is None else "yes" if outcome.holds else "NO"

    print(
        f"target: {args.clients} clients x {args.rate:g} msg/s with p99 <= {P99_TARGET_MS} ms "
        f"and nothing lost: on one process: {verdict(memory)} (memory layer), "
        f"{verdict(redis_run)} (Redis layer); on two processes (Redis layer): "
        f"{verdict(redis2_run)}"
        + (
            f"; largest rate holding it on one process (memory layer): {max_rate:g} msg/s"
            if memory is not None
            else ""
        )
    )
    print(f"total {seconds:.0f}s")

    def num(value, digits=1):
        return f"{value:.{digits}f}" if value is not None and value == value else "nan"

    def field(outcome, what):
        if outcome is None:
            return "nan"
        if what in ("lost", "dup"):
            return str(getattr(outcome, what))
        if what == "max":
            return num(outcome.max)
        if what == "deliveries_per_s":
            return num(outcome.deliveries_per_s, 0)
        return num(outcome.p(what))

    base = memory
    ratio = (
        base.p(99) / ceiling.p(99)
        if base is not None and ceiling is not None and ceiling.latencies
        else float("nan")
    )
    fields = [
        f"clients={args.clients}",
        f"rate={args.rate:g}",
        f"deliveries_per_s={field(base, 'deliveries_per_s')}",
        f"p50_ms={field(base, 50)}",
        f"p99_ms={field(base, 99)}",
        f"max_ms={field(base, 'max')}",
        f"lost={field(base, 'lost')}",
        f"dup={field(base, 'dup')}",
        f"redis_p99_ms={field(redis_run, 99)}",
        f"redis_lost={field(redis_run, 'lost')}",
        f"redis2_p50_ms={field(redis2_run, 50)}",
        f"redis2_p99_ms={field(redis2_run, 99)}",
        f"redis2_lost={field(redis2_run, 'lost')}",
        f"redis2_dup={field(redis2_run, 'dup')}",
        f"ceiling_p99_ms={field(ceiling, 99)}",
        f"ratio={num(ratio)}",
        f"max_rate_at_100ms={max_rate:g}",
        f"seconds={seconds:.0f}",
    ]
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    main()
