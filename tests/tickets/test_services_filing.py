import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from devices.models import Device
from notifications.models import Delivery, Notification
from possystem.errors import ActionNotAllowed, InvalidInput
from tests.factories import DeviceFactory, WarrantyFactory, device_in_warranty, file_ticket
from tickets.filing import ticket_file
from tickets.models import Status, TicketEvent, TicketPhoto

pytestmark = pytest.mark.django_db

FILED_AT = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def jpeg(name="fault.jpg", size=(32, 32)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def filing(merchant_user, device, **overrides):
    fields = {
        "merchant": merchant_user.merchant,
        "device": device,
        "kind": "repair",
        "fault_category": "printer",
        "description": "打印机不出纸",
        "contact_name": "王丽",
        "contact_phone": "138 0013 8000",
        "by": merchant_user,
    }
    fields.update(overrides)
    return fields


@time_machine.travel(FILED_AT, tick=False)
def test_it_files_with_a_number_the_warranty_decision_and_deadlines(merchant, sla_policy):
    device = device_in_warranty(merchant.merchant)
    ticket = ticket_file(**filing(merchant, device)).ticket
    assert ticket.number == "RT-20261126-0001"
    assert ticket.status == Status.NEW
    assert ticket.contact_phone == "13800138000"
    assert ticket.warranty_covered
    assert ticket.warranty_reason == "in_warranty"
    assert ticket.warranty == device.warranties.get()
    assert ticket.warranty_reason_text.startswith("In warranty until ")
    assert ticket.sla_policy == sla_policy
    assert ticket.respond_by == FILED_AT + datetime.timedelta(hours=24)
    assert ticket.onsite_by == FILED_AT + datetime.timedelta(hours=48)
    # Printer faults are repaired within 2 working days: Thursday 10:00 → Monday 10:00.
    assert ticket.resolve_by == datetime.datetime(2026, 11, 30, 10, 0, tzinfo=FILED_AT.tzinfo)
    event = ticket.events.get()
    assert (event.kind, event.to_status, event.actor) == (TicketEvent.Kind.CREATED, Status.NEW, merchant)


def test_the_next_ticket_of_the_day_gets_the_next_number(merchant):
    first = file_ticket(merchant)
    second = file_ticket(merchant)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert first.number[:12] == second.number[:12]


def test_an_expired_device_is_charged_and_says_since_when(merchant):
    device = DeviceFactory(merchant=merchant.merchant, activated_on=datetime.date(2024, 1, 1))
    WarrantyFactory(device=device)
    ticket = file_ticket(merchant, device)
    assert not ticket.warranty_covered
    assert ticket.warranty_reason_text == "Out of warranty since 2025-01-01; parts and labour will be quoted."


def test_an_excluded_fault_is_not_covered(merchant):
    ticket = file_ticket(merchant, fault_category="liquid_damage")
    assert not ticket.warranty_covered
    assert ticket.warranty_reason == "excluded"


def test_a_consultation_needs_no_device_and_has_no_on_site_deadline(merchant, sla_policy):
    ticket = file_ticket(merchant, kind="consultation", fault_category="")
    assert ticket.device is None
    assert ticket.warranty_covered
    assert ticket.onsite_by is None
    assert ticket.respond_by is not None


def test_the_merchant_is_told_in_app_and_by_email(merchant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = file_ticket(merchant)
    notification = Notification.objects.get(recipient=merchant)
    assert notification.subject == f"We received your request {ticket.number}"
    assert notification.link == f"/tickets/{ticket.number}/"
    # The e-mail copy is an outbox row written with the ticket, handed to a worker after commit.
    email = Delivery.objects.get(channel="email", recipient=merchant)
    assert (email.subject, email.source) == (notification.subject, f"notification:{notification.pk}")
    assert len(callbacks) == 1


def test_photos_are_kept_when_they_are_real_images(merchant):
    device = device_in_warranty(merchant.merchant)
    ticket = ticket_file(**filing(merchant, device, photos=[jpeg(), jpeg("b.jpg")])).ticket
    photos = list(TicketPhoto.objects.filter(ticket=ticket))
    assert [(p.content_type, p.extension) for p in photos] == [("image/jpeg", "jpg")] * 2
    assert all(p.image.name.endswith(".jpg") and "fault" not in p.image.name for p in photos)


def test_a_text_file_named_like_a_photo_is_refused(merchant):
    device = device_in_warranty(merchant.merchant)
    fake = SimpleUploadedFile("fault.jpg", b"<?php echo 'hi'; ?>", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as error:
        ticket_file(**filing(merchant, device, photos=[fake]))
    assert error.value.errors == {"photos": ["fault.jpg is not a JPEG or PNG photo."]}


def test_a_gif_is_refused_even_though_it_is_an_image(merchant):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    gif = SimpleUploadedFile("a.gif", buffer.getvalue(), content_type="image/gif")
    with pytest.raises(InvalidInput):
        ticket_file(**filing(merchant, device_in_warranty(merchant.merchant), photos=[gif]))


def test_at_most_five_photos(merchant):
    with pytest.raises(InvalidInput) as error:
        ticket_file(**filing(merchant, device_in_warranty(merchant.merchant), photos=[jpeg() for _ in range(6)]))
    assert error.value.errors["photos"] == ["Attach at most 5 photos."]


def test_too_large_a_photo_is_refused(merchant, settings):
    settings.TICKET_PHOTO_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as error:
        ticket_file(**filing(merchant, device_in_warranty(merchant.merchant), photos=[jpeg()]))
    assert "is larger than 100" in error.value.errors["photos"][0]


def test_every_bad_field_is_named_at_once(merchant):
    with pytest.raises(InvalidInput) as error:
        ticket_file(
            **filing(merchant, None, fault_category="", description=" ", contact_name="", contact_phone="12345")
        )
    assert set(error.value.errors) == {"device", "fault_category", "description", "contact_name", "contact_phone"}
    assert error.value.errors["contact_phone"] == ["Enter a mainland China mobile number, e.g. 138 0013 8000."]


@pytest.mark.parametrize("phone", ["+86 139 1234 5678", "0086-13912345678", "139-1234-5678"])
def test_mobile_numbers_are_accepted_as_people_type_them(merchant, phone):
    ticket = file_ticket(merchant, contact_phone=phone)
    assert ticket.contact_phone == "13912345678"


@pytest.mark.parametrize("phone", ["021 6321 0000", "+1 415 555 0100", "1381234567"])
def test_landlines_and_foreign_numbers_are_refused(merchant, phone):
    with pytest.raises(InvalidInput):
        file_ticket(merchant, contact_phone=phone)


def test_a_merchant_cannot_file_for_another_merchants_device(merchant, other_merchant):
    theirs = device_in_warranty(other_merchant.merchant)
    with pytest.raises(InvalidInput) as error:
        ticket_file(**filing(merchant, theirs))
    assert error.value.errors == {"device": ["This terminal is not registered to your business."]}


def test_a_merchant_cannot_file_on_another_merchants_behalf(merchant, other_merchant):
    theirs = device_in_warranty(other_merchant.merchant)
    with pytest.raises(ActionNotAllowed):
        ticket_file(**filing(merchant, theirs, merchant=other_merchant.merchant))


def test_a_retired_device_is_refused(merchant):
    device = device_in_warranty(merchant.merchant, status=Device.Status.RETIRED)
    with pytest.raises(InvalidInput):
        file_ticket(merchant, device)


def test_a_dispatcher_files_by_phone_for_a_merchant(merchant, dispatcher):
    device = device_in_warranty(merchant.merchant)
    ticket = ticket_file(**filing(merchant, device, by=dispatcher, channel="phone")).ticket
    assert (ticket.channel, ticket.created_by, ticket.merchant) == ("phone", dispatcher, merchant.merchant)


def test_a_partner_files_for_a_merchant_it_brought(merchant, partner, other_merchant):
    device = device_in_warranty(merchant.merchant)
    ticket = ticket_file(**filing(merchant, device, by=partner, channel="api")).ticket
    assert ticket.filed_by_partner == partner.partner
    with pytest.raises(ActionNotAllowed):
        ticket_file(**filing(other_merchant, device_in_warranty(other_merchant.merchant), by=partner))


def test_the_same_submission_key_returns_the_first_ticket(merchant):
    device = device_in_warranty(merchant.merchant)
    first = ticket_file(**filing(merchant, device, submission_key="form-token-1"))
    again = ticket_file(**filing(merchant, device, submission_key="form-token-1"))
    assert first.created and not again.created
    assert again.ticket == first.ticket
    assert merchant.merchant.tickets.count() == 1


def test_users_of_the_merchant_read_the_confirmation_in_their_language(merchant):
    colleague = User.objects.create_user(
        "colleague", role="merchant", merchant=merchant.merchant, language="zh-hans", password="x" * 12
    )
    file_ticket(merchant)
    assert Notification.objects.get(recipient=merchant).subject.startswith("We received")
    assert Notification.objects.get(recipient=colleague).subject != Notification.objects.get(recipient=merchant).subject
