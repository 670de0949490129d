"""Upload checks: only raster images of a bounded size are ever stored."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _
from PIL import Image

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}

validate_image_extension = FileExtensionValidator(IMAGE_EXTENSIONS)


def validate_image_upload(file) -> None:
    """Refuse anything that is not a JPEG, PNG or WebP image within the size and pixel limits.

    The extension alone proves nothing: the content is opened and identified, so an SVG or an
    HTML page renamed to .png is refused and nothing a user uploads can run in a browser.
    """
    if file.size > settings.UPLOAD_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The image is too large (%(size)s MB at most)."),
            code="too_large",
            params={"size": settings.UPLOAD_IMAGE_MAX_BYTES // (1024 * 1024)},
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            image_format = image.format
            # Opening reads only the header: the size is known before any pixel is decoded.
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher, limit.
        raise _too_many_pixels() from exc
    except Exception as exc:  # Pillow raises many types for a broken or foreign file.
        raise ValidationError(_("This file is not a valid image."), code="invalid_image") from exc
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(_("Only JPEG, PNG and WebP images are accepted."), code="image_type")
    if width * height > settings.UPLOAD_IMAGE_MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image is too big in pixels (%(pixels)s million pixels at most)."),
        code="too_many_pixels",
        params={"pixels": f"{settings.UPLOAD_IMAGE_MAX_PIXELS / 1_000_000:g}"},
    )
