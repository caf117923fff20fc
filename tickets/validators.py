"""Photo checks shared by the web forms, the API serializers and the services."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def inspect_photo(upload) -> tuple[str, str]:
    """Check an uploaded photo by its content; returns (content type, extension).

    The name and the browser's content type are not trusted: the bytes must decode as a JPEG or PNG
    image within the size limit.
    """
    limit = settings.TICKET_PHOTO_MAX_BYTES
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)},
            code="photo_too_large",
        )
    not_an_image = ValidationError(_("%(name)s is not a JPEG or PNG photo.") % {"name": name}, code="photo_invalid")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise not_an_image from error
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise not_an_image
    return PHOTO_FORMATS[image_format]


def check_photo_count(count: int) -> None:
    limit = settings.TICKET_PHOTO_MAX_COUNT
    if count > limit:
        raise ValidationError(_("Attach at most %(limit)d photos.") % {"limit": limit}, code="too_many_photos")


def inspect_photos(uploads) -> list[tuple[object, str, str]]:
    """Check a batch of uploaded photos; returns (upload, content type, extension) for each."""
    check_photo_count(len(uploads))
    return [(upload, *inspect_photo(upload)) for upload in uploads]
