"""What only a browser shows of the practice library: the facets used with the keyboard on a
phone and beside the results on a wide screen, the video host's player loaded only when the
reader asks for it, and a private toolbox document locked for a member outside its space but
opened by one inside.

On the demo data served by daphne (`live_site`); nothing is written.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forum import sign_in

pytestmark = pytest.mark.e2e

DOMAIN = "demo.egalite.example"
VIDEO = "/library/capsule-quatre-ecarts/"
# The trainer kit's documents are reserved to the private steering committee's members.
TOOLBOX = "/library/kit-formateur-session-pilote/"
PRIVATE_DOCUMENT = "Déroulé d'une session pilote pour les PME (3 h 30)"
VIDEO_HOSTS = re.compile(
    r"^https?://([^/]*\.)?(youtube(-nocookie)?\.com|ytimg\.com|googlevideo\.com)/"
)


def test_the_facets_work_with_the_keyboard_folded_on_a_phone_and_open_beside_the_results(
    live_site, browser
):
    url, _mail_dir = live_site
    phone = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 800})
    page = phone.new_page()
    page.goto(f"{url}/library/")
    facets = page.locator("details.library-facets")
    recruitment = page.locator("#facet-theme-recruitment")
    expect(recruitment).to_be_hidden()

    # Tab from the search box: Search, then the folded filters, opened with Enter.
    page.locator("#library-q").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("summary", has_text="Filters")).to_be_focused()
    page.keyboard.press("Enter")
    expect(facets).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(recruitment).to_be_focused()

    # Space ticks the box: the results and the count follow, and the focus stays on the box.
    count = int(page.locator("label[for=facet-theme-recruitment] .facet-count").inner_text())
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"theme=recruitment"))
    expect(page.locator("#library-count")).to_have_text(f"{count} items")
    expect(recruitment).to_be_checked()
    expect(recruitment).to_be_focused()
    expect(page.locator("#library-results .library-card")).to_have_count(count)
    phone.close()

    wide = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = wide.new_page()
    page.goto(f"{url}/library/")
    expect(page.locator("#facet-theme-recruitment")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()
    facets_box = page.locator(".library-facets").bounding_box()
    results_box = page.locator("#library-results").bounding_box()
    assert facets_box["x"] + facets_box["width"] <= results_box["x"]
    wide.close()


def test_the_video_host_is_not_contacted_before_the_reader_presses_play(live_site, browser):
    url, _mail_dir = live_site
    context = browser.new_context(locale="en-GB")
    # The host answers from here: the test needs no network, and sees every request made.
    context.route(VIDEO_HOSTS, lambda route: route.fulfill(body="<title>player</title>"))
    requested = []
    page = context.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{url}{VIDEO}")
    page.wait_for_load_state("networkidle")

    play = page.get_by_role("button", name="Play the video (loads YouTube)")
    expect(play).to_be_visible()
    assert requested and not [u for u in requested if VIDEO_HOSTS.match(u)]
    expect(page.locator("iframe")).to_have_count(0)

    play.focus()
    page.keyboard.press("Enter")
    frame = page.locator("iframe.library-player-frame")
    expect(frame).to_have_attribute(
        "src", re.compile(r"^https://www\.youtube-nocookie\.com/embed/\w+\?autoplay=1$")
    )
    expect(frame).to_be_focused()
    expect(play).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert [u for u in requested if VIDEO_HOSTS.match(u)]
    context.close()


def test_a_private_toolbox_document_is_locked_outside_its_space_and_opens_inside(
    live_site, browser
):
    url, _mail_dir = live_site
    insider = sign_in(browser.new_context(locale="en-GB"), url, f"lucia.ferrer@{DOMAIN}")
    insider.goto(f"{url}{TOOLBOX}")
    link = insider.get_by_role("link", name=PRIVATE_DOCUMENT)
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    response = insider.request.get(f"{url}{href}")
    assert response.status == 200
    assert response.body().startswith(b"%PDF")

    outsider = sign_in(browser.new_context(locale="en-GB"), url, f"maelle.legoff@{DOMAIN}")
    outsider.goto(f"{url}{TOOLBOX}")
    row = outsider.locator(".library-document", has_text=PRIVATE_DOCUMENT)
    expect(row).to_have_class(re.compile(r"\bis-locked\b"))
    expect(row.locator(".library-lock")).to_be_visible()
    expect(outsider.get_by_role("link", name=PRIVATE_DOCUMENT)).to_have_count(0)
    # Nor through the address the insider was given.
    assert outsider.request.get(f"{url}{href}").status in (403, 404)
    insider.context.close()
    outsider.context.close()
