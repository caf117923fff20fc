"""The record of a completed job, kept beside the repair report: photos of the work and the
merchant's signature, drawn on the technician's screen. The service receipt shows both.

`completion_checked` reads the input before the resolution's transaction (so every field at fault is
reported at once); `completion_record` stores it inside that transaction.
"""

import base64
import binascii
import io
import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from technicians.models import RepairReport, Signature
from tickets.models import Ticket
from tickets.photos import photos_attach, photos_checked

SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 2000


@dataclass
class Completion:
    photos: list = field(default_factory=list)  # checked photos: (upload, content type, extension)
    signature: bytes | None = None  # a PNG, re-encoded
    signed_by: str = ""


def completion_checked(*, photos=(), signature: str = "", signed_by: str = "", errors: dict) -> Completion:
    """The photos and the signature, checked; what is wrong goes into `errors` by field."""
    completion = Completion(photos=photos_checked(list(photos), errors) if photos else [])
    signed_by = (signed_by or "").strip()
    if signature:
        png = _signature_png(signature)
        if png is None:
            errors["signature"] = [_("The signature could not be read; ask the merchant to sign again.")]
        elif not signed_by:
            errors["signed_by"] = [_("Write the name of the person who signed.")]
        completion.signature, completion.signed_by = png, signed_by
    return completion


def _signature_png(data_url: str) -> bytes | None:
    """The drawing as a PNG of our own making, or None when it is not a PNG with some ink on it."""
    if not data_url.startswith(SIGNATURE_PREFIX) or len(data_url) > SIGNATURE_MAX_BYTES * 4 // 3 + 64:
        return None
    try:
        raw = base64.b64decode(data_url[len(SIGNATURE_PREFIX) :], validate=True)
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or max(image.size) > SIGNATURE_MAX_SIDE:
                return None
            drawing = image.convert("RGBA")
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if drawing.getchannel("A").getbbox() is None:
        return None  # a blank canvas
    out = io.BytesIO()
    drawing.save(out, format="PNG", optimize=True)
    return out.getvalue()


def completion_record(*, ticket: Ticket, report: RepairReport, completion: Completion, by, now) -> None:
    """Store the photos (on the report) and the signature. Runs in the resolution's transaction."""
    if completion.photos:
        photos_attach(ticket, completion.photos, by=by, now=now, report=report)
    if completion.signature is not None:
        signature = Signature(report=report, token=secrets.token_hex(16), signed_by=completion.signed_by, signed_at=now)
        signature.image.save(f"{signature.token}.png", ContentFile(completion.signature), save=False)
        signature.save()
