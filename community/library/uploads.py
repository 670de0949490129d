"""Upload checks for the library: what a file is, told by its content, never by its name.

`validate_document_upload` is the one gate of every document (the site's forms through
`services.documents.document_upload`, Wagtail's admin through `LibraryDocument.clean()`):

- the size is bounded (`UPLOAD_DOCUMENT_MAX_BYTES`);
- SVG is refused whatever its name: it is a web page that may carry a script;
- the extension must be one of `WAGTAILDOCS_EXTENSIONS`, and the content must be what the
  extension says: a `.pdf` starts with `%PDF-`, a `.docx` is a zip with the Word main part, an
  `.odt` a zip whose first entry `mimetype` names OpenDocument text, a `.csv` is UTF-8 text
  without NUL bytes, a `.mp4` starts with an `ftyp` box... so an HTML page renamed `.pdf`, or a
  zip renamed `.docx`, is refused;
- a zip (OOXML, OpenDocument) may not announce more than ten times the upload limit once
  expanded, nor more than `ZIP_MAX_ENTRIES` entries: what a reader's office suite would unpack
  stays bounded.

Images go through `community.validators.validate_image_upload` (Pillow identifies them);
`CheckedImageForm` puts Wagtail's admin image uploads through it too
(`WAGTAILIMAGES_IMAGE_FORM_BASE`).
"""

import codecs
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from wagtail.images.forms import BaseImageForm

from community.validators import validate_image_upload

HEAD_BYTES = 8192
ZIP_MAX_ENTRIES = 10_000
# An office document expands a few times when unzipped; a zip bomb by thousands of times.
ZIP_EXPANSION_FACTOR = 10
# [Content_Types].xml and `mimetype` are small; more is not a document.
ZIP_MANIFEST_MAX_BYTES = 1024 * 1024

OOXML_MAIN_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
# ISO media files whose brand says they are still images, not recordings.
IMAGE_BRANDS = {
    b"avif",
    b"avis",
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"mif1",
    b"msf1",
}

NOT_REAL = {
    "pdf": _("This file is not a real PDF."),
    "docx": _("This file is not a real Word document (.docx)."),
    "xlsx": _("This file is not a real Excel spreadsheet (.xlsx)."),
    "pptx": _("This file is not a real PowerPoint presentation (.pptx)."),
    "odt": _("This file is not a real OpenDocument text (.odt)."),
    "ods": _("This file is not a real OpenDocument spreadsheet (.ods)."),
    "odp": _("This file is not a real OpenDocument presentation (.odp)."),
    "txt": _("This file is not a real text file: it must be UTF-8 text."),
    "csv": _("This file is not a real CSV file: it must be UTF-8 text."),
    "vtt": _("This file is not a real WebVTT captions file."),
    "mp4": _("This file is not a real MP4 video."),
    "webm": _("This file is not a real WebM video."),
    "mp3": _("This file is not a real MP3 recording."),
    "m4a": _("This file is not a real M4A recording."),
    "ogg": _("This file is not a real Ogg recording."),
}

_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b[^>]*>")
_PART_NAME = re.compile(rb'PartName\s*=\s*["\']([^"\']+)["\']')
_CONTENT_TYPE = re.compile(rb'ContentType\s*=\s*["\']([^"\']+)["\']')
# A tag, a comment, a doctype or an XML declaration.
_MARKUP_START = re.compile(rb"<[a-z!?]")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def extension_of(file) -> str:
    return PurePath(file.name or "").suffix.lower().lstrip(".")


def _read_head(file) -> bytes:
    file.seek(0)
    return file.read(HEAD_BYTES)


def _leading_markup(head: bytes) -> bytes:
    """The start of the file, lower case, past a byte-order mark and blank space."""
    return head.removeprefix(codecs.BOM_UTF8).lstrip().lower()


def _is_svg(head: bytes) -> bool:
    start = _leading_markup(head)
    return start.startswith(b"<") and b"<svg" in start


def _is_markup(head: bytes) -> bool:
    """Text that opens as HTML, XML or SVG does, which a browser could be led to render."""
    return _MARKUP_START.match(_leading_markup(head)) is not None


# --- One check per type: True when the content is what the extension says ---------------------


def _is_pdf(file, head: bytes, extension: str) -> bool:
    return head.startswith(b"%PDF-")


def _open_zip(file) -> zipfile.ZipFile | None:
    """The file as a zip whose announced expansion is bounded, or None when it is no zip.

    A local file header must open the file: a zip glued after a web page is refused.
    """
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        return None
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return None
    expanded = sum(entry.file_size for entry in entries)
    if (
        len(entries) > ZIP_MAX_ENTRIES
        or expanded > ZIP_EXPANSION_FACTOR * settings.UPLOAD_DOCUMENT_MAX_BYTES
    ):
        raise ValidationError(
            _("This archive expands to too much data to be a document."), code="zip_bomb"
        )
    return archive


