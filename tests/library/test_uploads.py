"""Uploads are recognised by their content, not their name; a refused upload stores nothing.

The attack files: an HTML page renamed .pdf, an SVG carrying a script (named .png, .svg, .pdf),
a PNG over the size limit, a text file with NUL bytes renamed .csv, a .docx that is a plain zip,
an office file that expands to far more than a document. Each is refused with its message by
`validate_document_upload`, by `document_upload` (no row, no file), and by the Wagtail admin's
own upload forms (`tests/library/test_wagtail_admin.py` posts those of the page editor).
"""

import io
import os
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, UploadedFile

from community.library.models import LibraryDocument, PrivateCollection
from community.library.services.documents import document_upload
from community.library.uploads import HEAD_BYTES, validate_document_upload
from community.validators import validate_image_upload

# --- Sample files ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
OOXML_MAIN = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}


def ooxml(kind: str = "docx", *, main_type: str | None = None, extra: dict | None = None) -> bytes:
    part, suffix = OOXML_MAIN[kind]
    main_type = main_type or f"application/vnd.openxmlformats-officedocument.{suffix}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(part, "<document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text", *, first=True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if not first:
            archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml" if first else "styles.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Compte rendu de la réunion")
    return buffer.getvalue()


def png(size=(8, 8), *, noise=False) -> bytes:
    image = PILImage.new("RGB", size, "teal")
    if noise:
        image = PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00\x00\x00\x08free"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x08free"
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
)
MKV = WEBM.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska")
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 32
MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 32
OGG = b"OggS\x00\x02" + b"\x00" * 32
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour à toutes et à tous.\n".encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_document_upload(file)
    return caught.value


@contextmanager
def documents_stored_in(root: Path):
    """Point the documents' storage at `root` for the duration.

    The storage of `LibraryDocument.file` is built once, from PRIVATE_MEDIA_ROOT at import time:
    it is redirected here and put back afterwards.
    """
    storage = LibraryDocument._meta.get_field("file").storage
    saved = storage._location

    def point_at(location):
        storage._location = location
        storage.__dict__.pop("base_location", None)
        storage.__dict__.pop("location", None)

    point_at(str(root))
    try:
        yield Path(storage.location)
    finally:
        point_at(saved)


@pytest.fixture
def document_storage(tmp_path):
    with documents_stored_in(tmp_path / "documents") as root:
        yield root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- What is accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("rapport.pdf", PDF),
        ("fiche.docx", ooxml("docx")),
        ("indicateurs.xlsx", ooxml("xlsx")),
        ("atelier.pptx", ooxml("pptx")),
        ("guide.odt", odf()),
        ("tableau.ods", odf("application/vnd.oasis.opendocument.spreadsheet")),
        ("support.odp", odf("application/vnd.oasis.opendocument.presentation")),
        ("notes.txt", "Réunion du comité : 12 entreprises présentes.\n".encode()),
        ("notes-bom.txt", b"\xef\xbb\xbfAvec une marque d'ordre des octets.\n"),
        ("participants.csv", b"nom;structure\nClaire;Atelier Textile\n"),
        ("capsule.vtt", VTT),
        ("capsule.mp4", MP4),
        ("capsule.webm", WEBM),
        ("entretien.mp3", MP3_ID3),
        ("entretien-sans-tag.mp3", MP3_FRAME),
        ("entretien.m4a", M4A),
        ("entretien.ogg", OGG),
        ("MAJUSCULES.PDF", PDF),
    ],
)
def test_each_accepted_type_passes_when_its_content_is_what_its_name_says(name, content):
    file = upload(name, content)
    validate_document_upload(file)
    assert file.tell() == 0  # left ready to be stored


# --- What is refused, and why -----------------------------------------------------------------


def test_an_html_page_renamed_pdf_is_not_a_real_pdf():
    error = refusal(upload("rapport.pdf", HTML))
    assert error.code == "bad_content"
    assert error.messages == ["This file is not a real PDF."]


@pytest.mark.parametrize("name", ["logo.svg", "logo.png", "logo.pdf", "logo.txt", "logo.csv"])
def test_an_svg_carrying_a_script_is_refused_whatever_its_name(name):
    error = refusal(upload(name, SVG))
    assert error.code == "svg"
    assert error.messages == ["SVG files are not accepted: they can carry scripts."]


def test_an_svg_without_xml_declaration_is_recognised_too():
    error = refusal(upload("schema.txt", b"  <svg><script>alert(1)</script></svg>"))
    assert error.code == "svg"


