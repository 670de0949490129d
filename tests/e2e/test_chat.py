"""The chat in a real browser: two members talking live in their space's room, a member who
drops offline and catches up without reloading, a message written offline that waits and is
delivered, and markup in a message that never runs.

Both members are demo accounts (`live_site`) who share the space below.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forum import sign_in

pytestmark = pytest.mark.e2e

SPACE = "recruter-sans-stereotypes"
WRITER = "maelle.legoff@demo.egalite.example"
READER = "hugo.kerbrat@demo.egalite.example"
WAIT = 15_000

CANARY = """
window.__xss = [];
window.alert = function (message) { window.__xss.push("alert: " + String(message)); };
"""


def open_room(page, url: str) -> str:
    page.goto(f"{url}/chat/space/{SPACE}/")
    expect(page).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(page.locator("[data-chat-room]")).to_be_attached()
    # The socket is open and the room followed once the typing box is wired: wait for the hello.
    page.wait_for_function("window.platformSocket && window.platformSocket.status === 'open'")
    return page.url


def write(page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def confirmed(page, text: str):
    """The message shown as stored (it has its number), not a pending copy."""
    return page.locator("#chat-messages li.chat-msg[data-seq]:not([data-pending])", has_text=text)


def bodies(page, marker: str) -> list[str]:
    return [
        " ".join(text.split())
        for text in page.locator("#chat-messages li.chat-msg .chat-body").all_inner_texts()
        if marker in text
    ]


def go_offline(context, page) -> None:
    context.set_offline(True)
    expect(page.locator("[data-socket-status]")).to_contain_text("Reconnecting", timeout=WAIT)
    page.wait_for_function("window.platformSocket.status !== 'open'")


def go_online(context, page) -> None:
    context.set_offline(False)
    page.wait_for_function("window.platformSocket.status === 'open'", timeout=WAIT)


def test_two_members_chat_live_and_one_catches_up_after_being_offline(live_site, browser):
    url, _mail_dir = live_site
    writer_context = browser.new_context(locale="en-GB")
    reader_context = browser.new_context(locale="en-GB")
    writer = sign_in(writer_context, url, WRITER)
    reader = sign_in(reader_context, url, READER)
    suffix = uuid.uuid4().hex[:6]

    room_url = open_room(writer, url)
    assert open_room(reader, url) == room_url
    reader.evaluate("window.__sameDocument = true")  # Gone if the page ever reloads.

    # Live: the reader sees the message as the writer sends it, the writer sees it stored.
    hello = f"Bonjour Hugo, tu as vu la nouvelle grille ? ({suffix})"
    write(writer, hello)
    expect(confirmed(writer, hello)).to_have_count(1, timeout=WAIT)
    expect(confirmed(reader, hello)).to_have_count(1, timeout=WAIT)
    expect(reader.locator(".chat-sender", has_text="Maëlle Le Goff").last).to_be_visible()

    # The reader drops offline; five messages are written meanwhile.
    go_offline(reader_context, reader)
    batch = [f"Point {number} de la grille ({suffix})" for number in range(1, 6)]
    for text in batch:
        write(writer, text)
        expect(confirmed(writer, text)).to_have_count(1, timeout=WAIT)
    assert bodies(reader, f"de la grille ({suffix})") == []

    # Back online without reloading: all five, once each, in order.
    go_online(reader_context, reader)
    expect(confirmed(reader, batch[-1])).to_have_count(1, timeout=WAIT)
    assert bodies(reader, f"de la grille ({suffix})") == batch
    seqs = [
        int(s)
        for s in reader.locator("#chat-messages li[data-seq]").evaluate_all(
            "items => items.map(item => item.dataset.seq)"
        )
    ]
    assert seqs == sorted(set(seqs))
    assert reader.evaluate("window.__sameDocument === true")

    # The writer goes offline and writes: the message waits, marked, and is delivered later.
    go_offline(writer_context, writer)
    late = f"Écrit dans le train, sans réseau ({suffix})"
    write(writer, late)
    pending = writer.locator("#chat-messages li.is-pending", has_text=late)
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("Sending…")
    go_online(writer_context, writer)
    expect(confirmed(writer, late)).to_have_count(1, timeout=WAIT)
    expect(writer.locator("#chat-messages li.is-pending")).to_have_count(0)
    expect(confirmed(reader, late)).to_have_count(1, timeout=WAIT)
    assert bodies(reader, late) == [late]
    assert bodies(writer, late) == [late]

    writer_context.close()
    reader_context.close()


def test_markup_in_a_chat_message_never_runs(live_site, browser):
    url, _mail_dir = live_site
    writer_context = browser.new_context(locale="en-GB")
    reader_context = browser.new_context(locale="en-GB")
    for context in (writer_context, reader_context):
        context.add_init_script(CANARY)
    writer = sign_in(writer_context, url, WRITER)
    reader = sign_in(reader_context, url, READER)
    open_room(writer, url)
    open_room(reader, url)
    suffix = uuid.uuid4().hex[:6]
    attack = (
        f"<img src=x onerror=\"window.__pwned='img'\"> <script>window.__pwned='script'</script> "
        f"<svg/onload=alert(1)> [x](javascript:alert(2)) ({suffix})"
    )
    write(writer, attack)
    expect(confirmed(reader, suffix)).to_have_count(1, timeout=WAIT)
    expect(confirmed(writer, suffix)).to_have_count(1, timeout=WAIT)
    for page in (writer, reader):
        page.wait_for_timeout(400)  # Failed images fire their error events a little later.
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("window.__xss") == []
        body = confirmed(page, suffix).locator(".chat-body")
        assert body.locator("img, script, svg").count() == 0
        assert "<script>" in body.inner_text()

    # The same message rendered by the server.
    reader.reload()
    expect(confirmed(reader, suffix)).to_have_count(1)
    reader.wait_for_timeout(400)
    assert reader.evaluate("window.__pwned") is None
    assert reader.evaluate("window.__xss") == []

    writer_context.close()
    reader_context.close()
