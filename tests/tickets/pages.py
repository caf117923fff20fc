"""Helpers shared by the ticket page tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png(name="photo.png", colour=(200, 30, 30), size=(24, 24)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (30, 120, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def not_an_image(name="receipt.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 this is not a picture", content_type="image/png")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def page_text(response) -> str:
    return response.content.decode()
