"""Rows and cards of the lists, drawn in Python (possystem.markup): the console's rows (and the
dashboard's drill-down list, which draws the same), the ticket list's and the terminal list's cards.
What they show, and everything people typed escaped."""

import re

import pytest
from django.urls import reverse

from accounts.models import Region
from tests.factories import TechnicianFactory, device_in_warranty, file_ticket
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    return sla_policy


def row_of(page: str, number: str) -> str:
    return re.search(rf'<tr data-number="{number}">.*?</tr>', page, re.S).group(0)


def test_a_row_shows_the_ticket_its_terminal_its_technician_and_its_deadlines(client, merchant, dispatcher):
    region = Region.objects.create(code="hangzhou", name="杭州", name_en="Hangzhou")
    device = device_in_warranty(merchant.merchant, region=region)
    ticket = file_ticket(merchant, device, priority="urgent")
    technician = TechnicianFactory(user__first_name="Chen", user__last_name="Jun")
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher, override_reason="Covers Hangzhou today")
    client.force_login(dispatcher)

    row = row_of(client.get(reverse("tickets:console")).content.decode(), ticket.number)

    assert f'<a href="/tickets/{ticket.number}/"><strong>{ticket.number}</strong></a>' in row
    assert '<span class="pill bad">Urgent</span>' in row
    assert "Hangzhou" in row and device.serial_number in row and str(device.model) in row
    assert "<small>Repair · Receipt printer</small>" in row
    assert "Chen Jun" in row and "(not accepted)" in row
    assert re.findall(r'data-milestone="(\w+)"', row) == ["respond", "onsite", "resolve"]
    assert 'data-state="on_track"' in row

    services.assignment_accept(assignment=ticket.active_assignment, by=technician.user)
    row = row_of(client.get(reverse("tickets:console")).content.decode(), ticket.number)
    assert "Chen Jun" in row and "not accepted" not in row


def test_what_people_typed_is_escaped_in_a_row(client, merchant, dispatcher, manager):
    shop = merchant.merchant
    shop.name = '<script>alert("shop")</script> & Co'
    shop.save()
    device = device_in_warranty(shop, serial_number="<b>SN</b>")
    ticket = file_ticket(merchant, device)
    technician = TechnicianFactory(user__first_name="<i>Li</i>", user__last_name="")
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    client.force_login(dispatcher)

    row = row_of(client.get(reverse("tickets:console")).content.decode(), ticket.number)

    assert "&lt;script&gt;alert(&quot;shop&quot;)&lt;/script&gt; &amp; Co" in row
    assert "&lt;b&gt;SN&lt;/b&gt;" in row and "&lt;i&gt;Li&lt;/i&gt;" in row
    assert "<script>" not in row and "<b>SN" not in row and "<i>Li" not in row

    client.force_login(manager)
    drill = client.get(reverse("dashboard:tickets"), {"figure": "open", "period": "30d"}).content.decode()
    assert "&lt;script&gt;" in row_of(drill, ticket.number)


def test_a_ticket_card_and_a_terminal_card_escape_what_people_typed(client, merchant, partner, dispatcher):
    shop = merchant.merchant
    shop.name = "<b>Tea</b> & Co"
    shop.save()
    device = device_in_warranty(shop, serial_number="SN-1", site_address='<img src=x onerror="alert(1)">')
    ticket = file_ticket(merchant, device, description="<script>alert('card')</script> stops printing")

    client.force_login(partner)
    card = re.search(rf'<article class="card ticket" data-number="{ticket.number}">.*?</article>',
                     client.get(reverse("tickets:list")).content.decode(), re.S).group(0)  # fmt: skip
    assert "&lt;script&gt;alert(&#x27;card&#x27;)&lt;/script&gt; stops printing" in card
    assert "<dt>Merchant</dt><dd>&lt;b&gt;Tea&lt;/b&gt; &amp; Co</dd>" in card
    assert "<script>" not in card and "<b>Tea" not in card

    client.force_login(dispatcher)
    card = re.search(r'<article class="card device" data-serial="SN-1">.*?</article>',
                     client.get(reverse("devices:list")).content.decode(), re.S).group(0)  # fmt: skip
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in card and "<img" not in card
    assert "<dt>Merchant</dt><dd>&lt;b&gt;Tea&lt;/b&gt; &amp; Co</dd>" in card
    assert "days left (until" in card  # in warranty
