"""Test data, in one place. Tickets are filed through the real service, never built by hand."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Merchant, Partner, Region, User
from devices.models import Device, DeviceModel, FaultCategory, SparePart
from sla.models import SLAPolicy
from stock.models import StockLevel, Warehouse
from technicians.models import Shift, Technician, TechnicianSkill
from tickets.filing import ticket_file
from warranty.models import Warranty, WarrantyPolicy
from warranty.services import warranty_end

PASSWORD = "correct-horse-battery"
_serials = itertools.count(1)
# A weekly schedule as (weekday, from, until): every day around the clock (a shift ending at its start
# lasts 24 hours), so a technician is on shift whenever a test runs unless it says otherwise.
AROUND_THE_CLOCK = [(day, datetime.time(0), datetime.time(0)) for day in range(7)]
OFFICE_HOURS = [(day, datetime.time(9), datetime.time(18)) for day in range(5)]


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"城市{n}")
    name_en = factory.Sequence(lambda n: f"City {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner Bank {n}")
    kind = Partner.Kind.BANK


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"商户 {n}")
    code = factory.Sequence(lambda n: f"merchant-{n}")
    partner = factory.SubFactory(PartnerFactory)
    # Merchants are in Shanghai, terminals are A920s and technicians serve both unless a test says
    # otherwise: a dispatcher's choice raises no concern by default (technicians.matching).
    region = factory.SubFactory(RegionFactory, code="shanghai", name="上海", name_en="Shanghai")
    address = "上海市黄浦区中山东一路 1 号"
    contact_name = "王丽"
    contact_phone = "13800138000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.DISPATCHER
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def merchant_user(merchant=None, **kwargs) -> User:
    return UserFactory(role=User.Role.MERCHANT, merchant=merchant or MerchantFactory(), **kwargs)


def partner_user(partner=None, **kwargs) -> User:
    return UserFactory(role=User.Role.PARTNER, partner=partner or PartnerFactory(), **kwargs)


class DeviceModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceModel
        django_get_or_create = ("name",)

    brand = "PAX"
    name = factory.Sequence(lambda n: f"A9{n:02d}")
    kind = DeviceModel.Kind.SMART
    default_warranty_months = 12


class WarrantyPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyPolicy
        django_get_or_create = ("name",)

    name = factory.LazyAttribute(lambda p: f"Manufacturer {p.months} months")
    kind = WarrantyPolicy.Kind.MANUFACTURER
    months = 12
    exclusions = factory.LazyFunction(
        lambda: [FaultCategory.PHYSICAL_DAMAGE, FaultCategory.LIQUID_DAMAGE, FaultCategory.TAMPERING]
    )


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    serial_number = factory.LazyFunction(lambda: f"SN{next(_serials):08d}")
    model = factory.SubFactory(DeviceModelFactory, name="A920")
    merchant = factory.SubFactory(MerchantFactory)
    site_address = factory.LazyAttribute(lambda d: d.merchant.address if d.merchant else "")
    status = Device.Status.DEPLOYED
    activated_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))


class WarrantyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warranty

    device = factory.SubFactory(DeviceFactory)
    policy = factory.SubFactory(WarrantyPolicyFactory)
    starts_on = factory.LazyAttribute(lambda w: w.device.activated_on)
    ends_on = factory.LazyAttribute(lambda w: warranty_end(starts_on=w.starts_on, months=w.policy.months))


def device_in_warranty(merchant, **kwargs) -> Device:
    device = DeviceFactory(merchant=merchant, **kwargs)
    WarrantyFactory(device=device)
    return device


class WarehouseFactory(factory.django.DjangoModelFactory):
    """The Shanghai warehouse unless a test says otherwise: the default technician draws from it."""

    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = "shanghai-main"
    name = "上海总仓"
    region = factory.SubFactory(RegionFactory, code="shanghai", name="上海", name_en="Shanghai")


def device_in_stock(warehouse=None, **kwargs) -> Device:
    """A terminal in stock at `warehouse` (one in Shanghai unless given), never activated."""
    fields = {"merchant": None, "status": Device.Status.IN_STOCK, "activated_on": None, "site_address": ""}
    fields.update(kwargs)
    return DeviceFactory(warehouse=warehouse or WarehouseFactory(), **fields)


class SparePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SparePart
        skip_postgeneration_save = True

    sku = factory.Sequence(lambda n: f"PART-{n}")
    name = factory.Sequence(lambda n: f"Printer module {n}")
    unit_cost = Decimal("120.00")

    @factory.post_generation
    def stock(obj, create, extracted, **kwargs):
        """`stock=n`: n of the part in the Shanghai warehouse (10 unless given)."""
        if create:
            quantity = 10 if extracted is None else extracted
            StockLevel.objects.create(part=obj, warehouse=WarehouseFactory(), quantity=quantity)


def stock_of(part, warehouse=None) -> int:
    """What a warehouse (the Shanghai one unless given) holds of a part now."""
    level = StockLevel.objects.filter(part=part, warehouse=warehouse or WarehouseFactory()).first()
    return level.quantity if level else 0


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=User.Role.TECHNICIAN)
    capacity = 5

    @factory.post_generation
    def shifts(obj, create, extracted, **kwargs):
        """`shifts=[(weekday, from, until), …]`; around the clock unless given (`[]`: never on shift)."""
        if create:
            Shift.objects.bulk_create(
                Shift(technician=obj, weekday=day, starts_at=starts, ends_at=ends)
                for day, starts, ends in (AROUND_THE_CLOCK if extracted is None else extracted)
            )

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        """The regions served; Shanghai unless given (`[]`: none)."""
        if create:
            obj.regions.set(
                [RegionFactory(code="shanghai", name="上海", name_en="Shanghai")] if extracted is None else extracted
            )

    @factory.post_generation
    def trained_on(obj, create, extracted, **kwargs):
        """The device models trained on; the A920 unless given (`[]`: none)."""
        if not create:
            return
        for device_model in [DeviceModelFactory(name="A920")] if extracted is None else extracted:
            TechnicianSkill.objects.create(
                technician=obj, device_model=device_model, trained_on=datetime.date(2026, 1, 5)
            )


class SLAPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLAPolicy
        django_get_or_create = ("name",)

    name = "Standard"
    priority = ""
    merchant_tier = ""
    response_hours = 24
    onsite_hours = 48
    resolution_working_days = 3
    resolution_days_by_fault = factory.LazyFunction(lambda: {"software": 1, "printer": 2})


def file_ticket(by, device=None, **overrides):
    """File a ticket through the real service as `by` (a merchant user unless `merchant` is given)."""
    merchant = overrides.pop("merchant", None) or by.merchant
    fields = {
        "kind": "repair",
        "fault_category": "printer",
        "description": "The printer stops halfway through a receipt.",
        "contact_name": "王丽",
        "contact_phone": "13800138000",
    }
    fields.update(overrides)
    if device is None and fields["kind"] not in ("consultation", "training"):
        device = device_in_warranty(merchant)
    return ticket_file(merchant=merchant, device=device, by=by, **fields).ticket
