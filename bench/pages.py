"""Latency of the community pages under daphne, beside a trivial view measured in the same run.

Run with no arguments: `.venv/bin/python bench/pages.py`. It seeds a fresh SQLite database,
starts daphne (embedded mode, DEBUG off), signs in as a demo member, then for each page makes
sequential requests (latency) and concurrent ones (throughput). Ends with one RESULT line.
"""

import argparse
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.live_server import DEMO_PASSWORD, demo_server  # noqa: E402

PAGES = {
    "reference": "/health/",
    "home": "/",
    "space_list": "/spaces/",
    "space": "/spaces/recruter-sans-stereotypes/",
    "members": "/spaces/recruter-sans-stereotypes/members/",
    "directory": "/members/",
    "notifications": "/notifications/",
}


def signed_in_session(url: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{url}/accounts/login/",
        data={"login": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
    )
    response.raise_for_status()
    if "sessionid" not in session.cookies:
        raise RuntimeError("log-in failed")
    return session


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure(session, url, path, n):
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = session.get(url + path)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return timings


def throughput(cookies, url, path, workers, per_worker):
    def run(_):
        session = requests.Session()
        session.cookies.update(cookies)
        for _ in range(per_worker):
            session.get(url + path).raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(workers)))
    return workers * per_worker / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=150, help="sequential requests a page")
    parser.add_argument("--workers", type=int, default=8, help="concurrent clients")
    parser.add_argument("--per-worker", type=int, default=25)
    args = parser.parse_args()

    with demo_server() as url:
        session = signed_in_session(url, "claire.morvan@demo.egalite.example")
        results = {}
        print(f"{'page':<14}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}")
        for name, path in PAGES.items():
            measure(session, url, path, 5)  # warm-up
            timings = measure(session, url, path, args.requests)
            rate = throughput(session.cookies, url, path, args.workers, args.per_worker)
            results[name] = {
                "p50": statistics.median(timings),
                "p95": percentile(timings, 95),
                "p99": percentile(timings, 99),
                "rps": rate,
            }
            r = results[name]
            print(f"{name:<14}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['rps']:>9.0f}")

    fields = [f"{name}_p99_ms={r['p99']:.1f}" for name, r in results.items()]
    fields += [f"{name}_rps={r['rps']:.0f}" for name, r in results.items()]
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    main()
