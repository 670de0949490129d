"""Markdown to safe HTML: no raw HTML, no script, no foreign image, links that give nothing away."""

import re
from html.parser import HTMLParser

import pytest

from forum.markdown import excerpt, mentioned_handles, render

IMAGE = "/forum/images/12345678-1234-4234-8234-123456789abc/"
CLAIRE = {"claire-martin": ("/members/7/", "Claire Martin")}


def html(text: str, **kwargs) -> str:
    return render(text, **kwargs).html


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

    def attribute_values(self) -> list[str]:
        return [value for _tag, attrs in self.tags for value in attrs.values()]


def scheme_of(url: str) -> str:
    """The scheme a browser would read (it ignores whitespace and control characters)."""
    squeezed = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    head = squeezed.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    scheme = head.split(":", 1)[0] if ":" in head else ""
    # Not a valid scheme (e.g. "java%0ascript"): the browser reads a relative path.
    return scheme if re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) else ""


def assert_harmless(output: str) -> None:
    """No script element, no event handler, no script URL anywhere in the markup.

    Text may still *say* `onerror=` or `javascript:` once escaped (a post quoting an attack
    shows it as text, `&lt;img onerror=…&gt;`): what matters is that no element, attribute
    name or URL carries it.
    """
    assert "<script" not in output.lower()
    markup = Markup(output)
    for tag, attrs in markup.tags:
        assert tag not in {"script", "svg", "iframe", "object", "embed", "style", "form", "math"}
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs
        for name in ("href", "src"):
            if name in attrs:
                assert scheme_of(attrs[name]) in {"", "http", "https", "mailto"}, attrs
    names_only = "".join(f"<{tag} {' '.join(attrs)}>" for tag, attrs in markup.tags).lower()
    for word in ("onerror", "onload", "javascript:", "<script"):
        assert word not in names_only


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    '![x](/forum/images/x/" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[x](https://example.org "title" onmouseover=alert(1))',
    '[x]("onmouseover=alert(1))',
    "<!--><script>alert(1)</script>-->",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "`<script>alert(1)</script>`",
    "```\n<img src=x onerror=alert(1)>\n```",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "> <img src=x onerror=alert(1)>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
]


@pytest.mark.parametrize("attack", XSS)
def test_a_classic_xss_vector_comes_out_harmless(attack):
    assert_harmless(html(attack))


@pytest.mark.parametrize("attack", XSS)
def test_an_attack_in_a_mentioned_name_or_url_comes_out_harmless(attack):
    people = {"eve": (f'/members/1/" onclick="{attack}', attack)}
    assert_harmless(html("Bonjour @eve", mentionable=people))


