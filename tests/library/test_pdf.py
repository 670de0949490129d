"""The PDF of an item: a real PDF, its sections and figures, accents, safe rich text, and what it
must not show (hidden contacts, a private space's name, drafts).

pypdf is not a dependency: `pdf_text` reads the page streams reportlab writes (ASCII85 and
Flate, text shown with `Tj` in Windows-1252) with the standard library.
"""

import base64
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import Collection

from community.library.models import (
    InterviewPage,
    LibraryDocument,
    PracticeContact,
    PracticeIndicator,
    PracticeObstacle,
    PracticeStep,
    PrivateCollection,
    ToolboxDocument,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.models import Visibility
from tests.factories import UserFactory

ACCENTED = "Œuvre à l’égalité « mixité »"


# --- Reading the PDF ------------------------------------------------------------------------------


def _streams(data: bytes) -> list[bytes]:
    streams = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2).strip()
        if b"/ASCII85Decode" in head:
            body = base64.a85decode(body if body.startswith(b"<~") else b"<~" + body, adobe=True)
        if b"/FlateDecode" in head:
            body = zlib.decompress(body)
        streams.append(body)
    return streams


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _strings(stream: bytes) -> list[bytes]:
    """The literal strings of a content stream, unescaped."""
    found, i = [], 0
    while i < len(stream):
        if stream[i : i + 1] != b"(":
            i += 1
            continue
        depth, i, out = 1, i + 1, bytearray()
        while depth:
            char = stream[i : i + 1]
            if char == b"\\":
                following = stream[i + 1 : i + 2]
                octal = re.match(rb"[0-7]{1,3}", stream[i + 1 : i + 4])
                if octal:
                    out.append(int(octal.group(0), 8))
                    i += 1 + len(octal.group(0))
                    continue
                out += _ESCAPES.get(following, following)
                i += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            out += char
            i += 1
        found.append(bytes(out))
        i += 1
    return found


def pdf_text(data: bytes) -> str:
    texts = [s.decode("cp1252") for stream in _streams(data) for s in _strings(stream)]
    # Code 127 is the bullet in the PDF's WinAnsiEncoding (where reportlab puts "•").
    return re.sub(r"\s+", " ", " ".join(texts)).replace("\x7f", "•")


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


# --- Fixtures -------------------------------------------------------------------------------------


def person(name, visibility):
    return UserFactory(
        email=f"{name.lower()}@hidden.example",
        profile__display_name=name,
        profile__profile_visibility=visibility,
    )


@pytest.fixture
def sheet(make_sheet):
    return make_sheet(
        title=ACCENTED,
        slug="oeuvre-egalite",
        summary="Des cœurs d’ateliers à 5 € la séance.",
        observation="<p>Peu de <b>candidates</b> dans les métiers de l’industrie.</p>",
        objectives="<ul><li>Sensibiliser</li><li>Recruter</li></ul>",
        results="<p>Six accords signés.</p>",
        lessons="<p>Impliquer les <i>représentants du personnel</i>.</p>",
        did_not_work="<p>Les réunions tardives.</p>",
        country="FR",
        region="Hauts-de-France",
        start_year=2020,
        steps=[
            PracticeStep(
                title="Diagnostic des écarts", description="Par entreprise.", sort_order=0
            ),
            PracticeStep(title="Plan d’action", sort_order=1),
        ],
        obstacles=[PracticeObstacle(obstacle="Le temps manque", response="Des demi-journées")],
        indicators=[
            PracticeIndicator(label="Personnes sensibilisées", value=Decimal("120"), sort_order=0),
            PracticeIndicator(
                label="Taux de femmes", value=Decimal("37.5"), unit="%", sort_order=1
            ),
        ],
        contacts=[
            PracticeContact(user=person("Ouverte", Visibility.MEMBERS), role="Référente"),
            PracticeContact(user=person("Restreinte", Visibility.SPACES)),
            PracticeContact(user=person("Privée", Visibility.PRIVATE)),
        ],
    )


def download(client, page):
    return client.get(reverse("library:pdf", args=[page.slug]))


# --- Tests ----------------------------------------------------------------------------------------


def test_a_sheet_downloads_as_a_real_pdf_named_after_its_slug(client, sheet):
    response = download(client, sheet)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="oeuvre-egalite.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert page_count(response.content) >= 1


