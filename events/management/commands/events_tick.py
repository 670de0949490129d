"""The events' background sweep: lapse the seat offers whose claim window ended (their seats go
down the waiting list) and send the reminders that are due (a day and an hour before).

`manage.py events_tick` runs one round; `--loop 60` runs one a minute until SIGTERM or Ctrl-C,
which let the current round finish (each step commits per event or per reminder anyway). Both
steps are safe to run from two processes at once: `offers_expire` locks each event's row and
`reminders_send` claims each reminder before sending it. `make run` starts the loop beside
daphne; in production it is `deploy/egalite-events-tick.service`.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from events import services

logger = logging.getLogger(__name__)

# Longest wait between two looks at the stop flag while sleeping: how soon a signal ends the loop.
STOP_CHECK_SECONDS = 0.5


class Command(BaseCommand):
    help = "Lapse expired seat offers and send due event reminders (once, or every --loop seconds)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Run a round every SECONDS seconds until SIGTERM or Ctrl-C.",
        )

    def handle(self, *args, loop: float | None = None, verbosity: int = 1, **options):
        if loop is None:
            self.tick(quiet=verbosity < 1)
            return
        if loop <= 0:
            raise CommandError("--loop takes a number of seconds above 0.")
        self.run_loop(loop, verbosity)

    def tick(self, *, quiet: bool = False) -> tuple[int, int]:
        """One round; returns (offers lapsed, reminders sent) and says so unless quiet."""
        lapsed = services.offers_expire()
        reminded = services.reminders_send()
        if not quiet:
            self.report(lapsed, reminded)
        return lapsed, reminded

    def report(self, lapsed: int, reminded: int) -> None:
        self.stdout.write(
            f"{timezone.now():%Y-%m-%d %H:%M:%S}Z events_tick: "
            f"{lapsed} offer(s) lapsed, {reminded} reminder(s) sent"
        )

    def run_loop(self, seconds: float, verbosity: int) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        # Both signals only raise the flag: a round in progress ends normally, then the loop.
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        if verbosity >= 1:
            self.stdout.write(f"events_tick: a round every {seconds:g} s; SIGTERM or Ctrl-C stops.")
        try:
            while not stopping:
                # As around a request: drop a connection that is too old or broken (the
                # database restarted), and hand a pooled one back while sleeping.
                close_old_connections()
                try:
                    lapsed, reminded = self.tick(quiet=True)
                except DatabaseError:
                    # The database was unreachable or busy: the next round tries again.
                    logger.exception("events_tick: the round failed, retrying in %g s", seconds)
                else:
                    # A quiet minute says nothing, unless asked (-v 2).
                    if verbosity >= 2 or (verbosity >= 1 and (lapsed or reminded)):
                        self.report(lapsed, reminded)
                finally:
                    close_old_connections()
                deadline = time.monotonic() + seconds
                while not stopping and (left := deadline - time.monotonic()) > 0:
                    time.sleep(min(left, STOP_CHECK_SECONDS))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if verbosity >= 1:
            self.stdout.write("events_tick: stopped.")
