"""Service calls "at the same moment" on PostgreSQL, for the integration tests.

Each call runs in its own thread with its own database connection, opened first; a barrier then
releases the threads together, so their transactions overlap and the services' row locks
decide. `race` returns ("ok", result) or ("refused", the ValidationError / PermissionDenied) per
call, in order; any other failure fails the test.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections


@contextmanager
def connections_for(threads: int):
    """On PostgreSQL, a connection pool wide enough for `threads` racing calls."""
    assert connection.vendor == "postgresql", "run on PostgreSQL (make test-services)"
    pool = connection.pool
    if pool is None:
        yield
        return
    sizes = (pool.min_size, pool.max_size)
    pool.resize(sizes[0], max(sizes[1], threads + 2))
    try:
        yield
    finally:
        pool.resize(*sizes)


def _run(barrier: threading.Barrier, call):
    try:
        connections["default"].ensure_connection()  # connecting is not part of the race
        barrier.wait(timeout=60)
        return "ok", call()
    except (ValidationError, PermissionDenied) as refusal:
        return "refused", refusal
    except Exception as error:  # Reported by race(): any other failure fails the test.
        return "error", error
    finally:
        connections.close_all()


def race(calls) -> list[tuple[str, object]]:
    barrier = threading.Barrier(len(calls))
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(_run, barrier, call) for call in calls]
        outcomes = [future.result(timeout=120) for future in futures]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, f"unexpected failures: {errors!r}"
    return outcomes