def test_a_text_file_with_nul_bytes_renamed_csv_is_not_a_real_csv():
    error = refusal(upload("export.csv", b"nom;valeur\x00\x00\x01\x02binaire"))
    assert error.code == "bad_content"
    assert error.messages == ["This file is not a real CSV file: it must be UTF-8 text."]


def test_text_that_is_not_utf8_is_refused():
    error = refusal(upload("notes.txt", "Égalité professionnelle".encode("latin-1")))
    assert error.messages == ["This file is not a real text file: it must be UTF-8 text."]


@pytest.mark.parametrize(
    "content",
    [
        HTML,
        b"<!-- " + b"x" * HEAD_BYTES + b" --><svg><script>alert(1)</script></svg>",
        b'<?xml version="1.0"?><root/>',
        b"\n  <iframe src=javascript:alert(1)>",
    ],
)
def test_markup_renamed_txt_is_refused(content):
    error = refusal(upload("notes.txt", content))
    assert error.code == "markup"
    assert error.messages == ["Web pages and other markup files are not accepted."]


def test_text_that_merely_mentions_a_tag_is_accepted():
    validate_document_upload(upload("notes.txt", b"Les balises <svg> sont refusees.\n"))


def test_a_docx_that_is_a_plain_zip_is_not_a_real_word_document():
    error = refusal(upload("fiche.docx", plain_zip()))
    assert error.code == "bad_content"
    assert error.messages == ["This file is not a real Word document (.docx)."]


def test_a_macro_enabled_document_renamed_docx_is_refused():
    macro = "application/vnd.ms-word.document.macroEnabled.main+xml"
    error = refusal(upload("fiche.docx", ooxml("docx", main_type=macro)))
    assert error.messages == ["This file is not a real Word document (.docx)."]


def test_a_spreadsheet_renamed_docx_is_refused():
    assert refusal(upload("fiche.docx", ooxml("xlsx"))).code == "bad_content"


def test_an_ooxml_file_whose_main_part_is_missing_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
    assert refusal(upload("fiche.docx", buffer.getvalue())).code == "bad_content"


def test_a_web_page_with_a_docx_glued_after_it_is_refused():
    assert refusal(upload("fiche.docx", HTML + ooxml("docx"))).code == "bad_content"


def test_an_office_file_that_expands_to_far_more_than_a_document_is_refused(settings):
    settings.UPLOAD_DOCUMENT_MAX_BYTES = 64 * 1024
    bomb = ooxml("docx", extra={"word/media/zeros.bin": b"\x00" * (2 * 1024 * 1024)})
    assert len(bomb) < settings.UPLOAD_DOCUMENT_MAX_BYTES  # small once compressed

    error = refusal(upload("fiche.docx", bomb))

    assert error.code == "zip_bomb"
    assert error.messages == ["This archive expands to too much data to be a document."]


def test_an_odf_file_must_start_with_its_mimetype_entry():
    assert refusal(upload("guide.odt", odf(first=False))).code == "bad_content"
    spreadsheet = odf("application/vnd.oasis.opendocument.spreadsheet")
    error = refusal(upload("guide.odt", spreadsheet))
    assert error.messages == ["This file is not a real OpenDocument text (.odt)."]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("capsule.vtt", b"Bonjour\n", "This file is not a real WebVTT captions file."),
        ("capsule.vtt", b"WEBVTTX\n", "This file is not a real WebVTT captions file."),
        ("capsule.mp4", HTML, "This file is not a real MP4 video."),
        ("photo.mp4", HEIC, "This file is not a real MP4 video."),
        ("capsule.webm", MKV, "This file is not a real WebM video."),
        ("entretien.mp3", PDF, "This file is not a real MP3 recording."),
        ("entretien.m4a", OGG, "This file is not a real M4A recording."),
        ("entretien.ogg", MP3_ID3, "This file is not a real Ogg recording."),
        ("rapport.pdf", png(), "This file is not a real PDF."),
        ("tableau.xlsx", PDF, "This file is not a real Excel spreadsheet (.xlsx)."),
    ],
)
def test_a_file_whose_content_does_not_match_its_extension_is_refused(name, content, message):
    error = refusal(upload(name, content))
    assert error.code == "bad_content"
    assert error.messages == [message]


@pytest.mark.parametrize("name", ["outil.exe", "page.html", "sans-extension", "photo.png"])
def test_a_type_the_library_does_not_take_is_refused_with_the_list_of_accepted_ones(name):
    error = refusal(upload(name, b"MZ\x90\x00 contenu"))
    assert error.code == "file_type"
    assert error.messages[0].startswith("Files of this type are not accepted. Accepted: .pdf, ")


