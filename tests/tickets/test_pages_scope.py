"""Who sees what on the ticket pages: by page, by photo link and by guessed number."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import TechnicianFactory, device_in_warranty, file_ticket
from tests.tickets.pages import png
from tickets import services
from tickets.models import TicketPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(merchant, dispatcher):
    """`merchant`'s ticket with a filing photo, a public reply with a photo and an internal note with one."""
    ticket = file_ticket(merchant, device_in_warranty(merchant.merchant, serial_number="MINE-0001"), photos=[png()])
    services.ticket_comment_add(ticket=ticket, by=merchant, body="It happened again this morning.", photos=[png()])
    services.ticket_comment_add(
        ticket=ticket, by=dispatcher, body="Merchant sounds annoyed; reserve a spare.", internal=True, photos=[png()]
    )
    return ticket


@pytest.fixture
def theirs(other_merchant):
    return file_ticket(
        other_merchant, device_in_warranty(other_merchant.merchant, serial_number="THEIRS-0001"), photos=[png()]
    )


def photo_url(photo):
    return reverse("tickets:photo", args=[photo.ticket.number, photo.pk])


def test_a_merchant_never_sees_another_merchants_ticket_by_page(client, merchant, mine, theirs):
    client.force_login(merchant)
    listing = client.get(reverse("tickets:list")).content.decode()
    assert mine.number in listing
    assert theirs.number not in listing
    assert "THEIRS-0001" not in client.get(reverse("tickets:list"), {"q": "THEIRS"}).content.decode()
    for name in ("tickets:detail", "tickets:receipt"):
        assert client.get(reverse(name, args=[theirs.number])).status_code == 404


def test_a_merchant_cannot_reach_another_merchants_ticket_by_guessing_its_number(client, merchant, mine, theirs):
    client.force_login(merchant)
    # Numbers are sequential per day, so the neighbours of one's own number are the obvious guesses.
    prefix, sequence = mine.number.rsplit("-", 1)
    guesses = [f"{prefix}-{int(sequence) + step:04d}" for step in (-1, 1, 2)]
    assert theirs.number in guesses
    for number in guesses:
        assert client.get(reverse("tickets:detail", args=[number])).status_code == 404
        for action in ("tickets:reply", "tickets:cancel", "tickets:feedback"):
            assert client.post(reverse(action, args=[number]), {"reply-body": "hello"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert not theirs.comments.exists()


def test_a_merchant_never_sees_another_merchants_photos_by_link(client, merchant, mine, theirs):
    client.force_login(merchant)
    their_photo = theirs.photos.get()
    assert client.get(photo_url(their_photo)).status_code == 404
    # Nor by pairing one's own ticket number with their photo's id.
    assert client.get(reverse("tickets:photo", args=[mine.number, their_photo.pk])).status_code == 404


def test_a_merchant_sees_its_photos_but_not_those_on_internal_notes(client, merchant, dispatcher, mine):
    note_photo = TicketPhoto.objects.get(ticket=mine, comment__internal=True)
    public_photos = TicketPhoto.objects.filter(ticket=mine).exclude(pk=note_photo.pk)
    client.force_login(merchant)
    for photo in public_photos:
        response = client.get(photo_url(photo))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(photo_url(note_photo)).status_code == 404

    client.force_login(dispatcher)
    assert client.get(photo_url(note_photo)).status_code == 200


def test_a_merchant_never_reads_internal_notes(client, merchant, dispatcher, mine):
    client.force_login(merchant)
    page = client.get(reverse("tickets:detail", args=[mine.number])).content.decode()
    assert "It happened again this morning." in page
    assert "reserve a spare" not in page
    assert "Internal note" not in page
    note_photo = TicketPhoto.objects.get(ticket=mine, comment__internal=True)
    assert photo_url(note_photo) not in page

    client.force_login(dispatcher)
    page = client.get(reverse("tickets:detail", args=[mine.number])).content.decode()
    assert "reserve a spare" in page
    assert photo_url(note_photo) in page


def test_photos_are_not_served_from_a_public_media_url(client, merchant, mine):
    client.force_login(merchant)
    photo = mine.photos.first()
    assert client.get(settings.MEDIA_URL + photo.image.name).status_code == 404


def test_a_technician_sees_only_their_own_jobs(client, merchant, dispatcher, mine, theirs):
    zhang = TechnicianFactory(user__username="tech-zhang")
    li = TechnicianFactory(user__username="tech-li")
    services.ticket_assign(ticket=mine, technician=zhang, by=dispatcher)
    services.ticket_assign(ticket=theirs, technician=li, by=dispatcher)

    client.force_login(zhang.user)
    jobs = client.get(reverse("tickets:jobs")).content.decode()
    assert mine.number in jobs
    assert theirs.number not in jobs
    assert client.get(reverse("tickets:detail", args=[mine.number])).status_code == 200
    assert client.get(reverse("tickets:detail", args=[theirs.number])).status_code == 404
    assert client.get(photo_url(theirs.photos.get())).status_code == 404
    assert client.post(reverse("tickets:check_in", args=[theirs.number])).status_code == 404
    # The technician on the job reads the internal notes; the merchant's list is not theirs.
    assert "reserve a spare" in client.get(reverse("tickets:detail", args=[mine.number])).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, mine):
    for url in (
        reverse("tickets:list"),
        reverse("tickets:detail", args=[mine.number]),
        photo_url(mine.photos.first()),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_staff_pages_turn_merchants_away(client, merchant):
    client.force_login(merchant)
    response = client.get(reverse("tickets:console"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("tickets:list")
    assert "The console is for service staff." in response.content.decode()
