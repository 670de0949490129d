"""A cohort's certificate of completion, as a PDF (reportlab's platypus, as the library's PDFs).

It names the person, the programme, its dates and the sessions she attended (dates in the
session's own zone, as they were announced). Text goes through the library's `text()` filter:
escaped for reportlab's markup and reduced to what Helvetica's Windows-1252 can print.
Who may download it is decided by the view (`views.cohorts`): the member herself and the
programme's coordinators.
"""

from io import BytesIO

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from community.library.pdf import BRAND, INK, LINE, MUTED, SOFT, text
from events.timezones import utc_to_local
from mentorship.models import CohortSession, Enrolment

MARGIN = 22 * mm


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=11, leading=15, textColor=INK, spaceAfter=6
    )
    return {
        "body": body,
        "kicker": ParagraphStyle(
            "kicker", parent=body, fontSize=10, textColor=MUTED, alignment=1, spaceAfter=2
        ),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=24,
            leading=30,
            textColor=BRAND,
            alignment=1,
            spaceAfter=10,
        ),
        "name": ParagraphStyle(
            "name", parent=body, fontName="Helvetica-Bold", fontSize=20, leading=26, alignment=1
        ),
        "centre": ParagraphStyle("centre", parent=body, alignment=1),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=13,
            leading=16,
            textColor=BRAND,
            spaceBefore=10,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=10, leading=13, spaceAfter=0),
        "meta": ParagraphStyle("meta", parent=body, fontSize=9, leading=12, textColor=MUTED),
    }


def certificate_pdf(
    *, enrolment: Enrolment, name: str, sessions: list[CohortSession], url: str
) -> bytes:
    """The certificate of a completed `enrolment`; `sessions` are those she attended."""
    programme = enrolment.programme
    styles = _styles()
    dates = _("from %(start)s to %(end)s") % {
        "start": date_format(programme.starts_on, "j F Y"),
        "end": date_format(programme.ends_on, "j F Y"),
    }
    story = [
        Spacer(1, 10 * mm),
        Paragraph(text(_("Égalité Pro Clusters")), styles["kicker"]),
        Paragraph(text(_("Certificate of completion")), styles["title"]),
        Paragraph(text(_("This certifies that")), styles["centre"]),
        Paragraph(text(name), styles["name"]),
        Paragraph(
            text(
                _(
                    "completed the programme “%(programme)s”, held %(dates)s, attending %(count)s "
                    "session(s)."
                )
                % {"programme": programme.title, "dates": dates, "count": len(sessions)}
            ),
            styles["centre"],
        ),
    ]
    if enrolment.completed_at:
        story.append(
            Paragraph(
                text(
                    _("Completed on %(date)s.")
                    % {"date": date_format(enrolment.completed_at, "j F Y")}
                ),
                styles["centre"],
            )
        )
    if sessions:
        rows = [
            [
                Paragraph(f"<b>{text(_('Date'))}</b>", styles["cell"]),
                Paragraph(f"<b>{text(_('Session'))}</b>", styles["cell"]),
            ]
        ]
        for session in sessions:
            local = utc_to_local(session.starts_at, session.time_zone)
            rows.append(
                [
                    Paragraph(text(date_format(local, "j F Y")), styles["cell"]),
                    Paragraph(
                        text(f"{session.title} ({session.get_kind_display()})"), styles["cell"]
                    ),
                ]
            )
        table = Table(rows, colWidths=[40 * mm, None], hAlign="LEFT", repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SOFT),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [
            Spacer(1, 6 * mm),
            Paragraph(text(_("Sessions attended")), styles["h2"]),
            table,
        ]
    story += [Spacer(1, 8 * mm), Paragraph(text(url), styles["meta"])]

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Certificate of completion") + f" · {programme.title}",
        author=_("Égalité Pro Clusters"),
        lang=get_language() or settings.LANGUAGE_CODE,
    )
    document.build(story)
    return buffer.getvalue()
