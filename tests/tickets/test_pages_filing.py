"""Filing a request in the browser: the merchant's form, and staff filing on a merchant's behalf."""

import re

import pytest
from django.urls import reverse

from tests.factories import TechnicianFactory, device_in_warranty
from tests.tickets.pages import messages_of, not_an_image, png
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    return sla_policy


@pytest.fixture
def device(merchant):
    return device_in_warranty(merchant.merchant, serial_number="PAX-A920-7001")


def form_key(client, url=None) -> str:
    page = client.get(url or reverse("tickets:new")).content.decode()
    return re.search(r'name="submission_key" value="([^"]+)"', page).group(1)


def filing(key, device=None, **overrides):
    data = {
        "submission_key": key,
        "device": device.pk if device else "",
        "serial": "",
        "kind": "repair",
        "fault_category": "printer",
        "description": "The printer stops halfway through a receipt.",
        "contact_name": "王丽",
        "contact_phone": "138 0013 8000",
        "preferred_visit_at": "",
    }
    data.update(overrides)
    return data


def test_the_form_offers_only_my_terminals(client, merchant, other_merchant, device):
    device_in_warranty(other_merchant.merchant, serial_number="THEIRS-7002")
    client.force_login(merchant)
    page = client.get(reverse("tickets:new")).content.decode()
    assert "PAX-A920-7001" in page
    assert "THEIRS-7002" not in page
    assert 'name="submission_key"' in page
    assert 'accept="image/jpeg,image/png"' in page


def test_filing_shows_the_number_warranty_decision_and_deadlines(client, merchant, device):
    client.force_login(merchant)
    data = filing(form_key(client), device, photos=[png()])
    response = client.post(reverse("tickets:new"), data, follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.number])
    page = response.content.decode()
    assert f"Your request {ticket.number} is filed." in messages_of(response)
    assert ticket.number in page
    assert ticket.warranty_covered
    assert "In warranty until" in page and "the repair is free" in page
    assert ticket.respond_by is not None
    assert 'data-milestone="respond" data-state="on_track"' in page
    assert "left" in page  # time remaining next to each deadline
    assert ticket.photos.count() == 1
    assert ticket.contact_phone == "13800138000"
    assert ticket.channel == Channel.WEB
    assert ticket.created_by == merchant


