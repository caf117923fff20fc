"""A terminal's page: its repair history, a button to report a fault on it, and warranty words that
agree with what a ticket says."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import DeviceFactory, WarrantyFactory, file_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def device_page(client, user, device, **headers) -> str:
    client.force_login(user)
    return client.get(reverse("devices:detail", args=[device.serial_number]), **headers).content.decode()


def test_it_shows_the_repair_history_and_a_button_to_report_a_fault(
    client, merchant, dispatcher, partner, device, sla_policy
):
    fixed = file_ticket(merchant, device)
    services.ticket_acknowledge(ticket=fixed, by=dispatcher)
    services.ticket_resolve(ticket=fixed, by=dispatcher, outcome="remote", work_done="Reset.")
    open_one = file_ticket(merchant, device, fault_category="screen")
    mine = device_page(client, merchant, device)
    assert fixed.number in mine and open_one.number in mine and "Fixed remotely" in mine
    assert f'href="/tickets/new/?device={device.serial_number}"' in mine
    staff = device_page(client, dispatcher, device)
    assert f"merchant={device.merchant_id}&amp;device={device.serial_number}" in staff
    assert 'data-testid="report-fault"' not in device_page(client, partner, device)
    # The button leads to the form with the terminal chosen.
    client.force_login(merchant)
    form = client.get(f"/tickets/new/?device={device.serial_number}").content.decode()
    assert f'<option value="{device.pk}" selected>' in form


def test_excluded_faults_are_named_and_the_end_of_warranty_agrees_with_the_ticket(client, merchant, sla_policy):
    ended = timezone.localdate() - datetime.timedelta(days=10)
    device = DeviceFactory(merchant=merchant.merchant, activated_on=ended - datetime.timedelta(days=365))
    WarrantyFactory(device=device, starts_on=device.activated_on, ends_on=ended)
    ticket = file_ticket(merchant, device)
    first_uncovered = (ended + datetime.timedelta(days=1)).isoformat()
    assert first_uncovered in ticket.warranty_reason_text
    page = device_page(client, merchant, device)
    assert f"Out of warranty since {first_uncovered}" in page
    assert "Physical damage (dropped, cracked)" in page and "physical_damage" not in page
