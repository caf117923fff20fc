"""Photo checks shared by the web forms, the API serializers and the services."""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def inspect_photo(upload) -> tuple[str, str]:
    """Check an uploaded photo by its content; returns (content type, extension).

    The name and the browser's content type are not trusted: the bytes must decode as a JPEG or PNG
    image within the size limit and `TICKET_PHOTO_MAX_PIXELS` (a small file can hold an image of
    hundreds of megapixels that would take seconds and gigabytes to open; the size is read from the
    header, before anything is decoded).
    """
    limit = settings.TICKET_PHOTO_MAX_BYTES
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)},
            code="photo_too_large",
        )
    not_an_image = _not_a_photo(name)
    too_many_pixels = ValidationError(
        _("%(name)s has more than %(megapixels)d million pixels; send a smaller photo.")
        % {"name": name, "megapixels": settings.TICKET_PHOTO_MAX_PIXELS // 1_000_000},
        code="photo_too_many_pixels",
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow's own bomb check warns, then refuses, far above our limit: both mean too many.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if width * height > settings.TICKET_PHOTO_MAX_PIXELS:
                    raise too_many_pixels
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise too_many_pixels from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise not_an_image from error
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise not_an_image
    return PHOTO_FORMATS[image_format]


def _not_a_photo(name: str) -> ValidationError:
    return ValidationError(_("%(name)s is not a JPEG or PNG photo.") % {"name": name}, code="photo_invalid")


def reencode_photo(upload, image_format: str) -> ContentFile:
    """The photo decoded and written afresh: only its pixels survive. EXIF (the camera's GPS position
    among it), comments and anything appended after the image are dropped; the orientation the
    camera recorded is applied to the pixels first, so the photo stays upright."""
    name = getattr(upload, "name", "") or _("photo")
    output = io.BytesIO()
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
        # Pillow writes back what it read into `info` (a JPEG's comment, say); only the colour
        # profile is worth keeping.
        colours = upright.info.get("icc_profile")
        upright.info = {}
        if image_format == "JPEG":
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(output, format="JPEG", quality=90, icc_profile=colours)
        else:
            upright.save(output, format="PNG", icc_profile=colours)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # A file whose header passed the check but whose pixels do not decode.
        raise _not_a_photo(name) from error
    finally:
        upload.seek(0)
    return ContentFile(output.getvalue(), name=str(name))


def check_photo_count(count: int) -> None:
    limit = settings.TICKET_PHOTO_MAX_COUNT
    if count > limit:
        raise ValidationError(_("Attach at most %(limit)d photos.") % {"limit": limit}, code="too_many_photos")


def inspect_photos(uploads) -> list[tuple[object, str, str]]:
    """Check a batch of uploaded photos; returns (clean file, content type, extension) for each,
    the clean file being the photo re-encoded (see `reencode_photo`), which is what gets stored."""
    check_photo_count(len(uploads))
    checked = [(upload, *inspect_photo(upload)) for upload in uploads]
    return [
        (reencode_photo(upload, "JPEG" if extension == "jpg" else "PNG"), content_type, extension)
        for upload, content_type, extension in checked
    ]
