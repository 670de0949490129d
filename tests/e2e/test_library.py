"""The practice library in a real browser: a member proposes a practice sheet through the guided
form, an animator approves it on the site, and it appears in the library, in its facets and in
search; markup typed into the form stays text.

Everything is done by clicking, on the demo data served by daphne (`live_site`). The contributor
is a demo member no other browser test acts as.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forum import sign_in

pytestmark = pytest.mark.e2e

DOMAIN = "demo.egalite.example"
CONTRIBUTOR = f"ines.roussel@{DOMAIN}"
ANIMATOR = f"claire.morvan@{DOMAIN}"

CANARY = """
window.__xss = [];
window.alert = function (message) { window.__xss.push("alert: " + String(message)); };
window.confirm = window.prompt = window.alert;
"""
ATTACK = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def continue_to(page, heading: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()


def test_a_member_proposes_a_sheet_an_animator_approves_it_and_it_is_found(live_site, browser):
    url, _mail_dir = live_site
    word = f"marrainage{uuid.uuid4().hex[:8]}"
    title = f"Binômes de marraines en atelier {word}"

    contributor = browser.new_context(locale="en-GB")
    contributor.add_init_script(CANARY)
    page = sign_in(contributor, url, CONTRIBUTOR)

    # The library invites members to propose a practice.
    page.goto(f"{url}/library/")
    page.get_by_role("link", name="Propose a practice").first.click()
    expect(page).to_have_url(re.compile(r"/library/(contribute|contributions/\d+/edit)/"))

    # 1. The essentials.
    page.locator("#id_title").fill(title)
    page.locator("#id_summary").fill(
        f"Des salariées volontaires accueillent des apprenties. {ATTACK}"
    )
    page.locator("input[name=themes]").first.check()
    continue_to(page, "Observation and objectives")
    expect(page).to_have_url(re.compile(r"/library/contributions/\d+/edit/"))

    # 2. The observation.
    page.locator("#id_observation").fill(
        f"Les apprenties quittaient l'atelier dans les six premiers mois.\n\n{word}"
    )
    continue_to(page, "What was done")

    # 3. One step, added with the form's own button when the list starts empty.
    if page.locator("#id_steps-0-title").count() == 0:
        page.get_by_role("button", name="Add a step").click()
    page.locator("#id_steps-0-title").fill("Former dix marraines volontaires")
    page.locator("#id_steps-0-description").fill(ATTACK)

    # Straight to the last step through the stepper; the step is saved on the way.
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review and submit").first).to_be_visible()
    expect(page.get_by_text("Former dix marraines volontaires").first).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Your sheet is submitted.")).to_be_visible()

    # Not public yet: a visitor finds nothing.
    visitor = browser.new_context(locale="en-GB")
    visitor.add_init_script(CANARY)
    anonymous = visitor.new_page()
    anonymous.goto(f"{url}/library/?q={word}")
    expect(anonymous.get_by_role("link", name=title)).to_have_count(0)

    # The animator reviews it on the site and approves it.
    animator = browser.new_context(locale="en-GB")
    reviewer = sign_in(animator, url, ANIMATOR)
    reviewer.goto(f"{url}/library/review/")
    reviewer.get_by_role("link", name=title).click()
    expect(reviewer.get_by_text("Des salariées volontaires accueillent").first).to_be_visible()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.get_by_text("The sheet is approved.")).to_be_visible()

    # Now in the library, in search, and its page reads as typed (markup as text).
    anonymous.goto(f"{url}/library/?q={word}")
    anonymous.get_by_role("link", name=title).click()
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(title)
    expect(anonymous.get_by_text("Former dix marraines volontaires")).to_be_visible()
    expect(anonymous.get_by_text("<script>alert(2)</script>").first).to_be_visible()
    anonymous.goto(f"{url}/library/")
    expect(anonymous.get_by_role("link", name=title)).to_be_visible()

    # The author is told.
    page.goto(f"{url}/notifications/")
    expect(page.get_by_text(title).first).to_be_visible()

    for tab in (page, anonymous):
        assert tab.evaluate("window.__xss") == []
    for context in (contributor, visitor, animator):
        context.close()


def test_the_library_filters_by_facet_in_place_on_a_phone(live_site, browser):
    url, _mail_dir = live_site
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{url}/library/")
    cards = page.locator(".library-card")
    total = cards.count()
    assert total >= 8
    # The facets sit in a disclosure on a phone; a kind narrows the list without a reload.
    page.locator("details.library-facets summary, .library-facets summary").first.click()
    page.locator("input[name=kind][value=interview]").check()
    expect(page).to_have_url(re.compile(r"kind=interview"))
    expect(cards).to_have_count(2)
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    context.close()