def test_a_file_over_the_limit_is_refused_with_the_limit(settings):
    settings.UPLOAD_DOCUMENT_MAX_BYTES = 1024 * 1024
    error = refusal(upload("rapport.pdf", PDF + b"0" * (1024 * 1024)))
    assert error.code == "too_large"
    assert error.messages == ["The file is too large (1 MB at most)."]


def test_an_empty_file_is_refused():
    assert refusal(upload("rapport.pdf", b"")).code == "empty"


# --- Images: the platform's image check ---------------------------------------------------------


@pytest.mark.parametrize("name", ["logo.png", "logo.svg"])
def test_an_svg_image_carrying_a_script_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(name, SVG))
    assert caught.value.messages == ["This file is not a valid image."]


def test_an_image_over_the_limit_is_refused_with_the_limit(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1024 * 1024
    big = upload("affiche.png", png() + b"\x00" * (1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(big)
    assert caught.value.code == "too_large"
    assert caught.value.messages == ["The image is too large (1 MB at most)."]


# --- The service: a refusal stores nothing ----------------------------------------------------


ATTACKS = [
    ("rapport.pdf", HTML, "This file is not a real PDF."),
    # Wagtail's own extension check speaks first for a name it does not take.
    ("logo.svg", SVG, "File extension “svg” is not allowed."),
    ("logo.pdf", SVG, "SVG files are not accepted: they can carry scripts."),
    ("export.csv", b"a;b\x00\x00c", "This file is not a real CSV file: it must be UTF-8 text."),
    ("fiche.docx", plain_zip(), "This file is not a real Word document (.docx)."),
]


@pytest.mark.parametrize("name, content, message", ATTACKS)
def test_document_upload_refuses_an_attack_file_and_stores_nothing(
    member, document_storage, name, content, message
):
    with pytest.raises(ValidationError) as caught:
        document_upload(by=member, file=upload(name, content), title="Pièce jointe")

    assert caught.value.messages[0].startswith(message)
    assert not hasattr(caught.value, "error_dict")  # one list, for the caller's upload field
    assert not LibraryDocument.objects.exists()
    assert stored_files(document_storage) == []


def test_document_upload_stores_a_real_pdf_with_its_size_hash_and_uploader(
    member, document_storage
):
    document = document_upload(by=member, file=upload("rapport.pdf", PDF), title=" Rapport ")

    document.refresh_from_db()
    assert document.title == "Rapport"
    assert document.uploaded_by_user == member
    assert document.file_size == len(PDF)
    assert len(document.file_hash) == 40
    assert document.collection.name == "Bibliothèque des pratiques"
    assert not document.pending_review
    assert [path.read_bytes() for path in stored_files(document_storage)] == [PDF]


def test_a_document_uploaded_for_review_goes_to_the_contributions_collection(
    member, document_storage
):
    document = document_upload(
        by=member, file=upload("fiche.docx", ooxml()), title="Fiche", pending_review=True
    )
    assert document.pending_review
    assert document.collection.name == "Contributions"


def test_document_upload_needs_a_signed_in_member_and_a_title(member, document_storage):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        document_upload(by=AnonymousUser(), file=upload("rapport.pdf", PDF), title="Rapport")
    with pytest.raises(ValidationError) as caught:
        document_upload(by=member, file=upload("rapport.pdf", PDF), title="   ")
    assert caught.value.code == "no_title"
    assert not LibraryDocument.objects.exists()
    assert stored_files(document_storage) == []


def test_document_upload_refuses_a_collection_private_to_a_space_one_is_not_in(
    member, private_space, document_storage
):
    from community.library.models import PrivateCollection

    toolbox = Collection.objects.get(name="Boîte à outils")
    reserved = toolbox.add_child(name="Kit du comité de pilotage")
    PrivateCollection.objects.create(collection=reserved, space=private_space)

    with pytest.raises(PermissionDenied):
        document_upload(by=member, file=upload("kit.pdf", PDF), title="Kit", collection=reserved)
    assert not LibraryDocument.objects.exists()
    assert stored_files(document_storage) == []


# --- Wagtail's admin upload forms -------------------------------------------------------------


def admin_document_form(name, content, **fields) -> dict:
    collection = Collection.objects.get(name="Bibliothèque des pratiques")
    return {
        "title": "Pièce jointe",
        "file": upload(name, content),
        "collection": collection.pk,
        "tags": "",
        "description": "",
        **fields,
    }


@pytest.mark.parametrize("name, content, message", ATTACKS)
def test_the_admin_document_form_refuses_an_attack_file_and_stores_nothing(
    client, staff, document_storage, name, content, message
):
    client.force_login(staff)

    response = client.post(reverse("wagtaildocs:add"), admin_document_form(name, content))

    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith(message)
    assert not LibraryDocument.objects.exists()
    assert stored_files(document_storage) == []


@pytest.mark.parametrize("name, content, message", ATTACKS)
def test_the_admin_multiple_uploader_refuses_an_attack_file_and_stores_nothing(
    client, staff, document_storage, name, content, message
):
    client.force_login(staff)
    collection = Collection.objects.get(name="Bibliothèque des pratiques")

    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": upload(name, content), "collection": collection.pk},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["success"] is False
    assert message in data["error_message"]
    assert not LibraryDocument.objects.exists()
    # Not even parked as an upload waiting for its details (Wagtail does that when the file
    # itself passed and another field failed).
    assert not UploadedFile.objects.exists()
    assert stored_files(document_storage) == []


def test_the_admin_document_form_stores_a_real_pdf(client, staff, document_storage):
    client.force_login(staff)

    response = client.post(reverse("wagtaildocs:add"), admin_document_form("rapport.pdf", PDF))

    assert response.status_code == 302
    document = LibraryDocument.objects.get()
    assert document.file_size == len(PDF)
    assert len(stored_files(document_storage)) == 1


def admin_image_form(name, content) -> dict:
    return {
        "title": "Affiche",
        "file": upload(name, content),
        "collection": Collection.get_first_root_node().pk,
        "tags": "",
    }


@pytest.mark.parametrize("name", ["logo.png", "logo.svg"])
def test_the_admin_image_form_refuses_an_svg_carrying_a_script(client, staff, name):
    client.force_login(staff)

    response = client.post(reverse("wagtailimages:add"), admin_image_form(name, SVG))

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not get_image_model().objects.exists()


def test_the_admin_image_form_refuses_an_image_over_the_platform_s_limit(client, staff, settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1024 * 1024
    client.force_login(staff)
    big = png((700, 700), noise=True)
    assert len(big) > 1024 * 1024

    response = client.post(reverse("wagtailimages:add"), admin_image_form("affiche.png", big))

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The image is too large (1 MB at most)."]
    assert not get_image_model().objects.exists()


def test_the_admin_multiple_image_uploader_refuses_an_image_over_the_limit(client, staff, settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1024 * 1024
    client.force_login(staff)

    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {
            "files[]": upload("affiche.png", png((700, 700), noise=True)),
            "collection": Collection.get_first_root_node().pk,
        },
    )

    assert response.json()["success"] is False
    assert not get_image_model().objects.exists()
    assert not UploadedFile.objects.exists()


def test_the_admin_image_form_accepts_a_real_png(client, staff):
    client.force_login(staff)

    response = client.post(reverse("wagtailimages:add"), admin_image_form("affiche.png", png()))

    assert response.status_code == 302
    assert get_image_model().objects.count() == 1


# --- Searching the admin's documents ------------------------------------------------------------


@pytest.mark.parametrize("url", ["wagtaildocs:index", "wagtaildocs_chooser:choose"])
@pytest.mark.parametrize("who, sees_private", [("animator", True), ("other_animator", False)])
def test_an_animator_searches_the_admin_documents_among_those_they_may_open(
    request, client, url, who, sees_private, document_storage, staff, private_space
):
    """The search backend filters only on its declared fields: the rule of who may open what
    must reach it as a list of documents, not as conditions on collections and review flags."""
    library = Collection.objects.get(name="Bibliothèque des pratiques", depth=2)
    committee = library.add_child(name="Kit du comité")
    user = request.getfixturevalue(who)
    for name, title, collection in [
        ("a.pdf", "Kit public", library),
        ("b.pdf", "Kit privé", committee),
        ("c.pdf", "Charte signée", library),
    ]:
        document = document_upload(
            by=staff, file=upload(name, PDF), title=title, collection=collection
        )
        # Their own uploads, so that the index (documents one may change) lists them too.
        LibraryDocument.objects.filter(pk=document.pk).update(uploaded_by_user=user)
    # Reserved to a space after the upload: its uploader may open it only if they still may.
    PrivateCollection.objects.create(collection=committee, space=private_space)
    client.force_login(user)

    response = client.get(reverse(url), {"q": "kit"})

    assert response.status_code == 200
    content = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        content = response.json()["html"]
    assert "Kit public" in content
    assert ("Kit privé" in content) is sees_private
    assert "Charte signée" not in content
