import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Merchant, Region
from accounts.scoping import PartnerPrincipal, visible_to
from devices.models import Device
from tests.factories import MerchantFactory, device_in_warranty, file_ticket
from tickets.models import Ticket
from warranty.models import Warranty

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(merchant, other_merchant):
    """Two merchants of two partners, each with a terminal and a ticket."""
    mine = device_in_warranty(merchant.merchant, serial_number="MINE-1")
    theirs = device_in_warranty(other_merchant.merchant, serial_number="THEIRS-1")
    return {
        "device": mine,
        "other_device": theirs,
        "ticket": file_ticket(merchant, mine),
        "other_ticket": file_ticket(other_merchant, theirs),
    }


def test_a_merchant_sees_only_its_own_rows(world, merchant):
    assert list(visible_to(Device.objects.all(), merchant)) == [world["device"]]
    assert list(visible_to(Ticket.objects.all(), merchant)) == [world["ticket"]]
    assert list(visible_to(Merchant.objects.all(), merchant)) == [merchant.merchant]
    assert list(visible_to(Warranty.objects.all(), merchant)) == list(world["device"].warranties.all())


def test_a_partner_sees_only_the_merchants_it_brought(world, merchant, partner):
    brought_later = MerchantFactory(partner=partner.partner)
    assert set(visible_to(Merchant.objects.all(), partner)) == {merchant.merchant, brought_later}
    assert list(visible_to(Device.objects.all(), partner)) == [world["device"]]
    assert list(visible_to(Ticket.objects.all(), partner)) == [world["ticket"]]


def test_a_partner_api_key_is_scoped_like_the_partner(world, partner):
    principal = PartnerPrincipal(partner=partner.partner)
    assert list(visible_to(Ticket.objects.all(), principal)) == [world["ticket"]]
    assert not visible_to(Device.objects.filter(pk=world["other_device"].pk), principal).exists()


def test_staff_see_everything(world, dispatcher, manager):
    for user in (dispatcher, manager):
        assert visible_to(Ticket.objects.all(), user).count() == 2
        assert visible_to(Device.objects.all(), user).count() == 2


def test_a_technician_sees_only_the_jobs_assigned_to_them(world, technician, dispatcher):
    from tickets.services import ticket_assign

    assert not visible_to(Ticket.objects.all(), technician.user).exists()
    ticket_assign(ticket=world["ticket"], technician=technician, by=dispatcher)
    ticket_assign(ticket=world["ticket"], technician=technician, by=dispatcher)  # two assignments, one row
    assert list(visible_to(Ticket.objects.all(), technician.user)) == [world["ticket"]]
    assert list(visible_to(Device.objects.all(), technician.user)) == [world["device"]]


def test_a_technician_taken_off_a_job_no_longer_sees_it(world, technician, dispatcher):
    from tests.factories import TechnicianFactory
    from tickets.selectors import sees_internal
    from tickets.services import ticket_assign

    ticket_assign(ticket=world["ticket"], technician=technician, by=dispatcher)
    ticket_assign(ticket=world["ticket"], technician=TechnicianFactory(), by=dispatcher)
    assert not visible_to(Ticket.objects.all(), technician.user).exists()
    assert not visible_to(Device.objects.all(), technician.user).exists()
    assert not sees_internal(actor=technician.user, ticket=world["ticket"])


def test_nobody_signed_out_or_disabled_sees_anything(world, merchant):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_to(Ticket.objects.all(), AnonymousUser()).exists()
    merchant.is_active = False
    assert not visible_to(Ticket.objects.all(), merchant).exists()


def test_a_model_without_scope_paths_is_refused():
    with pytest.raises(ImproperlyConfigured):
        visible_to(Region.objects.all(), None)


def test_the_device_list_page_shows_only_my_terminals(client, world, merchant):
    client.force_login(merchant)
    page = client.get("/devices/").content.decode()
    assert "MINE-1" in page
    assert "THEIRS-1" not in page


def test_a_guessed_serial_number_is_not_found(client, world, merchant):
    client.force_login(merchant)
    assert client.get("/devices/MINE-1/").status_code == 200
    assert client.get("/devices/THEIRS-1/").status_code == 404


def test_a_guessed_ticket_number_is_not_found(client, world, merchant):
    client.force_login(merchant)
    assert client.get(f"/tickets/{world['ticket'].number}/").status_code == 200
    assert client.get(f"/tickets/{world['other_ticket'].number}/").status_code == 404


def test_a_partner_user_lists_only_its_merchants(client, world, partner, other_merchant):
    client.force_login(partner)
    page = client.get("/accounts/partner/").content.decode()
    assert partner.partner.merchants.get().name in page
    assert other_merchant.merchant.name not in page
