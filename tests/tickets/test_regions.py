"""A ticket's stored region is the terminal's region, else the merchant's: written at filing, kept
through every write that changes either while the ticket is open, and what the console filters by."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db.models import Q
from django.forms.models import model_to_dict
from django.urls import reverse

from accounts.admin import MerchantAdmin
from accounts.models import Merchant
from devices.admin import DeviceAdmin
from devices.lifecycle import device_restock
from devices.models import Device
from tests.factories import RegionFactory, UserFactory, WarehouseFactory, device_in_warranty, file_ticket
from tickets import selectors, services
from tickets.models import Ticket
from tickets.regions import ticket_region_fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing():
    return RegionFactory(code="beijing", name="北京", name_en="Beijing")


@pytest.fixture
def shanghai(merchant):
    return merchant.merchant.region


def region_of(ticket):
    return Ticket.objects.values_list("region__code", flat=True).get(pk=ticket.pk)


def admin_saves(model_admin, obj, *, changed):
    """The admin's save of a changed form (what its change page calls)."""
    request = SimpleNamespace(user=None)
    model_admin.save_model(request, obj, SimpleNamespace(changed_data=changed), change=True)


def test_it_stores_the_terminals_region_else_the_merchants(merchant, sla_policy, beijing):
    placed = device_in_warranty(merchant.merchant, region=beijing)
    unplaced = device_in_warranty(merchant.merchant)
    assert region_of(file_ticket(merchant, device=placed)) == "beijing"
    assert region_of(file_ticket(merchant, device=unplaced)) == "shanghai"
    assert region_of(file_ticket(merchant, kind="consultation", fault_category="")) == "shanghai"


def test_a_terminal_moved_to_another_region_takes_its_open_tickets(merchant, dispatcher, device, sla_policy, beijing):
    open_ticket = file_ticket(merchant, device=device)
    closed = file_ticket(merchant, device=device)
    services.ticket_cancel(ticket=closed, by=dispatcher, reason="Filed twice")
    device_restock(device=device, warehouse=WarehouseFactory(code="beijing-main", region=beijing), by=dispatcher)
    assert region_of(open_ticket) == "beijing"
    assert region_of(closed) == "shanghai"  # served in Shanghai, and stays there


def test_a_terminal_whose_region_the_admin_changes_takes_its_open_tickets(merchant, device, sla_policy, beijing):
    ticket = file_ticket(merchant, device=device)
    device.region = beijing
    admin_saves(DeviceAdmin(Device, admin.site), device, changed=["region"])
    assert region_of(ticket) == "beijing"
    device.region = None
    admin_saves(DeviceAdmin(Device, admin.site), device, changed=["region"])
    assert region_of(ticket) == "shanghai"  # the merchant's again


def test_a_merchant_moved_to_another_region_takes_the_tickets_of_its_unplaced_terminals(
    merchant, device, sla_policy, beijing
):
    guangzhou = RegionFactory(code="guangzhou")
    placed = file_ticket(merchant, device=device_in_warranty(merchant.merchant, region=guangzhou))
    unplaced = file_ticket(merchant, device=device)
    consultation = file_ticket(merchant, kind="consultation", fault_category="")
    shop = merchant.merchant
    shop.region = beijing
    admin_saves(MerchantAdmin(Merchant, admin.site), shop, changed=["region"])
    assert (region_of(placed), region_of(unplaced), region_of(consultation)) == ("guangzhou", "beijing", "beijing")


def test_an_admin_save_that_leaves_the_region_alone_rewrites_nothing(merchant, device, sla_policy, beijing):
    ticket = file_ticket(merchant, device=device)
    Merchant.objects.filter(pk=merchant.merchant_id).update(region=beijing)  # behind the services' back
    admin_saves(MerchantAdmin(Merchant, admin.site), merchant.merchant, changed=["name"])
    assert region_of(ticket) == "shanghai"


def test_the_fill_writes_every_tickets_region(merchant, device, other_merchant, sla_policy, beijing):
    placed = file_ticket(merchant, device=device_in_warranty(merchant.merchant, region=beijing))
    unplaced = file_ticket(merchant, device=device)
    elsewhere = file_ticket(other_merchant, kind="training", fault_category="")
    Ticket.objects.update(region=None)
    ticket_region_fill(batch=1)
    assert [region_of(t) for t in (placed, unplaced, elsewhere)] == ["beijing", "shanghai", "shanghai"]


def test_the_consoles_region_filter_finds_what_the_two_joins_found(
    client, merchant, other_merchant, dispatcher, sla_policy, beijing
):
    shop = other_merchant.merchant
    shop.region = beijing
    shop.save(update_fields=["region"])
    file_ticket(merchant, device=device_in_warranty(merchant.merchant, region=beijing))
    file_ticket(merchant, device=device_in_warranty(merchant.merchant))
    file_ticket(other_merchant, device=device_in_warranty(shop))
    file_ticket(other_merchant, device=device_in_warranty(shop, region=merchant.merchant.region))
    file_ticket(other_merchant, kind="consultation", fault_category="")
    for region in (beijing, merchant.merchant.region):
        before = Ticket.objects.filter(
            Q(device__region=region) | Q(device__region__isnull=True, merchant__region=region)
        )
        found = selectors.ticket_console(actor=dispatcher, region=region)
        assert sorted(t.pk for t in found) == sorted(before.values_list("pk", flat=True))
        assert found.count() in (2, 3)
    client.force_login(dispatcher)
    page = client.get(reverse("tickets:console"), {"region": "beijing"}).content.decode()
    assert page.count('data-number="') == 3


@pytest.fixture
def root(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def test_a_merchant_moved_in_the_admins_change_form_takes_its_open_tickets(client, root, merchant, device, beijing):
    ticket = file_ticket(merchant, device=device)
    shop = merchant.merchant
    data = {k: ("" if v is None else v) for k, v in model_to_dict(shop).items()}
    data["region"] = beijing.pk
    client.force_login(root)
    response = client.post(reverse("admin:accounts_merchant_change", args=[shop.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert region_of(ticket) == "beijing"


def test_the_admin_shows_a_tickets_deadlines_read_only_so_its_next_deadline_cannot_go_stale(
    client, root, merchant, device, sla_policy
):
    ticket = file_ticket(merchant, device=device)
    client.force_login(root)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert 'name="respond_by' not in page and 'name="resolve_by' not in page
    client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"respond_by_0": "2030-01-01"})
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.respond_by == ticket.respond_by and stored.next_due == ticket.respond_by


def test_the_console_reads_the_regions_once_and_again_after_a_change(client, dispatcher, merchant, beijing):
    ticket = file_ticket(merchant, device_in_warranty(merchant.merchant, region=beijing))
    client.force_login(dispatcher)
    assert 'value="beijing">Beijing</option>' in client.get(reverse("tickets:console")).content.decode()

    beijing.name_en = "Peking"
    beijing.save()  # every process reads the regions again (accounts.regions)
    page = client.get(reverse("tickets:console")).content.decode()
    assert 'value="beijing">Peking</option>' in page
    assert "Peking" in page.split(f'data-number="{ticket.number}"')[1].split("</tr>")[0]
