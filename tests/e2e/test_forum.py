"""The forum in a real browser: a question answered live, and script injection that never runs.

Both tests use the demo data served by daphne (`live_site`). The injection test writes most of
its vectors through the forum services in a `manage.py shell` on the site's own database (faster
than the forms), some through the forms, and checks every page that shows them in Chromium.
"""

import json
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.support.live_server import DEMO_PASSWORD, ROOT

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[1] / "data" / "blns_script_injection.json"
SPACE = "recruter-sans-stereotypes"  # public, open: both demo members below belong to it
ASKER = "maelle.legoff@demo.egalite.example"
ANSWERER = "hugo.kerbrat@demo.egalite.example"
MARKER = "naughtymarker"  # a word in every vector topic, to find them all by search

# Classic filter evasion (OWASP XSS filter evasion cheat sheet) and Markdown tricks.
CLASSIC = [
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg/onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    '<form><button formaction="javascript:alert(1)">go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<base href=javascript:alert(1)//>",
    "<input autofocus onfocus=alert(1)>",
    "[a](javascript:alert(1))",
    "[b](JaVaScRiPt:alert(1))",
    "[c](javascript&#58;alert(1))",
    "[d](  javascript:alert(1)  )",
    "[e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[f](vbscript:msgbox(1))",
    "![g](javascript:alert(1))",
    '![h](x" onerror="alert(1))',
    "![i](https://example.org/x.png)",
    "<javascript:alert(1)>",
    "[j][ref]\n\n[ref]: javascript:alert(1)",
    '[k](https://example.org "title" onmouseover=alert(1))',
    "`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```",
    '<a href="https://example.org" onclick="alert(1)" hx-get="/forum/" hx-trigger="load">h</a>',
    "{{ 7*7 }} {% debug %} ${alert(1)} #{alert(1)}",
]

# Put back into pages from the query string (search words, list filters).
REFLECTED = "<script>alert('q')</script><img src=x onerror=alert('q')>"
BREAKOUT = "\"><script>alert('q')</script><img src=x onerror=alert('q')>"

CANARY = """
window.__xss = [];
(function () {
  function record(kind) {
    return function (message) { window.__xss.push(kind + ": " + String(message)); };
  }
  window.alert = record("alert");
  window.confirm = function (message) { record("confirm")(message); return false; };
  window.prompt = function (message) { record("prompt")(message); return null; };
})();
"""

# Anything in the page's content that could run a script, and any markup in a post beyond what
# forum.markdown allows.
AUDIT = """
() => {
  const found = [];
  const schemes = /^(javascript|vbscript|data):/;
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"];
  const main = document.querySelector("main") || document.documentElement;
  for (const element of main.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    if (["script", "iframe", "frame", "object", "embed", "style", "base", "meta", "link",
         "svg", "math"].includes(tag)) {
      found.push("element " + tag);
    }
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push("handler " + tag + "[" + name + "]");
      if (urlAttributes.includes(name) && schemes.test(value)) {
        found.push("url " + tag + "[" + name + "=" + attribute.value + "]");
      }
    }
  }
  const tags = ["p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "img"];
  const attributes = { a: ["href", "class", "rel"], img: ["src", "alt", "title"],
    ol: ["start"] };
  for (const element of document.querySelectorAll(".post-body *")) {
    const tag = element.tagName.toLowerCase();
    if (!tags.includes(tag)) found.push("post markup " + tag);
    for (const attribute of element.attributes) {
      if (!(attributes[tag] || []).includes(attribute.name)) {
        found.push("post attribute " + tag + "[" + attribute.name + "]");
      }
    }
    // The sanitiser drops the source of a foreign image (an <img> without src shows nothing).
    const source = element.getAttribute("src");
    const ownImage = /^\\/forum\\/images\\/[0-9a-f-]{36}\\/$/;
    if (tag === "img" && source !== null && !ownImage.test(source)) {
      found.push("post image " + source);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    const source = script.getAttribute("src") || "";
    if (!source.startsWith("/static/")) found.push("script " + script.outerHTML.slice(0, 120));
  }
  return found;
}
"""


# --- Helpers ----------------------------------------------------------------------------------


def sign_in(context, url: str, email: str):
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    return page


