"""How many signed-in idle sockets one daphne process holds, and the memory each costs.

Run with no arguments: `.venv/bin/python bench/connections.py` (about 2 minutes on 2 cores;
`--small` for 1,000 sockets). It migrates a fresh SQLite database (`bench/_chat_seed.py`:
about 20 s the first time, then copied), writes `--connections` signed-in members into it (a
session row each: one socket per member, so the per-member limit of 12 sockets keeps its
default), raises the soft limit of open files to the hard one (inherited by daphne and the
client processes) and starts one daphne process with the in-memory channel layer.

Client processes (`--workers`, asyncio and `websockets`) then open the sockets in batches of
`--batch`: each completes the handshake, waits for `hello` and subscribes to the member's
`chat` stream (its list of rooms: the stream every chat page follows; a room stream would
announce presence to every subscriber). After each batch the daphne process's resident memory
(VmRSS in /proc/<pid>/status) is read, once it has settled. The cost of a socket is the growth
of RSS from the end of the first batch (which also pays for lazily imported code and warm
caches) to the end of the last one, divided by the sockets in between. The sockets then stay
idle `--idle` seconds, during which the CPU daphne spends on them is measured (each socket
checks its session every SESSION_CHECK_SECONDS, 60 s by default); then every socket is
checked: still open, a websocket ping answered (by daphne's protocol layer), and a sample of
`--sample` sockets answers an application `ping` with its `pong` (through the consumer and
the database). Failed = sockets that did not open, subscribe, stay open or answer.

Targets: at least 5,000 sockets, at most 64 KiB each. Ends with one RESULT line.
"""

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench import _chat_seed as seed  # noqa: E402

TARGET_CONNECTIONS = 5_000
TARGET_KIB = 64


# --- Client side (in worker processes) ---------------------------------------------------------


async def next_frame(ws, kind: str, timeout: float) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame


class Worker:
    def __init__(self, pipe):
        self.pipe = pipe
        self.sockets: list = []

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            result = await getattr(self, "cmd_" + command.pop("cmd"))(**command)
            self.pipe.send(result)
            if result.get("bye"):
                return

    async def cmd_open(self, url, sessions, stream, concurrency, timeout):
        ws_url = url.replace("http://", "ws://") + "/ws/"
        gate = asyncio.Semaphore(concurrency)
        failures: list[str] = []

        async def open_one(session: str) -> None:
            async with gate:
                ws = None
                try:
                    ws = await websockets.connect(
                        ws_url,
                        origin=url,
                        additional_headers={"Cookie": f"sessionid={session}"},
                        compression=None,
                        ping_interval=None,
                        open_timeout=timeout,
                        close_timeout=2,
                    )
                    hello = await next_frame(ws, "hello", timeout)
                    if not hello.get("user"):
                        raise ConnectionError("hello without a user: not signed in")
                    if stream:
                        await ws.send(json.dumps({"op": "subscribe", "stream": stream}))
                        await next_frame(ws, "subscribed", timeout)
                except Exception as error:  # noqa: BLE001 (counted and reported)
                    failures.append(f"{type(error).__name__}: {error}")
                    if ws is not None:
                        await ws.close()
                    return
                self.sockets.append(ws)

        start = time.monotonic()
        await asyncio.gather(*(open_one(session) for session in sessions))
        return {
            "opened": len(sessions) - len(failures),
            "failures": failures,
            "seconds": time.monotonic() - start,
        }

    async def cmd_check(self, sample, timeout):
        """Open, answering a websocket ping; `sample` of them answering an app ping."""
        closed = [ws for ws in self.sockets if ws.state is not websockets.State.OPEN]
        live = [ws for ws in self.sockets if ws.state is websockets.State.OPEN]

        async def ws_ping(ws) -> bool:
            try:
                await asyncio.wait_for(await ws.ping(), timeout)
                return True
            except Exception:  # noqa: BLE001 (counted)
                return False

        gate = asyncio.Semaphore(50)

        async def app_ping(ws) -> float | None:
            async with gate:
                start = time.monotonic()
                try:
                    await ws.send(json.dumps({"op": "ping", "ref": "check"}))
                    await next_frame(ws, "pong", timeout)
                    return (time.monotonic() - start) * 1000
                except Exception:  # noqa: BLE001 (counted)
                    return None

        pinged = await asyncio.gather(*(ws_ping(ws) for ws in live))
        chosen = random.sample(live, min(sample, len(live)))
        pongs = await asyncio.gather(*(app_ping(ws) for ws in chosen))
        return {
            "held": len(self.sockets),
            "closed": len(closed),
            "ws_ping_failed": pinged.count(False),
            "app_ping_failed": sum(p is None for p in pongs),
            "app_ping_ms": [p for p in pongs if p is not None],
        }

    async def cmd_close(self):
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        return {"bye": True}


