"""A visitor becomes a member and is let into a space on request, seen through a browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo-egalite-2026"


def confirmation_link(mail_dir, address) -> str:
    for path in sorted(mail_dir.iterdir()):
        text = path.read_text()
        if address in text:
            match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", text)
            if match:
                return match.group(0)
    raise AssertionError(f"No confirmation e-mail for {address}")


def test_a_visitor_signs_up_joins_and_sees_the_approval_arrive_live(live_site, browser):
    url, mail_dir = live_site
    visitor = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    animator = browser.new_context(locale="en-GB")
    page = visitor.new_page()

    # Sign up and confirm the e-mail address.
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Email").fill("nadia.test@example.org")
    page.get_by_label("Display name").fill("Nadia Test")
    page.locator("#id_password1").fill("a-long-Passphrase-42")
    page.locator("#id_password2").fill("a-long-Passphrase-42")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("Verify Your Email Address")).to_be_visible()
    page.goto(confirmation_link(mail_dir, "nadia.test@example.org"))
    page.get_by_role("button", name="Confirm").click()

    # Join an open space at once.
    page.goto(f"{url}/spaces/recruter-sans-stereotypes/")
    page.get_by_role("button", name="Join the space").click()
    expect(page.get_by_text("Welcome to Recruter sans stéréotypes!")).to_be_visible()

    # Ask to join a space that admits members on request.
    page.goto(f"{url}/spaces/reseau-referents-egalite/")
    page.get_by_text("Ask to join").click()
    page.get_by_label("A word for the animators (optional)").fill("Référente égalité chez nous.")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Your request was sent to the space's animators.")).to_be_visible()
    badge = page.locator("[data-unread-badge]")
    expect(badge).to_be_hidden()  # Nothing unread yet: the empty badge is not shown.

    # The animator approves in another browser.
    admin_page = animator.new_page()
    admin_page.goto(f"{url}/accounts/login/")
    admin_page.locator("#id_login").fill("claire.morvan@demo.egalite.example")
    admin_page.locator("#id_password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Sign In").click()
    admin_page.goto(f"{url}/spaces/reseau-referents-egalite/members/")
    expect(admin_page.get_by_text("Référente égalité chez nous.")).to_be_visible()
    admin_page.get_by_role("button", name="Accept Nadia Test").click()
    expect(admin_page.get_by_text("Request accepted.")).to_be_visible()

    # The visitor's badge shows the notification without any reload.
    expect(badge).to_have_text("1", timeout=10_000)
    expect(badge).to_be_visible()
    page.screenshot(path=str(mail_dir.parent / "badge.png"))

    visitor.close()
    animator.close()
