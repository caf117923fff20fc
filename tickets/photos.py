"""A ticket's photos (filed with the request, sent with a reply, or of the work at completion):
checked on the way in, stored under a name of our own, and served only through a view that checks
who asks."""

import secrets

from django.core.exceptions import ValidationError

from tickets.events import actor_user
from tickets.models import Ticket, TicketComment, TicketPhoto
from tickets.validators import inspect_photos


def photos_checked(photos, errors: dict[str, list[str]]) -> list[tuple[object, str, str]]:
    """The uploads with their content type and extension; what is wrong with them is added to
    `errors` under "photos", for the caller to refuse together with its other fields."""
    try:
        return inspect_photos(photos)
    except ValidationError as error:
        errors["photos"] = list(error.messages)
        return []


def photos_attach(
    ticket: Ticket, photos, *, by, now, comment: TicketComment | None = None, report=None
) -> list[TicketPhoto]:
    """Store checked photos on the ticket (and the reply they came with, or the repair report they
    show the work of). Runs in the caller's transaction; the files are written before the rows."""
    attached = []
    for upload, content_type, extension in photos:
        photo = TicketPhoto(
            ticket=ticket,
            comment=comment,
            report=report,
            token=secrets.token_hex(16),
            extension=extension,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor_user(by),
            created_at=now,
        )
        photo.image.save(f"{photo.token}.{extension}", upload, save=False)
        photo.save()
        attached.append(photo)
    return attached
