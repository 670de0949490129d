"""A library item as a PDF, built with reportlab's platypus from the item's structured fields.

The PDF is the same for every reader (it may be forwarded): it shows only what a visitor sees,
so contacts are not named (a visitor's page does not name them either: their profiles are for
members) — the PDF sends the reader to the sheet on the platform — and a private document is
listed without naming its space.

Text goes through two filters before reportlab sees it:

- rich text is parsed (`_RichText`) and rebuilt from its text, keeping only bold, italics,
  line breaks and lists: reportlab's paragraph markup is XML, and anything else a contributor
  typed must not reach it as markup;
- reportlab's built-in Helvetica is encoded in Windows-1252, which holds French and most
  Western European letters (é à ç œ Œ « » ’ €); a letter outside it is replaced by its
  unaccented form when it has one (ș → s), so that a Romanian name does not print as a box.
"""

import re
import unicodedata
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from community.library.documents import visible_documents
from community.library.embeds import parse_video_url
from community.library.models import LibraryItem

INK = colors.HexColor("#1f1a2e")
MUTED = colors.HexColor("#4f4a5e")
BRAND = colors.HexColor("#4b2a7b")
LINE = colors.HexColor("#d9d3e6")
SOFT = colors.HexColor("#f5f2fa")

MARGIN = 18 * mm


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=10, leading=14, textColor=INK, spaceAfter=5
    )
    return {
        "body": body,
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=20,
            leading=24,
            textColor=BRAND,
            spaceAfter=6,
        ),
        "meta": ParagraphStyle("meta", parent=body, fontSize=9, leading=12, textColor=MUTED),
        "lead": ParagraphStyle(
            "lead", parent=body, fontName="Helvetica-Oblique", fontSize=11.5, leading=16
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=13,
            leading=16,
            textColor=BRAND,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=10.5,
            spaceAfter=2,
            keepWithNext=1,
        ),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3),
        "cell": ParagraphStyle("cell", parent=body, spaceAfter=0),
    }


# --- Text ---------------------------------------------------------------------------------------


def _encodable(text: str) -> str:
    """`text` with every letter Helvetica's Windows-1252 lacks replaced by its base letter."""
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            base = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(part)
            )
            try:
                base.encode("cp1252")
            except UnicodeEncodeError:
                base = ""
            char = base or "?"
        out.append(char)
    return "".join(out)


def figure(value: Decimal) -> str:
    """An indicator's value as people write it: 120, 37.5 (37,5 in French), 1,200."""
    exact = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(exact, use_l10n=True, force_grouping=True)


def text(value) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(_encodable(str(value or "").strip())).replace("\n", "<br/>")


class _RichText(HTMLParser):
    """Rich text (Wagtail's stored HTML) as blocks of safe paragraph markup.

    Each block is (markup, bullet): bullet is "" for a paragraph, "•" or "3." for a list item.
    Only b/strong, i/em and br survive, always balanced; every other tag is dropped and its
    text kept (but for script and style, dropped whole).
    """

    INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i"}
    SKIPPED = {"script", "style", "template"}  # their content is not text
    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, int]] = []
        self.parts: list[str] = []
        self.open: list[str] = []
        self.lists: list[list] = []  # [kind, counter] per open list
        self.bullet = ""
        self.skipping = 0

    def _flush(self):
        while self.open:
            self.parts.append(f"</{self.open.pop()}>")
        markup = "".join(self.parts).strip()
        while markup.startswith("<br/>"):
            markup = markup[5:].lstrip()
        if markup and markup not in ("<b></b>", "<i></i>"):
            self.blocks.append((markup, self.bullet, len(self.lists)))
        self.parts = []
        self.bullet = ""

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._flush()
            if tag == "li" and self.lists:
                kind = self.lists[-1]
                kind[1] += 1
                self.bullet = f"{kind[1]}." if kind[0] == "ol" else "•"
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag == "br":
            self.parts.append("<br/>")
        elif tag in self.INLINE:
            name = self.INLINE[tag]
            self.open.append(name)
            self.parts.append(f"<{name}>")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self._flush()
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in self.INLINE:
            name = self.INLINE[tag]
            if name in self.open:
                # Close what opened inside it, then it: reportlab wants them nested.
                while self.open:
                    closing = self.open.pop()
                    self.parts.append(f"</{closing}>")
                    if closing == name:
                        break

    def handle_data(self, data):
        if self.skipping:
            return
        # Runs of white space read as one space, kept at the edges: "Un <b>gras</b>".
        self.parts.append(escape(_encodable(re.sub(r"\s+", " ", data))))

    def close(self):
        super().close()
        self._flush()