def ask_through_the_form(page, url: str, *, title: str, body: str, tags="", pseudonym=""):
    page.goto(f"{url}/forum/s/{SPACE}/new/")
    page.locator("#id_title").fill(title)
    page.locator("#id_body").fill(body)
    if tags:
        page.locator("#id_tags").fill(tags)
    if pseudonym:
        page.locator("#id_confidential").check()
        page.locator("#id_pseudonym").fill(pseudonym)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your topic is online.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/forum/t/\d+/$"))
    return page.url


def reply_through_the_form(page, body: str) -> None:
    page.locator("#id_body").fill(body)
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.get_by_text("Your reply is online.")).to_be_visible()


def site_env(url: str, mail_dir: Path) -> dict:
    """The environment of the `live_site` daphne (tests/support/live_server.py): same database."""
    base = mail_dir.parent
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{base}/demo.sqlite3",
        "MEDIA_ROOT": f"{base}/media",
        "DEBUG": "false",
        "SECRET_KEY": "local-demo-server-only-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": url,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }


SEED = """
import json, os
from community.models import Space, User
from forum import services

spec = json.load(open(os.environ["XSS_SPEC"], encoding="utf-8"))
space = Space.objects.get(slug=spec["space"])
asker = User.objects.get(email=spec["asker"])
answerer = User.objects.get(email=spec["answerer"])
made = []
for item in spec["topics"]:
    topic = services.topic_create(
        author=asker, space=space, title=item["title"], body=item["body"],
        tags=item["tags"], pseudonym=item["pseudonym"],
    )
    services.post_create(author=answerer, topic=topic, body=item["reply"])
    made.append(topic.pk)
print("SEEDED " + json.dumps(made))
"""


def seed_topics(live_site, topics: list[dict], tmp_path: Path) -> list[int]:
    """Create the topics (and one reply each) through forum.services on the site's database."""
    url, mail_dir = live_site
    spec = tmp_path / "xss_spec.json"
    spec.write_text(
        json.dumps({"space": SPACE, "asker": ASKER, "answerer": ANSWERER, "topics": topics}),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SEED],
        cwd=ROOT,
        env={**site_env(url, mail_dir), "XSS_SPEC": str(spec)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("SEEDED "))
    return json.loads(line.removeprefix("SEEDED "))


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def normalised(text: str) -> str:
    return " ".join(text.split())


class Canary:
    """Records dialogs and the calls to alert/confirm/prompt of every page of a context."""

    def __init__(self, context):
        self.dialogs: list[str] = []
        context.add_init_script(CANARY)
        context.on("page", self.watch)
        for page in context.pages:
            self.watch(page)

    def watch(self, page) -> None:
        page.on("dialog", self.dismiss)

    def dismiss(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, page, where: str, *, audit: bool = True) -> None:
        page.wait_for_load_state("load")
        page.wait_for_timeout(400)  # Failed images fire their error events after load.
        fired = [call for frame in page.frames for call in frame.evaluate("window.__xss || []")]
        assert fired == [], f"script ran on {where}: {fired}"
        assert self.dialogs == [], f"dialog on {where}: {self.dialogs}"
        if audit:
            found = page.evaluate(AUDIT)
            assert found == [], f"dangerous markup on {where}: {found}"


# --- A question answered live ------------------------------------------------------------------