def worker_main(pipe) -> None:
    asyncio.run(Worker(pipe).serve())


# --- Orchestration ------------------------------------------------------------------------------


def settled_rss(pid: int, seconds: float = 1.0) -> int:
    """daphne's RSS in KiB once it stops moving (the last frames of a batch are handled)."""
    last = seed.rss_kib(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = seed.rss_kib(pid)
        if abs(now - last) < 256:
            return now
        last = now
    return last


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=TARGET_CONNECTIONS)
    parser.add_argument("--batch", type=int, default=500, help="sockets opened at a time")
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes at once")
    parser.add_argument("--stream", default="chat", help="stream each socket follows; '' none")
    parser.add_argument("--idle", type=float, default=15, help="seconds idle before the check")
    parser.add_argument("--sample", type=int, default=100, help="sockets sent an app ping")
    parser.add_argument("--timeout", type=float, default=60, help="seconds for one answer")
    parser.add_argument("--small", action="store_true", help="1,000 sockets, 5 s idle")
    args = parser.parse_args()
    if args.small:
        args.connections, args.idle = 1_000, 5
    began = time.perf_counter()
    limit = seed.raise_open_files()
    print(f"open files limit {limit} (soft, raised to the hard limit)")

    rows: list[tuple[int, int, float]] = []  # (sockets held, RSS KiB, seconds for the batch)
    failures: list[str] = []
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="chat-connections-") as directory:
        seconds, copied = seed.prepare_database(directory)
        print(
            f"database migrated in {seconds:.1f}s" + (" (copy of a migrated one)" if copied else "")
        )
        seed.use_database(directory)
        seeded = seed.seed_members(args.connections, space=False)
        print(f"seeded {args.connections} signed-in members in {seeded.seconds:.1f}s")
        with seed.daphne(directory) as (url, pid):
            pipes, processes = [], []
            for _ in range(args.workers):
                here, there = context.Pipe()
                process = context.Process(target=worker_main, args=(there,), daemon=True)
                process.start()
                pipes.append(here)
                processes.append(process)

            def ask(commands):
                for pipe, command in zip(pipes, commands, strict=True):
                    pipe.send(command)
                return [pipe.recv() for pipe in pipes]

            idle_rss = settled_rss(pid)
            print(f"daphne pid {pid}: RSS {idle_rss / 1024:.1f} MiB before any socket")
            print(f"{'sockets':>8}{'RSS MiB':>9}{'batch s':>9}{'KiB/socket':>12}")
            held = 0
            cpu_open = seed.cpu_seconds(pid)
            open_start = time.monotonic()
            for start in range(0, args.connections, args.batch):
                batch = seeded.sessions[start : start + args.batch]
                shares = [batch[i :: args.workers] for i in range(args.workers)]
                replies = ask(
                    [
                        {
                            "cmd": "open",
                            "url": url,
                            "sessions": share,
                            "stream": args.stream,
                            "concurrency": max(1, args.concurrency // args.workers),
                            "timeout": args.timeout,
                        }
                        for share in shares
                    ]
                )
                held += sum(reply["opened"] for reply in replies)
                failures += [f for reply in replies for f in reply["failures"]]
                rss = settled_rss(pid)
                took = max(reply["seconds"] for reply in replies)
                rows.append((held, rss, took))
                slope = (rss - rows[0][1]) / (held - rows[0][0]) if len(rows) > 1 else float("nan")
                print(f"{held:>8}{rss / 1024:>9.1f}{took:>9.1f}{slope:>12.1f}", flush=True)
            open_seconds = time.monotonic() - open_start
            open_cpu = seed.cpu_seconds(pid) - cpu_open

            print(f"idle {args.idle:g}s ...", flush=True)
            cpu_idle = seed.cpu_seconds(pid)
            time.sleep(args.idle)
            idle_cpu = (seed.cpu_seconds(pid) - cpu_idle) / args.idle
            final_rss = seed.rss_kib(pid)
            share = max(1, args.sample // args.workers)
            checks = ask(
                [{"cmd": "check", "sample": share, "timeout": args.timeout} for _ in pipes]
            )
            ask([{"cmd": "close"} for _ in pipes])
            for process in processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
            time.sleep(2)
            closed_rss = seed.rss_kib(pid)

    seconds = time.perf_counter() - began
    first_held, first_rss, _ = rows[0]
    per_socket = (
        (final_rss - first_rss) / (held - first_held) if held > first_held else float("nan")
    )
    closed = sum(c["closed"] for c in checks)
    ws_failed = sum(c["ws_ping_failed"] for c in checks)
    app_failed = sum(c["app_ping_failed"] for c in checks)
    pings = sorted(p for c in checks for p in c["app_ping_ms"])
    never_opened = args.connections - held
    failed = never_opened + closed + ws_failed + app_failed
    print()
    print(
        f"sockets opened {held}/{args.connections} in {open_seconds:.1f}s "
        f"({held / open_seconds:.0f}/s, handshake + hello + subscribe; daphne CPU "
        f"{open_cpu / held * 1000:.1f} ms a socket)"
    )
    for failure in sorted(set(failures))[:5]:
        print(f"  failure: {failure} (x{failures.count(failure)})")
    print(
        f"daphne RSS: {idle_rss / 1024:.1f} MiB with no socket, {first_rss / 1024:.1f} MiB "
        f"after the first {first_held}, {final_rss / 1024:.1f} MiB with {held} "
        f"(after {args.idle:g}s idle), {closed_rss / 1024:.1f} MiB once all were closed"
    )
    print(
        f"memory a socket: {per_socket:.1f} KiB (from {first_held} to {held} sockets; "
        f"{(final_rss - idle_rss) / max(held, 1):.1f} KiB counting from no socket at all)"
    )
    print(f"daphne CPU while idle with {held} sockets: {idle_cpu:.1%} of a core")
    print(
        f"at the end: {closed} closed, {ws_failed} without an answer to a websocket ping, "
        f"{app_failed} of {len(pings) + app_failed} without a pong"
        + (
            f" (app ping p50 {pings[len(pings) // 2]:.0f} ms, max {pings[-1]:.0f} ms)"
            if pings
            else ""
        )
    )
    ok = held >= TARGET_CONNECTIONS and per_socket <= TARGET_KIB and failed == 0
    print(
        f"targets: >= {TARGET_CONNECTIONS} sockets, <= {TARGET_KIB} KiB each, none failed: "
        f"{'yes' if ok else 'NO'}"
    )
    print(f"total {seconds:.0f}s")
    print(
        f"RESULT connections={held} kib_per_connection={per_socket:.1f} "
        f"rss_mib={final_rss / 1024:.1f} failed={failed} idle_rss_mib={idle_rss / 1024:.1f} "
        f"idle_cpu_pct={idle_cpu * 100:.1f} open_per_s={held / open_seconds:.0f} "
        f"seconds={seconds:.0f}"
    )


if __name__ == "__main__":
    main()
