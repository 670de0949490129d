"""Markdown to safe HTML, once, when a post is written.

CommonMark with raw HTML off, then nh3 (an allow-list sanitiser) on the result: even a rendering
bug cannot let a script through. Links get rel="nofollow noopener"; images are kept only when
they point at the forum's own uploads (served behind a permission check; any other source is
removed, leaving only the alt text's empty image); headings start at
level 3 so a post never competes with the page's outline. `@handle` becomes a link only for
the people the caller allows (the space's members): anyone else stays plain text, so a mention
reveals nothing about someone outside the space.
"""

import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

HANDLE = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"
_HANDLE_AT = re.compile(rf"@({HANDLE})(?![a-z0-9-])")
# /forum/images/<uuid>/ : the only image source a post may show.
_OWN_IMAGE = re.compile(
    r"^/forum/images/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$"
)

_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "class"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


@dataclass
class Rendered:
    html: str
    mentioned: set[str] = field(default_factory=set)  # handles that became links


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@" or state.linkLevel > 0:
        return False  # Not a mention, or inside a link's text (a link in a link breaks both).
    if state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] in "_-."):
        return False  # Part of an e-mail address or a word.
    match = _HANDLE_AT.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"handle": match.group(1)}
    state.pos = match.end()
    return True


def _heading(renderer, tokens, idx, options, env):
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + 2)
    return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)

    def render_mention(renderer, tokens, idx, options, env):
        handle = tokens[idx].meta["handle"]
        target = env.get("mentionable", {}).get(handle)
        if target is None:
            return f"@{handle}"
        env.setdefault("mentioned", set()).add(handle)
        url, name = target
        return f'<a class="mention" href="{escape(url)}">@{escape(name)}</a>'

    md.add_render_rule("mention", render_mention)
    return md


def escape(text: str) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href" and value.lstrip().startswith(("//", "\\")):
        return None  # Protocol-relative: another site, dressed as a link of ours.
    if tag == "img" and attribute == "src":
        return value if _OWN_IMAGE.match(value) else None
    if tag == "a" and attribute == "class":
        return value if value == "mention" else None
    return value


_MD = _parser()

# Chat: a subset for short messages. Line breaks kept, no headings, tables, images or rules.
_BLOCKS_NOT_IN_CHAT = "h3 h4 h5 h6 hr table thead tbody tr th td img"
_CHAT_TAGS = _TAGS - set(_BLOCKS_NOT_IN_CHAT.split())


def _chat_parser() -> MarkdownIt:
    md = _parser()
    md.options["breaks"] = True
    md.disable(["heading", "lheading", "table", "image", "hr", "html_block", "html_inline"])
    return md


_CHAT_MD = _chat_parser()


def mentioned_handles(text: str) -> set[str]:
    """Every `@handle` a text names, whether or not it can become a mention."""
    return {match.group(1) for match in _HANDLE_AT.finditer(text or "")}


def render(text: str, *, mentionable: dict[str, tuple[str, str]] | None = None) -> Rendered:
    """`mentionable` maps a handle to (profile URL, display name) for those who may be named."""
    return _render(_MD, _TAGS, text, mentionable)


def render_chat(text: str, *, mentionable: dict[str, tuple[str, str]] | None = None) -> Rendered:
    """A chat message: the same rules as a post, with the chat's smaller set of elements."""
    return _render(_CHAT_MD, _CHAT_TAGS, text, mentionable)


def _render(md: MarkdownIt, tags: set[str], text: str, mentionable) -> Rendered:
    env = {"mentionable": mentionable or {}}
    raw = md.render(text or "", env)
    html = nh3.clean(
        raw,
        tags=tags,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return Rendered(html=html, mentioned=set(env.get("mentioned", set())))


def excerpt(text: str, length: int = 180) -> str:
    """Plain text for lists, search results and feeds: markup signs dropped, not rendered."""
    plain = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text or "")
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", plain)
    plain = re.sub(r"[#>*_`~|]+", " ", plain)
    plain = " ".join(plain.split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"