def rich_text(html: str, styles) -> list:
    """Flowables for a rich text field: paragraphs and list items."""
    parser = _RichText()
    parser.feed(html or "")
    parser.close()
    flowables = []
    for markup, bullet, depth in parser.blocks:
        if bullet:
            style = ParagraphStyle(
                f"bullet{depth}",
                parent=styles["bullet"],
                leftIndent=14 * max(depth, 1),
                bulletIndent=14 * max(depth, 1) - 11,
            )
            flowables.append(Paragraph(markup, style, bulletText=bullet))
        else:
            flowables.append(Paragraph(markup, styles["body"]))
    return flowables


# --- Building blocks ----------------------------------------------------------------------------


def _section(title: str, flowables: list, styles) -> list:
    return [Paragraph(text(title), styles["h2"]), *flowables] if flowables else []


def _facts_table(rows: list[tuple[str, str]], styles) -> list:
    rows = [(label, value) for label, value in rows if value]
    if not rows:
        return []
    data = [
        [Paragraph(f"<b>{text(label)}</b>", styles["cell"]), Paragraph(text(value), styles["cell"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[45 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), SOFT),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [table, Spacer(1, 4 * mm)]


def _item_facts(page) -> list[tuple[str, str]]:
    territory = ", ".join(part for part in (page.get_country_display(), page.region) if part)
    return [
        (_("Territory"), territory),
        (_("Sectors"), ", ".join(str(sector.label) for sector in page.sectors.all())),
        (_("Themes"), ", ".join(str(theme.label) for theme in page.themes.all())),
        (_("Type of actor"), page.get_actor_type_display() if page.actor_type else ""),
    ]


def _header(page, styles) -> list:
    return [
        Paragraph(text(page.get_kind_display()), styles["meta"]),
        Paragraph(text(page.title), styles["title"]),
        Paragraph(text(page.summary), styles["lead"]),
        Spacer(1, 3 * mm),
    ]


def _document_lines(documents, styles) -> list:
    """A visitor's view of the documents: title, type and size, or "members only"."""
    lines = []
    for document, may_open, _space in visible_documents(AnonymousUser(), documents):
        details = [(document.file_extension or "").upper()]
        if document.file_size:
            details.append(filesizeformat(document.file_size))
        if not may_open:
            details.append(_("for members only"))
        described = ", ".join(part for part in details if part)
        lines.append(
            Paragraph(
                f"{text(document.title)} <font color='#4f4a5e'>({text(described)})</font>",
                styles["bullet"],
                bulletText="•",
            )
        )
    return lines


# --- Each kind ----------------------------------------------------------------------------------


def _sheet(page, styles) -> list:
    story = _header(page, styles)
    story += _facts_table([*_item_facts(page), (_("Period"), page.period_label)], styles)
    story += _section(_("Observation"), rich_text(page.observation, styles), styles)

    steps = []
    for number, step in enumerate(page.steps.all(), start=1):
        steps.append(Paragraph(f"{number}. {text(step.title)}", styles["h3"]))
        if step.description:
            steps.append(Paragraph(text(step.description), styles["body"]))
    story += _section(_("What was done"), steps, styles)
    story += _section(_("Objectives"), rich_text(page.objectives, styles), styles)

    obstacles = []
    for obstacle in page.obstacles.all():
        obstacles.append(Paragraph(text(obstacle.obstacle), styles["h3"]))
        if obstacle.response:
            obstacles.append(Paragraph(text(obstacle.response), styles["body"]))
    story += _section(_("Obstacles and how they were handled"), obstacles, styles)

    stakeholders = [
        Paragraph(
            f"<b>{text(s.display_name)}</b>" + (f" – {text(s.role)}" if s.role else ""),
            styles["bullet"],
            bulletText="•",
        )
        for s in page.stakeholders.select_related("organisation")
    ]
    story += _section(_("Stakeholders"), stakeholders, styles)

    indicators = list(page.indicators.all())
    if indicators:
        data = [
            [
                Paragraph(text(indicator.label), styles["cell"]),
                Paragraph(
                    f"<b>{text(figure(indicator.value))}</b> {text(indicator.unit)}",
                    styles["cell"],
                ),
            ]
            for indicator in indicators
        ]
        table = Table(
            [
                [
                    Paragraph(f"<b>{text(_('Indicator'))}</b>", styles["cell"]),
                    Paragraph(f"<b>{text(_('Value'))}</b>", styles["cell"]),
                ],
                *data,
            ],
            colWidths=[110 * mm, None],
            hAlign="LEFT",
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SOFT),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += _section(_("Indicators"), [table], styles)

    results = []
    for title, html in (
        (_("Results"), page.results),
        (_("Lessons"), page.lessons),
        (_("What did not work"), page.did_not_work),
    ):
        flowables = rich_text(html, styles)
        if flowables:
            results += [Paragraph(text(title), styles["h3"]), *flowables]
    story += _section(_("Results and lessons"), results, styles)

    if page.contacts.exists():
        story += _section(
            _("Contacts"),
            [
                Paragraph(
                    text(
                        _(
                            "Members of the platform can reach the people behind this "
                            "practice from the sheet online."
                        )
                    ),
                    styles["body"],
                )
            ],
            styles,
        )
    story += _section(
        _("Documents"),
        _document_lines(
            [link.document for link in page.documents.select_related("document")], styles
        ),
        styles,
    )
    story += _section(
        _("Videos"),
        [
            Paragraph(f"{text(video.title)}: {text(video.url)}", styles["bullet"], bulletText="•")
            for video in page.videos.all()
        ],
        styles,
    )
    return story


def _interview(page, styles) -> list:
    story = _header(page, styles)
    person = page.person_name + (f", {page.person_role}" if page.person_role else "")
    story += _facts_table(
        [
            (_("Person interviewed"), person),
            (_("Organisation"), page.organisation_display),
            (_("Date"), date_format(page.interview_date) if page.interview_date else ""),
            *_item_facts(page),
        ],
        styles,
    )
    answers = []
    for block in page.questions:
        if block.block_type != "qa":
            continue
        answers.append(Paragraph(text(block.value["question"]), styles["h3"]))
        answers += rich_text(block.value["answer"].source, styles)
    story += _section(_("Questions and answers"), answers, styles)
    embed = parse_video_url(page.media_url) if page.media_url else None
    if embed:
        story += _section(
            _("Recording"), [Paragraph(text(embed.watch_url), styles["body"])], styles
        )
    story += _section(_("Transcript"), rich_text(page.transcript, styles), styles)
    return story


def _video(page, styles) -> list:
    story = _header(page, styles)
    embed = parse_video_url(page.video_url) if page.video_url else None
    story += _facts_table(
        [
            (_("Duration"), page.duration_label),
            (_("Watch"), embed.watch_url if embed else ""),
            *_item_facts(page),
        ],
        styles,
    )
    story += _section(_("Transcript"), rich_text(page.transcript, styles), styles)
    return story


def _toolbox(page, styles) -> list:
    story = _header(page, styles)
    story += _facts_table(
        [
            (_("Kind of tool"), page.get_tool_kind_display()),
            (_("For whom"), page.audience),
            *_item_facts(page),
        ],
        styles,
    )
    story += _section(_("Description"), rich_text(page.description, styles), styles)
    links = list(page.tool_documents.select_related("document"))
    story += _section(
        _("Documents"), _document_lines([link.document for link in links], styles), styles
    )
    return story


_KINDS = {
    LibraryItem.Kind.SHEET: _sheet,
    LibraryItem.Kind.INTERVIEW: _interview,
    LibraryItem.Kind.VIDEO: _video,
    LibraryItem.Kind.TOOLBOX: _toolbox,
}


def item_pdf(page, *, url: str) -> bytes:
    """The PDF of a live item (`page`, specific); `url` is printed in every page's footer."""
    styles = _styles()
    story = _KINDS[page.kind](page, styles)
    footer_url = _encodable(url)
    page_label = _("Page %(number)s")

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(LINE)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.drawString(MARGIN, 10 * mm, footer_url)
        canvas.drawRightString(
            A4[0] - MARGIN, 10 * mm, _encodable(page_label % {"number": document.page})
        )
        canvas.restoreState()

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=page.title,
        author=_("Égalité Pro Clusters"),
        subject=page.summary,
        lang=get_language() or settings.LANGUAGE_CODE,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
