"""A real daphne process on a fresh SQLite database with the demo data, and the system Chromium."""

import os
from pathlib import Path

import pytest

from tests.support.live_server import demo_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """Yields (base_url, mail_dir): daphne serving pages and /ws/, e-mails written to files."""
    base = tmp_path_factory.mktemp("e2e")
    mail_dir = base / "mail"
    mail_dir.mkdir()
    with demo_server({"EMAIL_URL": f"filemail://{mail_dir}"}, directory=str(base)) as url:
        yield url, mail_dir


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
