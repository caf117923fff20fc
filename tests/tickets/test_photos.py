"""Photos are checked before anything is decoded and stored re-encoded: a pixel limit, and nothing
but the pixels kept (no EXIF, no GPS position, nothing appended after the image)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import device_in_warranty
from tickets.models import TicketPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    return sla_policy


@pytest.fixture
def filing_form(client, merchant):
    client.force_login(merchant)
    device = device_in_warranty(merchant.merchant)
    page = client.get(reverse("tickets:new")).content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)

    def post(photo):
        data = {
            "submission_key": key,
            "device": device.pk,
            "kind": "repair",
            "fault_category": "screen",
            "description": "The screen flickers.",
            "contact_name": "王丽",
            "contact_phone": "13800138000",
            "photos": [photo],
        }
        return client.post(reverse("tickets:new"), data)

    return post


def huge_png(side: int) -> SimpleUploadedFile:
    """side × side pixels in a file of a few kilobytes: one colour compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")


def photo_with_gps() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "ACME Camera"
    exif[0x0112] = 6  # taken with the phone on its side: shown turned a quarter
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 1.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 200, 10)).save(buffer, format="JPEG", exif=exif, comment=b"secret note")
    return SimpleUploadedFile("site.jpg", buffer.getvalue() + b"PK\x03\x04appended archive", content_type="image/jpeg")


@pytest.mark.parametrize("side", [7000, 12000])  # over our limit; over Pillow's own as well
def test_a_photo_of_too_many_pixels_is_refused_by_its_header(filing_form, side):
    upload = huge_png(side)
    assert upload.size < 100_000

    response = filing_form(upload)

    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == [
        "bomb.png has more than 40 million pixels; send a smaller photo."
    ]
    assert not TicketPhoto.objects.exists()


def test_a_stored_photo_keeps_only_its_pixels_turned_upright(filing_form):
    response = filing_form(photo_with_gps())
    assert response.status_code == 302, response.context["form"].errors if response.context else ""

    photo = TicketPhoto.objects.get()
    stored = photo.image.open("rb").read()
    assert b"ACME Camera" not in stored and b"secret note" not in stored and b"appended archive" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.size == (20, 40)  # the camera's orientation applied to the pixels
    assert photo.size == len(stored)
    assert photo.content_type == "image/jpeg"