def test_the_pdf_holds_every_section_with_accents_intact(client, sheet):
    text = pdf_text(download(client, sheet).content)
    assert ACCENTED in text
    assert "Des cœurs d’ateliers à 5 € la séance." in text
    for heading in (
        "Observation",
        "What was done",
        "Objectives",
        "Obstacles and how they were handled",
        "Indicators",
        "Results and lessons",
        "What did not work",
        "Contacts",
    ):
        assert heading in text, heading
    assert "1. Diagnostic des écarts" in text and "2. Plan d’action" in text
    assert "Le temps manque" in text and "Des demi-journées" in text
    assert "Personnes sensibilisées" in text and "120" in text and "37.5 %" in text
    assert "• Sensibiliser" in text and "• Recruter" in text
    assert "candidates" in text and "représentants du personnel" in text
    assert "Hauts-de-France" in text and "since 2020" in text


def test_the_footer_prints_the_pages_address_and_its_number(client, sheet):
    text = pdf_text(download(client, sheet).content)
    assert f"http://testserver{sheet.url}" in text
    assert "Page 1" in text


def test_a_long_sheet_runs_over_several_numbered_pages(client, make_sheet):
    long = "".join(f"<p>Paragraphe {n} : " + "texte " * 60 + "</p>" for n in range(40))
    page = make_sheet(observation=long)
    data = download(client, page).content
    assert page_count(data) >= 3
    assert "Page 3" in pdf_text(data)


def test_contacts_are_never_named_since_a_visitor_may_download_it(client, sheet):
    text = pdf_text(download(client, sheet).content)
    assert "reach the people behind this practice" in text
    assert "Ouverte" not in text and "Restreinte" not in text and "Privée" not in text
    assert "@hidden.example" not in text


def test_rich_text_keeps_its_words_and_drops_markup_and_scripts(client, make_sheet):
    page = make_sheet(
        observation=(
            '<p>Un <b>gras <i>mêlé</b> fin</i> <a href="javascript:alert(1)">lien</a></p>'
            "<script>alert('x')</script><style>p{}</style>"
            '<p><img src="x" onerror="alert(2)">&lt;para&gt; &amp; <font size="40">gros</font></p>'
            "<ol><li>un</li><li>deux<ul><li>sous</li></ul></li></ol><p>Ligne<br>suivante</p>"
            "<p>Ștefan 😀</p>"
        )
    )
    response = download(client, page)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Un gras mêlé fin lien" in text
    assert "alert" not in text and "p{}" not in text
    assert "<para>&gros" in text.replace(" ", "")  # escaped text, not markup
    assert "1. un" in text and "2. deux" in text and "• sous" in text
    assert "Ligne suivante" in text
    assert "Stefan ?" in text  # letters Helvetica lacks: their base letter, else "?"


def test_only_live_items_have_a_pdf(client, make_sheet):
    draft = make_sheet(publish=False)
    assert download(client, draft).status_code == 404
    assert client.get("/library/nothing-here/pdf/").status_code == 404


@pytest.mark.parametrize(
    "model, fields, expected",
    [
        (
            InterviewPage,
            {"transcript": "<p>Bonjour à tous.</p>", "media_url": "https://youtu.be/dQw4w9WgXcQ"},
            [
                "Nadia Benali, Cheffe d'atelier",
                "Comment avez-vous commencé ?",
                "Par un stage.",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "Bonjour à tous.",
            ],
        ),
        (
            VideoCapsulePage,
            {"duration": timedelta(minutes=3, seconds=20)},
            ["3 min 20 s", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Transcription"],
        ),
    ],
)
def test_interviews_and_videos_have_a_pdf_too(client, make_item, model, fields, expected):
    page = make_item(model, title="Élan d’été", **fields)
    response = download(client, page)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Élan d’été" in text
    for part in expected:
        assert part in text, part


def test_a_toolbox_pdf_lists_its_documents_without_naming_a_private_space(
    client, make_item, private_space
):
    collection = Collection.get_first_root_node().add_child(name="Kit privé")
    PrivateCollection.objects.create(collection=collection, space=private_space)
    root = Collection.get_first_root_node()
    public = LibraryDocument.objects.create(
        title="Guide égalité", file="tests/guide.pdf", file_size=2048, collection=root
    )
    secret = LibraryDocument.objects.create(
        title="Kit formateurs", file="tests/kit.pdf", collection=collection
    )
    page = make_item(
        ToolboxItemPage,
        audience="Formatrices",
        tool_documents=[
            ToolboxDocument(document=public, sort_order=0),
            ToolboxDocument(document=secret, sort_order=1),
        ],
    )
    text = pdf_text(download(client, page).content)
    assert "Guide égalité (PDF, 2.0 KB)" in text
    assert "Kit formateurs (PDF, for members only)" in text
    assert private_space.name not in text
    assert "Formatrices" in text
