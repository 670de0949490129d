"""How fast a notification reaches an open socket, beside a ping round trip in the same run.

Run with no arguments: `.venv/bin/python bench/notifications.py`. It seeds a fresh SQLite
database and starts daphne (embedded mode: in-memory channel layer). An animator's browser
tab holds the socket, subscribed to its notifications; a member joins and leaves the
animator's open space over HTTP, again and again. Each join notifies the animator: the time
from the join request to the frame on the socket is measured, and every expected frame is
counted, so a lost one shows. The reference is a ping/pong round trip on the same socket.
Ends with one RESULT line.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import requests
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pages import percentile, signed_in_session  # noqa: E402
from tests.support.live_server import demo_server  # noqa: E402

ANIMATOR = "claire.morvan@demo.egalite.example"
MEMBER = "hugo.kerbrat@demo.egalite.example"
SPACE = "/spaces/recruter-sans-stereotypes/"


def post(session: requests.Session, url: str, path: str) -> None:
    response = session.post(
        url + path,
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": url + SPACE},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{path} answered {response.status_code}")


async def next_frame(socket, frame_type: str, timeout: float = 10.0) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] == frame_type:
            return frame


async def run(url: str, rounds: int) -> dict:
    animator = signed_in_session(url, ANIMATOR)
    member = signed_in_session(url, MEMBER)
    member.get(url + SPACE)  # sets the CSRF cookie
    ws_url = url.replace("http://", "ws://") + "/ws/"
    cookie = f"sessionid={animator.cookies['sessionid']}"
    async with websockets.connect(ws_url, origin=url, additional_headers={"Cookie": cookie}) as ws:
        await next_frame(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "stream": "notifications", "ref": "s"}))
        await next_frame(ws, "subscribed")

        pings = []
        for i in range(rounds):
            start = time.perf_counter()
            await ws.send(json.dumps({"op": "ping", "ref": i}))
            await next_frame(ws, "pong")
            pings.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.11)  # stay under the socket's frame rate limit

        # The member may already belong to the space: start from outside it.
        await asyncio.to_thread(post, member, url, SPACE + "leave/")
        deliveries, lost = [], 0
        for _ in range(rounds):
            start = time.perf_counter()
            await asyncio.to_thread(post, member, url, SPACE + "join/")
            try:
                frame = await next_frame(ws, "event", timeout=5)
                assert frame["data"]["notification"]["verb"] == "membership.joined"
                deliveries.append((time.perf_counter() - start) * 1000)
            except TimeoutError:
                lost += 1
            await asyncio.to_thread(post, member, url, SPACE + "leave/")
    return {"pings": pings, "deliveries": deliveries, "lost": lost}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with demo_server() as url:
        result = asyncio.run(run(url, args.rounds))
    pings, deliveries = result["pings"], result["deliveries"]
    print(f"{'measure':<34}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, values in (
        ("ping round trip (reference)", pings),
        ("join request -> notification frame", deliveries),
    ):
        print(
            f"{name:<34}{statistics.median(values):>9.1f}"
            f"{percentile(values, 95):>9.1f}{percentile(values, 99):>9.1f}"
        )
    print(
        f"notifications expected {args.rounds}, received {len(deliveries)}, lost {result['lost']}"
    )
    print(
        f"RESULT ping_p50_ms={statistics.median(pings):.1f} "
        f"ping_p99_ms={percentile(pings, 99):.1f} "
        f"notify_p50_ms={statistics.median(deliveries):.1f} "
        f"notify_p99_ms={percentile(deliveries, 99):.1f} "
        f"confirmed={len(deliveries)} lost={result['lost']}"
    )


if __name__ == "__main__":
    main()