def test_resubmitting_the_form_returns_the_same_ticket(client, merchant, device):
    client.force_login(merchant)
    data = filing(form_key(client), device)
    first = client.post(reverse("tickets:new"), data)
    again = client.post(reverse("tickets:new"), data, follow=True)
    ticket = Ticket.objects.get()
    assert first["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert again.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.number])
    assert f"This request was already filed as {ticket.number}." in messages_of(again)
    # A fresh form gets a fresh token and files a new request.
    client.post(reverse("tickets:new"), filing(form_key(client), device))
    assert Ticket.objects.count() == 2


def test_errors_keep_the_input_and_name_the_field(client, merchant, device):
    client.force_login(merchant)
    data = filing(form_key(client), device, contact_phone="12345", description="Screen flickers after the update.")
    response = client.post(reverse("tickets:new"), data)
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["contact_phone"]
    assert "Enter a mainland China mobile number" in form.errors["contact_phone"][0]
    page = response.content.decode()
    assert "Screen flickers after the update." in page
    assert 'value="12345"' in page
    assert f'<option value="{device.pk}" selected>' in page
    assert re.search(r'class="field invalid">\s*<label for="id_contact_phone"', page)


def test_a_repair_needs_a_fault_and_a_terminal(client, merchant):
    client.force_login(merchant)
    response = client.post(reverse("tickets:new"), filing(form_key(client), None, fault_category=""))
    assert set(response.context["form"].errors) == {"device", "fault_category"}
    # A consultation needs neither.
    response = client.post(
        reverse("tickets:new"), filing(form_key(client), None, kind="consultation", fault_category="")
    )
    assert response.status_code == 302
    assert Ticket.objects.get().kind == "consultation"


def test_a_typed_serial_finds_my_terminal_and_never_another_merchants(client, merchant, other_merchant, device):
    device_in_warranty(other_merchant.merchant, serial_number="THEIRS-7003")
    client.force_login(merchant)
    response = client.post(reverse("tickets:new"), filing(form_key(client), None, serial="theirs-7003"))
    assert response.status_code == 200
    assert response.context["form"].errors["serial"] == [
        "No terminal with serial number THEIRS-7003 is registered to this business."
    ]
    response = client.post(reverse("tickets:new"), filing(form_key(client), None, serial=" pax-a920-7001 "))
    assert response.status_code == 302
    assert Ticket.objects.get().device == device


def test_a_file_that_is_not_a_photo_is_refused_by_its_content(client, merchant, device):
    client.force_login(merchant)
    response = client.post(reverse("tickets:new"), filing(form_key(client), device, photos=[not_an_image()]))
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["receipt.png is not a JPEG or PNG photo."]
    assert "attach them again" in response.content.decode()
    assert not Ticket.objects.exists()


def test_at_most_five_photos(client, merchant, device):
    client.force_login(merchant)
    photos = [png(f"p{n}.png") for n in range(6)]
    response = client.post(reverse("tickets:new"), filing(form_key(client), device, photos=photos))
    assert response.context["form"].errors["photos"] == ["Attach at most 5 photos."]


def test_a_preferred_visit_time_in_the_past_is_refused(client, merchant, device):
    client.force_login(merchant)
    response = client.post(
        reverse("tickets:new"), filing(form_key(client), device, preferred_visit_at="2020-01-01T10:00")
    )
    assert response.context["form"].errors["preferred_visit_at"] == ["Choose a time in the future."]


def test_a_dispatcher_files_on_a_merchants_behalf_with_the_channel(client, dispatcher, merchant, device):
    client.force_login(dispatcher)
    picker = client.get(reverse("tickets:new"), {"q": merchant.merchant.code}).content.decode()
    assert merchant.merchant.name in picker
    url = reverse("tickets:new") + f"?merchant={merchant.merchant.pk}"
    data = filing(form_key(client, url), device, channel="phone", priority="high", merchant=merchant.merchant.pk)
    response = client.post(reverse("tickets:new"), data)
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert (ticket.merchant, ticket.channel, ticket.priority, ticket.created_by) == (
        merchant.merchant,
        Channel.PHONE,
        "high",
        dispatcher,
    )
    # The merchant is told, and sees it in its list.
    assert merchant.notifications.filter(ticket=ticket).exists()


def test_a_dispatcher_cannot_file_another_merchants_terminal_for_this_merchant(
    client, dispatcher, merchant, other_merchant
):
    device_in_warranty(other_merchant.merchant, serial_number="THEIRS-7004")
    client.force_login(dispatcher)
    url = reverse("tickets:new") + f"?merchant={merchant.merchant.pk}"
    data = filing(form_key(client, url), None, serial="THEIRS-7004", channel="email", priority="normal")
    data["merchant"] = merchant.merchant.pk
    response = client.post(reverse("tickets:new"), data)
    assert "serial" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_technicians_do_not_file_requests(client):
    technician = TechnicianFactory()
    client.force_login(technician.user)
    response = client.get(reverse("tickets:new"), follow=True)
    assert "Only merchants and service staff can file requests here." in messages_of(response)


def test_without_an_sla_policy_the_page_still_shows(client, merchant, device, sla_policy):
    sla_policy.active = False
    sla_policy.save()
    client.force_login(merchant)
    response = client.post(reverse("tickets:new"), filing(form_key(client), device), follow=True)
    assert response.status_code == 200
    assert Ticket.objects.get().respond_by is None


def test_the_list_filters_by_status_and_searches_by_number_or_serial(client, merchant, device, dispatcher):
    from tests.factories import file_ticket
    from tickets.services import ticket_acknowledge

    other_device = device_in_warranty(merchant.merchant, serial_number="SUNMI-P2-7005")
    first = file_ticket(merchant, device)
    second = file_ticket(merchant, other_device)
    ticket_acknowledge(ticket=second, by=dispatcher)
    client.force_login(merchant)

    def listed(**params):
        page = client.get(reverse("tickets:list"), params).content.decode()
        return {number for number in (first.number, second.number) if number in page}

    assert listed() == {first.number, second.number}
    assert listed(status="new") == {first.number}
    assert listed(status="acknowledged") == {second.number}
    assert listed(status="open") == {first.number, second.number}
    assert listed(q="P2-7005") == {second.number}
    assert listed(q=first.number) == {first.number}
    assert listed(status="nonsense") == {first.number, second.number}


def test_the_form_speaks_the_readers_language_page_after_page(client, merchant):
    client.force_login(merchant)
    chinese = client.get(reverse("tickets:new"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(reverse("tickets:new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "最多 5 张 JPEG 或 PNG 照片" in chinese
    assert "Up to 5 JPEG or PNG photos, 5 MB each." in english