def _read_member(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes | None:
    """An entry's content, read no further than the manifest limit whatever the header says."""
    if entry.file_size > ZIP_MANIFEST_MAX_BYTES:
        return None
    try:
        with archive.open(entry) as member:
            data = member.read(ZIP_MANIFEST_MAX_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression.
        return None
    return data if len(data) <= ZIP_MANIFEST_MAX_BYTES else None


def _is_ooxml(file, head: bytes, extension: str) -> bool:
    """A zip whose [Content_Types].xml declares the main part of this kind, and that part."""
    archive = _open_zip(file)
    if archive is None:
        return False
    entries = {entry.filename: entry for entry in archive.infolist()}
    manifest = entries.get("[Content_Types].xml")
    content_types = _read_member(archive, manifest) if manifest else None
    if content_types is None:
        return False
    main_type = OOXML_MAIN_TYPES[extension].encode()
    for override in _OVERRIDE.findall(content_types):
        part = _PART_NAME.search(override)
        content_type = _CONTENT_TYPE.search(override)
        if part and content_type and content_type.group(1).strip() == main_type:
            return part.group(1).decode("utf-8", "replace").lstrip("/") in entries
    return False


def _is_odf(file, head: bytes, extension: str) -> bool:
    """A zip whose first entry is `mimetype`, stored uncompressed, naming this kind."""
    archive = _open_zip(file)
    if archive is None:
        return False
    first = archive.infolist()[0] if archive.infolist() else None
    if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
        return False
    return _read_member(archive, first) == ODF_MIMETYPES[extension]


def _is_utf8_text(file) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in file.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_text(file, head: bytes, extension: str) -> bool:
    if _is_markup(head):
        raise ValidationError(
            _("Web pages and other markup files are not accepted."), code="markup"
        )
    if extension == "vtt":
        # The WebVTT signature: "WEBVTT" alone on its line or followed by a space or a tab.
        start = head.removeprefix(codecs.BOM_UTF8)
        if not (start.startswith(b"WEBVTT") and start[6:7] in (b"", b" ", b"\t", b"\n", b"\r")):
            return False
    return _is_utf8_text(file)


def _is_iso_media(file, head: bytes, extension: str) -> bool:
    """MP4 and M4A: an `ftyp` box first, whose brand is not a still image's (HEIC, AVIF)."""
    if len(head) < 12 or head[4:8] != b"ftyp" or int.from_bytes(head[:4], "big") < 12:
        return False
    return head[8:12] not in IMAGE_BRANDS


def _is_webm(file, head: bytes, extension: str) -> bool:
    """An EBML header whose DocType is `webm`."""
    return head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:64]


def _is_mp3(file, head: bytes, extension: str) -> bool:
    """An ID3 tag, or an MPEG audio layer III frame header."""
    if head.startswith(b"ID3"):
        return True
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    return version != 0b01 and layer == 0b01


def _is_ogg(file, head: bytes, extension: str) -> bool:
    return head.startswith(b"OggS")


CHECKS: dict[str, Callable] = {
    "pdf": _is_pdf,
    "docx": _is_ooxml,
    "xlsx": _is_ooxml,
    "pptx": _is_ooxml,
    "odt": _is_odf,
    "ods": _is_odf,
    "odp": _is_odf,
    "txt": _is_text,
    "csv": _is_text,
    "vtt": _is_text,
    "mp4": _is_iso_media,
    "m4a": _is_iso_media,
    "webm": _is_webm,
    "mp3": _is_mp3,
    "ogg": _is_ogg,
}


def validate_document_upload(file) -> None:
    """Refuse a document whose size, type or content is not one the library accepts.

    Raises ValidationError with a message the uploader can act on, and a `code`. Leaves the
    file at its start, ready to be stored.
    """
    limit = settings.UPLOAD_DOCUMENT_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB at most)."),
            code="too_large",
            params={"size": _megabytes(limit)},
        )
    if not file.size:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        head = _read_head(file)
        if _is_svg(head):
            raise ValidationError(
                _("SVG files are not accepted: they can carry scripts."), code="svg"
            )
        extension = extension_of(file)
        allowed = [ext for ext in settings.WAGTAILDOCS_EXTENSIONS if ext in CHECKS]
        if extension not in allowed:
            raise ValidationError(
                _("Files of this type are not accepted. Accepted: %(extensions)s."),
                code="file_type",
                params={"extensions": ", ".join(f".{ext}" for ext in allowed)},
            )
        if not CHECKS[extension](file, head, extension):
            raise ValidationError(NOT_REAL[extension], code="bad_content")
    finally:
        file.seek(0)


class CheckedImageForm(BaseImageForm):
    """Wagtail's image form, with the platform's image check on every new upload.

    Wagtail's own field already refuses what Pillow cannot open; this adds the platform's
    size limit (`UPLOAD_IMAGE_MAX_BYTES`) and its list of formats, so an image refused on the
    site is refused in the admin too. Set as `WAGTAILIMAGES_IMAGE_FORM_BASE`.
    """

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):
            validate_image_upload(file)
        return file