def test_a_reply_appears_live_on_the_askers_page_and_the_asker_accepts_it(live_site, browser):
    url, _mail_dir = live_site
    asker = browser.new_context(locale="en-GB")
    answerer = browser.new_context(locale="en-GB")
    page = sign_in(asker, url, ASKER)
    other = sign_in(answerer, url, ANSWERER)
    suffix = uuid.uuid4().hex[:6]
    title = f"Quelle grille d'entretien pour des soudeuses ? ({suffix})"
    reply = f"Nous notons les compétences, jamais la force physique supposée. ({suffix})"

    topic_url = ask_through_the_form(
        page, url, title=title, body="Nous recrutons trois soudeuses cette année."
    )
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_text("No reply yet.")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # Gone if the page ever reloads.

    other.goto(topic_url)
    expect(other.locator("h1")).to_have_text(title)
    reply_through_the_form(other, reply)

    # The asker's page, never reloaded, shows the reply as the socket announces it.
    live_reply = page.locator("#replies .post", has_text=reply)
    expect(live_reply).to_be_visible(timeout=10_000)
    expect(live_reply.locator(".byline")).to_have_text("Hugo Kerbrat")
    expect(page.get_by_text("No reply yet.")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true")

    live_reply.get_by_role("button", name="Accept this answer").click()

    accepted = page.locator("#replies .post", has_text=reply)
    expect(accepted.locator(".pill", has_text="Accepted answer")).to_be_visible()
    expect(accepted.get_by_role("button", name="Unmark accepted answer")).to_be_visible()
    expect(page.get_by_text("The answer is marked accepted.")).to_be_visible()
    expect(page.locator(".topic-facts")).to_contain_text("Answered")
    # The answerer's page, left open after replying, learns it live too.
    answered = other.locator("#replies .post", has_text=reply)
    expect(answered.locator(".pill", has_text="Accepted answer")).to_be_visible(timeout=10_000)

    asker.close()
    answerer.close()


# --- Script injection --------------------------------------------------------------------------


def test_script_injection_in_titles_bodies_tags_pseudonyms_and_replies_never_runs(
    live_site, browser, tmp_path
):
    url, _mail_dir = live_site
    blns = json.loads(DATA.read_text(encoding="utf-8"))["strings"]
    vectors = blns + CLASSIC
    titles = [normalised(v) for v in vectors if 3 <= len(normalised(v)) <= 200]
    short = list({normalised(v).lower(): normalised(v) for v in vectors}.values())
    short = [tag for tag in short if 3 <= len(tag) <= 40]
    pseudonyms = [
        "<script>alert(123)</script>",
        "<svg/onload=alert(1)>",
        '"><img src=x onerror=alert(1)>',
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    ]
    groups = chunks(vectors, 60)
    topics = []
    for index, group in enumerate(groups):
        topics.append(
            {
                "title": titles[index * 7],
                "body": f"{MARKER} {index}\n\n" + "\n\n".join(group),
                "tags": short[index * 10 : index * 10 + 10],
                "pseudonym": pseudonyms[index % len(pseudonyms)],
                "reply": f"{MARKER} reply\n\n" + "\n\n".join(reversed(group)),
            }
        )
    asker = browser.new_context(locale="en-GB")
    answerer = browser.new_context(locale="en-GB")
    anonymous = browser.new_context(locale="en-GB")
    canaries = [Canary(context) for context in (asker, answerer, anonymous)]
    page = sign_in(asker, url, ASKER)
    other = sign_in(answerer, url, ANSWERER)

    seeded = seed_topics(live_site, topics, tmp_path)
    assert len(seeded) == len(groups)

    # One topic through the form, and a reply arriving live on the asker's open page.
    form_title = "<script>alert('title')</script><img src=x onerror=alert('title')>"
    form_url = ask_through_the_form(
        page,
        url,
        title=form_title,
        body=f"{MARKER} form\n\n" + "\n\n".join(CLASSIC),
        tags='<svg/onload=alert(1)>, <b onmouseover=alert(1)>x</b>, "><script>alert(1)</script>',
        pseudonym="<img src=x onerror=alert(2)>",
    )
    canaries[0].check(page, "the new topic page")
    other.goto(form_url)
    canaries[1].check(other, "the topic page, before replying")
    live_reply = "<script>alert('live')</script>\n\n" + "\n\n".join(blns[:40])
    reply_through_the_form(other, live_reply)
    expect(page.locator("#replies .post")).to_have_count(1, timeout=10_000)
    canaries[0].check(page, "the topic page after a live reply")
    canaries[1].check(other, "the topic page after replying")

    # What the text looks like: the markup shows as text (or is stripped), never as elements.
    expect(page.locator("h1")).to_have_text(form_title)
    expect(page.locator(".byline-pseudonym").first).to_contain_text("<img src=x onerror=alert(2)>")
    expect(page.locator(".topic-facts .tag", has_text="<svg/onload=alert(1)>")).to_have_count(1)
    assert "<script>alert('live')</script>" in page.locator("#replies .post-body").inner_text()
    body = page.locator(".post-body").first.inner_text()
    assert "<svg/onload=alert(1)>" in body
    assert "[a](javascript:alert(1))" in body  # A javascript: link is not a link.
    assert "{{ 7*7 }} {% debug %}" in body  # Nor is a template evaluated.

    for topic_id, spec in zip(seeded, topics, strict=True):
        page.goto(f"{url}/forum/t/{topic_id}/")
        canaries[0].check(page, f"topic {topic_id}")
        expect(page.locator("h1")).to_have_text(spec["title"])
        expect(page.locator(".byline-pseudonym").first).to_contain_text(spec["pseudonym"])
        expect(page.locator("#replies .post")).to_have_count(1)
        for tag in spec["tags"]:
            expect(page.locator(".topic-facts .tag", has_text=tag).first).to_be_attached()
    page.goto(f"{url}/forum/t/{seeded[0]}/")
    first_body = page.locator(".post-body").first.inner_text()
    assert "<script>alert(123)</script>" in first_body
    assert "<img src=x onerror=alert(123) />" in first_body

    reflected, breakout = quote(REFLECTED), quote(BREAKOUT)
    pages = [
        (page, f"/forum/s/{SPACE}/"),
        (page, f"/forum/s/{SPACE}/?theme={breakout}&status={breakout}&kind={breakout}"),
        (page, f"/forum/?show={breakout}&spaces={breakout}"),
        (page, "/forum/"),
        (page, f"/spaces/{SPACE}/"),
        (page, f"/forum/search/?q={MARKER}"),
        (page, f"/forum/search/?q={reflected}"),
        (page, f"/forum/similar/?title={quote(MARKER + ' alert script')}"),
        (page, "/notifications/"),
        (page, "/me/"),
        (other, "/notifications/"),
        (anonymous.new_page(), f"/forum/t/{seeded[0]}/"),
        (anonymous.new_page(), f"/forum/s/{SPACE}/"),
        (anonymous.new_page(), f"/forum/search/?q={MARKER}"),
    ]
    for tab, path in pages:
        response = tab.goto(f"{url}{path}")
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        canary = canaries[[asker, answerer, anonymous].index(tab.context)]
        canary.check(tab, path)

    page.goto(f"{url}/forum/similar/?title={quote(MARKER + ' alert script')}")
    expect(page.locator("li a", has_text=form_title)).to_have_count(1)
    page.goto(f"{url}/forum/search/?q={MARKER}")
    results = page.locator("#search-results")
    expect(results.locator(".topic-row")).to_have_count(len(seeded) + 1)
    expect(results).to_contain_text("<script>alert(123)</script>")
    expect(page.locator("#search-q")).to_have_value(MARKER)
    page.goto(f"{url}/forum/search/?q={reflected}")
    expect(page.locator("#search-q")).to_have_value(REFLECTED)

    # The Atom feed: well-formed, the titles as text; opened in the browser, nothing runs.
    feed_url = f"{url}/forum/s/{SPACE}/feed/"
    feed = anonymous.request.get(feed_url)
    assert feed.ok
    root = ElementTree.fromstring(feed.body())  # noqa: S314 - our own server's feed
    atom = "{http://www.w3.org/2005/Atom}"
    feed_titles = {entry.findtext(f"{atom}title") for entry in root.iter(f"{atom}entry")}
    assert form_title in feed_titles
    assert {spec["title"] for spec in topics} <= feed_titles
    assert {spec["pseudonym"] for spec in topics} <= {
        entry.findtext(f"{atom}author/{atom}name") for entry in root.iter(f"{atom}entry")
    }
    feed_page = anonymous.new_page()
    feed_page.goto(feed_url)
    canaries[2].check(feed_page, "the feed", audit=False)
    assert feed_page.evaluate("document.querySelectorAll('script, iframe, img, svg').length") == 0

    for context in (asker, answerer, anonymous):
        context.close()


def test_a_search_with_a_double_quote_is_answered_and_its_words_shown_as_text(live_site, browser):
    url, _mail_dir = live_site
    context = browser.new_context(locale="en-GB")
    canary = Canary(context)
    page = context.new_page()

    for query in (BREAKOUT, 'say "hello', f'{MARKER} "'):
        response = page.goto(f"{url}/forum/search/?q={quote(query)}")

        assert response is not None and response.status == 200, f"{query!r}: {response.status}"
        canary.check(page, f"the search for {query!r}")
        expect(page.locator("#search-q")).to_have_value(query)

    context.close()


def test_suggestions_for_a_title_with_a_double_quote_are_answered(live_site, browser):
    """The new-topic form asks for them (htmx) at each key typed in the title."""
    url, _mail_dir = live_site
    context = browser.new_context(locale="en-GB")
    canary = Canary(context)
    page = context.new_page()

    for title in (BREAKOUT, 'Un "plan égalité'):
        response = page.goto(f"{url}/forum/similar/?title={quote(title)}")

        assert response is not None and response.status == 200, f"{title!r}: {response.status}"
        canary.check(page, f"the suggestions for {title!r}")

    context.close()