def test_raw_html_is_escaped_as_text():
    assert html("<b>gras</b> et <i>italique</i>") == (
        "<p>&lt;b&gt;gras&lt;/b&gt; et &lt;i&gt;italique&lt;/i&gt;</p>\n"
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html("<script>alert(1)</script>")


def test_markdown_itself_renders():
    out = html("**gras** *italique* `code`\n\n> cité\n\n1. un\n2. deux\n\n---")
    for piece in ("<strong>gras</strong>", "<em>italique</em>", "<code>code</code>"):
        assert piece in out
    for tag in ("<blockquote>", "<ol>", "<li>un</li>", "<hr>"):
        assert tag in out
    assert "<table>" in html("| a | b |\n|---|---|\n| 1 | 2 |")


def test_strikethrough_is_kept():
    assert "barré" in html("~~barré~~")
    assert "<del>barré</del>" in html("~~barré~~") or "<s>barré</s>" in html("~~barré~~")


def test_links_get_nofollow_noopener_and_script_links_lose_their_href():
    out = html("[guide](https://www.egapro.travail.gouv.fr/)")
    assert out == (
        '<p><a href="https://www.egapro.travail.gouv.fr/" rel="nofollow noopener">guide</a></p>\n'
    )
    assert 'rel="nofollow noopener"' in html("<https://example.org>")
    assert 'rel="nofollow noopener"' in html("[écrire](mailto:contact@example.org)")
    assert "href" not in html("[x](javascript:alert(1))")
    assert 'rel="nofollow noopener"' in html('[x](https://example.org "t")')
    forced = Markup(html('[x](https://example.org "t")')).tags
    assert forced[1][1]["rel"] == "nofollow noopener"


def test_only_the_forums_own_images_are_kept():
    assert html(f"![schéma]({IMAGE})") == f'<p><img src="{IMAGE}" alt="schéma"></p>\n'
    for foreign in (
        "https://evil.example/pixel.png",
        "//evil.example/pixel.png",
        "http://localhost/forum/images/12345678-1234-4234-8234-123456789abc/",
        "/media/forum/12345678-1234-4234-8234-123456789abc.png",
        f"{IMAGE}?track=1",
        "/forum/images/not-a-uuid/",
        "data:image/png;base64,iVBORw0KGgo=",
    ):
        out = html(f"![pixel]({foreign})")
        assert "src=" not in out, foreign
        assert "evil.example" not in out


def test_headings_start_at_level_three():
    out = html("# Un\n## Deux\n### Trois\n#### Quatre\n##### Cinq\n###### Six")
    assert out == (
        "<h3>Un</h3>\n<h4>Deux</h4>\n<h5>Trois</h5>\n<h6>Quatre</h6>\n<h6>Cinq</h6>\n<h6>Six</h6>\n"
    )
    assert "<h1" not in out and "<h2" not in out


def test_a_mention_of_an_allowed_member_links_to_their_profile():
    rendered = render("Merci @claire-martin !", mentionable=CLAIRE)
    assert 'class="mention"' in rendered.html
    assert 'href="/members/7/"' in rendered.html
    assert ">@Claire Martin</a>" in rendered.html
    assert rendered.mentioned == {"claire-martin"}


def test_a_mention_of_anyone_else_stays_plain_text():
    rendered = render("Merci @inconnue et @claire-martin", mentionable={})
    assert rendered.html == "<p>Merci @inconnue et @claire-martin</p>\n"
    assert rendered.mentioned == set()


def test_mentions_are_not_read_in_addresses_or_code():
    rendered = render(
        "Écrire à contact@claire-martin.fr ou `@claire-martin`\n\n    @claire-martin",
        mentionable=CLAIRE,
    )
    assert 'class="mention"' not in rendered.html
    assert rendered.mentioned == set()


def test_a_mention_inside_a_links_text_keeps_the_link_whole():
    """A link's text that names someone must not become a second link nested in the first:
    the author's link would be emptied and the mention would jump out of it."""
    out = html("Voir [@claire-martin](https://example.org)", mentionable=CLAIRE)
    assert '<a href="https://example.org" rel="nofollow noopener"></a>' not in out
    links = [attrs["href"] for tag, attrs in Markup(out).tags if tag == "a"]
    assert links == ["https://example.org"]


def test_a_mentioned_name_is_escaped():
    people = {"eve": ("/members/1/", "<b>Ève</b> & co")}
    out = html("@eve", mentionable=people)
    assert "&lt;b&gt;Ève&lt;/b&gt; &amp; co" in out
    assert "<b>" not in out


def test_mentioned_handles_reads_every_at_handle():
    assert mentioned_handles("@claire-martin et @yasmine, pas a@b.c") >= {
        "claire-martin",
        "yasmine",
    }
    assert mentioned_handles("") == set()


def test_an_excerpt_is_plain_text_and_short():
    assert excerpt("# Titre\n\n**gras** et [lien](https://x.org) ![img](/a.png)") == (
        "Titre gras et lien"
    )
    long = excerpt("mot " * 100, 20)
    assert len(long) == 20
    assert long.endswith("…")
