"""A chat message's markdown: the small subset, no raw HTML, no script, links that give nothing
away."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forum.markdown import render_chat

CLAIRE = {"claire-martin": ("/members/7/", "Claire Martin")}
BLNS = json.loads(
    (Path(__file__).parent.parent / "data" / "blns_script_injection.json").read_text()
)["strings"]
ALLOWED = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
}


def html(text: str, **kwargs) -> str:
    return render_chat(text, **kwargs).html


class Markup(HTMLParser):
    """The elements and attributes a piece of HTML really holds (text left aside)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag

    def names(self) -> set[str]:
        return {tag for tag, _attrs in self.tags}


def scheme_of(url: str) -> str:
    """The scheme a browser would read (it ignores whitespace and control characters)."""
    squeezed = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    head = squeezed.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    scheme = head.split(":", 1)[0] if ":" in head else ""
    return scheme if re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) else ""


def assert_harmless(output: str) -> None:
    """Only the chat's elements, no event handler, no style, no script URL in the markup."""
    assert "<script" not in output.lower()
    for tag, attrs in Markup(output).tags:
        assert tag in ALLOWED, (tag, output)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs
        assert "src" not in attrs
        if "href" in attrs:
            assert scheme_of(attrs["href"]) in {"", "http", "https", "mailto"}, attrs
            assert attrs.get("rel") == "nofollow noopener", attrs


def test_a_script_is_shown_as_text_never_run():
    output = html("<script>alert(1)</script>")

    assert output.strip() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert_harmless(output)


def test_an_image_with_an_error_handler_is_shown_as_text():
    output = html('<img src=x onerror="alert(1)">')

    assert "img" not in Markup(output).names()
    assert_harmless(output)


@pytest.mark.parametrize(
    "link",
    [
        "[cliquez](javascript:alert(1))",
        "[cliquez](JaVaScRiPt:alert(1))",
        "[cliquez](java\tscript:alert(1))",
        "[cliquez](vbscript:msgbox(1))",
        "[cliquez](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[cliquez][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_a_script_link_is_neutralised(link):
    output = html(link)

    assert_harmless(output)
    assert not [attrs for _tag, attrs in Markup(output).tags if "href" in attrs]


def test_links_get_nofollow_noopener():
    output = html("Voir [le guide](https://example.org/guide) et <https://example.org>")

    links = [attrs for tag, attrs in Markup(output).tags if tag == "a"]
    assert links == [
        {"href": "https://example.org/guide", "rel": "nofollow noopener"},
        {"href": "https://example.org", "rel": "nofollow noopener"},
    ]


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("# Titre", {"h1", "h2", "h3", "h4", "h5", "h6"}),
        ("Titre\n=====", {"h1", "h2", "h3"}),
        ("![logo](https://example.org/logo.png)", {"img"}),
        ("![photo](/forum/images/12345678-1234-4234-8234-123456789abc/)", {"img"}),
        ("| a | b |\n|---|---|\n| 1 | 2 |", {"table", "tr", "td", "th"}),
        ("avant\n\n---\n\naprès", {"hr"}),
    ],
    ids=["heading", "setext-heading", "image", "own-image", "table", "rule"],
)
def test_headings_images_tables_and_rules_are_not_rendered(text, absent):
    output = html(text)

    assert not (Markup(output).names() & absent), output
    assert_harmless(output)


def test_line_breaks_are_kept():
    output = html("Première ligne\nDeuxième ligne")

    assert output.strip() == "<p>Première ligne<br>\nDeuxième ligne</p>"


def test_the_subset_renders_emphasis_code_lists_and_quotes():
    output = html("> cité\n\n- un\n- deux\n\n1. premier\n\n`code` *em* **fort** ~~barré~~")

    assert {"blockquote", "ul", "ol", "li", "code", "em", "strong"} <= Markup(output).names()
    assert Markup(output).names() & {"del", "s"}
    assert_harmless(output)


def test_a_mention_links_only_the_handles_allowed():
    rendered = render_chat("@claire-martin et @someone-else", mentionable=CLAIRE)

    assert rendered.mentioned == {"claire-martin"}
    assert '<a class="mention" href="/members/7/"' in rendered.html
    assert "@someone-else" in rendered.html
    assert rendered.html.count("<a") == 1


def test_a_display_name_with_markup_is_escaped_in_a_mention():
    evil = {"claire-martin": ("/members/7/", '<img src=x onerror=alert(1)>"')}

    output = html("@claire-martin", mentionable=evil)

    assert "img" not in Markup(output).names()
    assert_harmless(output)


@pytest.mark.parametrize("text", BLNS, ids=[f"blns-{index}" for index in range(len(BLNS))])
def test_the_naughty_script_injection_strings_come_out_harmless(text):
    assert_harmless(html(text, mentionable=CLAIRE))
