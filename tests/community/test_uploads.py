"""Uploads: only real raster images within the size limit are stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.models import Profile
from community.validators import validate_image_upload


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "purple").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_real_png_is_accepted():
    validate_image_upload(SimpleUploadedFile("photo.png", png_bytes(), "image/png"))


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<html><script>alert(1)</script></html>",
    ],
)
def test_svg_or_html_renamed_to_png_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        validate_image_upload(SimpleUploadedFile("photo.png", content, "image/png"))
    assert refused.value.code == "invalid_image"


def test_a_gif_is_refused_even_when_valid():
    buffer = io.BytesIO()
    Image.new("P", (2, 2)).save(buffer, format="GIF")
    with pytest.raises(ValidationError) as refused:
        validate_image_upload(SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"))
    assert refused.value.code == "image_type"


def test_an_oversized_image_is_refused(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        validate_image_upload(SimpleUploadedFile("photo.png", png_bytes(), "image/png"))
    assert refused.value.code == "too_large"


@pytest.mark.django_db
def test_a_profile_photo_that_is_not_an_image_is_refused_on_the_form(client, member):
    client.force_login(member)
    response = client.post(
        "/me/profile/",
        {
            "display_name": "Claire Martin",
            "photo": SimpleUploadedFile("me.png", b"<svg></svg>", "image/png"),
            "profile_visibility": "members",
            **{f"{name}_visibility": "members" for name in Profile.VISIBILITY_FIELDS},
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    member.profile.refresh_from_db()
    assert not member.profile.photo


def huge_png_bytes(width: int, height: int) -> bytes:
    """A few kilobytes describing a huge picture: a one-bit image compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_an_image_with_too_many_pixels_is_refused_however_small_its_file():
    data = huge_png_bytes(12000, 12000)
    assert len(data) < 100_000
    with pytest.raises(ValidationError) as refused:
        validate_image_upload(SimpleUploadedFile("cover.png", data, "image/png"))
    assert refused.value.code == "too_many_pixels"
    assert "40 million pixels" in refused.value.messages[0]


def test_the_pixel_limit_comes_from_the_settings(settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 15
    with pytest.raises(ValidationError) as refused:
        validate_image_upload(SimpleUploadedFile("photo.png", png_bytes(), "image/png"))
    assert refused.value.code == "too_many_pixels"
    settings.UPLOAD_IMAGE_MAX_PIXELS = 16
    validate_image_upload(SimpleUploadedFile("photo.png", png_bytes(), "image/png"))
