"""Demo data for the quick start and for trying the product: `manage.py seed_demo`.

Every step looks up what it would create first, so running the seed twice changes nothing.
"""

import base64
import datetime
import io
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Merchant, Partner, Region, User
from api.services import api_key_replace
from devices.lifecycle import device_receive
from devices.models import Device, DeviceModel, FaultCategory, SparePart
from devices.services import device_register, manufacturer_policy_for
from sla.models import SLAPolicy
from sla.services import escalations_scan, ticket_sla_changed
from stock.models import StockLevel, StockMovement, Warehouse
from stock.services import stock_adjust, stock_receive, stock_threshold_set, stock_transfer
from technicians.models import Assignment, Leave, Shift, Technician, TechnicianSkill
from tickets import loans, quotes
from tickets import services as tickets
from tickets.filing import ticket_file
from tickets.models import Ticket, TicketEvent
from warranty.models import WarrantyPolicy
from warranty.services import warranty_grant

DEMO_PASSWORD = "demo1234"  # noqa: S105 - demo data only, printed to the terminal on purpose

REGIONS = [
    ("shanghai", "上海", "Shanghai"),
    ("beijing", "北京", "Beijing"),
    ("shenzhen", "深圳", "Shenzhen"),
    ("guangzhou", "广州", "Guangzhou"),
    ("hangzhou", "杭州", "Hangzhou"),
    ("chengdu", "成都", "Chengdu"),
]

PARTNERS = [
    ("东方收单 Eastern Acquiring", Partner.Kind.ACQUIRER, "api@eastern-acquiring.example"),
    ("珠江银行 Pearl River Bank", Partner.Kind.BANK, "pos@pearlriverbank.example"),
    ("信达 POS 经销 Xinda Resellers", Partner.Kind.RESELLER, "ops@xinda.example"),
]

DEVICE_MODELS = [
    ("PAX", "A920", DeviceModel.Kind.SMART, 12),
    ("PAX", "S920", DeviceModel.Kind.MOBILE, 12),
    ("Newland", "N910", DeviceModel.Kind.SMART, 24),
    ("Ingenico", "Move/5000", DeviceModel.Kind.MOBILE, 12),
    ("Verifone", "V200c", DeviceModel.Kind.COUNTERTOP, 24),
    ("Sunmi", "P2", DeviceModel.Kind.SMART, 12),
    ("LANDI", "A8", DeviceModel.Kind.SMART, 12),
]

# code, name, tier, partner index, region, address, contact, phone, email
MERCHANTS = [
    ("lotus-tea", "莲香茶馆 Lotus Tea House", Merchant.Tier.STANDARD, 0, "shanghai", "上海市静安区南京西路 1266 号", "王丽", "13800138000", "owner@lotustea.example"),
    ("golden-noodle", "金面馆 Golden Noodle", Merchant.Tier.STANDARD, 1, "beijing", "北京市朝阳区建国路 88 号", "李强", "13900139000", "boss@goldennoodle.example"),
    ("harbour-mart", "港湾便利店 Harbour Mart", Merchant.Tier.PREMIUM, 0, "shenzhen", "深圳市南山区科技园南路 15 号", "陈敏", "13700137000", "it@harbourmart.example"),
    ("west-lake-books", "西湖书店 West Lake Books", Merchant.Tier.STANDARD, 2, "hangzhou", "杭州市西湖区北山街 42 号", "赵静", "13600136000", ""),
    ("spicy-corner", "川味小馆 Spicy Corner", Merchant.Tier.STANDARD, 1, "chengdu", "成都市锦江区春熙路 9 号", "刘洋", "13500135000", ""),
    ("canton-dimsum", "粤点心 Canton Dim Sum", Merchant.Tier.PREMIUM, 2, "guangzhou", "广州市天河区天河路 385 号", "黄伟", "13300133000", ""),
]  # fmt: skip

# Spare terminals in stock: serial, model, warehouse. PAX-A920-9001 is swapped in at 莲香茶馆 (demo-23),
# SUNMI-P2-9003 lent there (demo-24).
STOCK_TERMINALS = [
    ("PAX-A920-9001", "A920", "shanghai-main"),
    ("PAX-A920-9002", "A920", "shanghai-main"),
    ("SUNMI-P2-9003", "P2", "shanghai-main"),
    ("PAX-S920-9004", "S920", "beijing-main"),
    ("VF-V200C-9005", "V200c", "beijing-main"),
    ("ING-MOVE-9006", "Move/5000", "shenzhen-main"),
]
# The models each acquirer certifies (an acquirer naming none accepts any): 东方收单 does not take V200c.
ACCEPTED_MODELS = {0: ["A920", "S920", "N910", "P2", "Move/5000", "A8"]}

# The provider's parts catalogue, named in its own language (as the warehouses are).
SPARE_PARTS = [
    ("SCR-A920", "A920 触摸屏总成", "420.00", ["A920"]),
    ("PRN-A920", "A920 热敏打印模块", "160.00", ["A920", "S920"]),
    ("BAT-A920", "A920 电池 5250 mAh", "95.00", ["A920"]),
    ("ICC-N910", "N910 IC 卡读卡器", "210.00", ["N910"]),
    ("KPD-V200", "V200c 键盘膜", "75.00", ["V200c"]),
    ("BAT-MOVE", "Move/5000 电池", "88.00", ["Move/5000"]),
    ("PRN-P2", "P2 打印胶辊与切刀", "60.00", ["P2"]),
    ("ANT-A8", "A8 4G 天线", "45.00", ["A8"]),
]

# One warehouse per demo region: code, name, region.
WAREHOUSES = [
    ("shanghai-main", "上海总仓", "shanghai"),
    ("beijing-main", "北京仓", "beijing"),
    ("shenzhen-main", "深圳仓", "shenzhen"),
    ("guangzhou-main", "广州仓", "guangzhou"),
    ("hangzhou-main", "杭州仓", "hangzhou"),
    ("chengdu-main", "成都仓", "chengdu"),
]

# What each warehouse received, and the level at which managers hear of low stock. PRN-P2 in
# Shanghai is at its threshold, so the demo manager has a low-stock notice; ANT-A8 is out everywhere.
DEMO_STOCK = [
    ("SCR-A920", "shanghai-main", 12, 3),
    ("SCR-A920", "beijing-main", 4, 1),
    ("PRN-A920", "shanghai-main", 15, 4),
    ("PRN-A920", "hangzhou-main", 5, 2),
    ("PRN-A920", "beijing-main", 5, 2),
    ("BAT-A920", "shanghai-main", 20, 5),
    ("BAT-A920", "hangzhou-main", 10, 3),
    ("BAT-A920", "beijing-main", 10, 3),
    ("ICC-N910", "shanghai-main", 6, 2),
    ("ICC-N910", "beijing-main", 4, 1),
    ("ICC-N910", "shenzhen-main", 2, 1),
    ("KPD-V200", "beijing-main", 12, 3),
    ("KPD-V200", "shenzhen-main", 8, 2),
    ("BAT-MOVE", "shenzhen-main", 15, 4),
    ("BAT-MOVE", "guangzhou-main", 10, 3),
    ("BAT-MOVE", "chengdu-main", 5, 2),
    ("PRN-P2", "shanghai-main", 3, 5),
]


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> dict:
    """Create the demo organisations, users, terminals, warranties, parts, technicians and policies."""
    today = today or timezone.localdate()
    regions = {
        code: Region.objects.update_or_create(code=code, defaults={"name": name, "name_en": en})[0]
        for code, name, en in REGIONS
    }
    partners = [
        Partner.objects.get_or_create(name=name, defaults={"kind": kind, "contact_email": email})[0]
        for name, kind, email in PARTNERS
    ]
    models = {
        name: DeviceModel.objects.get_or_create(
            name=name, defaults={"brand": brand, "kind": kind, "default_warranty_months": months}
        )[0]
        for brand, name, kind, months in DEVICE_MODELS
    }
    merchants = {}
    for code, name, tier, partner, region, address, contact, phone, email in MERCHANTS:
        merchants[code] = Merchant.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "tier": tier,
                "partner": partners[partner],
                "region": regions[region],
                "address": address,
                "contact_name": contact,
                "contact_phone": phone,
                "contact_email": email,
            },
        )[0]

    _seed_policies()
    _seed_warehouses(regions=regions, models=models, partners=partners)
    _seed_devices(merchants=merchants, models=models, partners=partners, today=today)
    _seed_spare_parts(models)
    users = _seed_users(merchants=merchants, partners=partners)
    _seed_technicians(users=users, regions=regions, models=models, today=today)
    _seed_stock(regions=regions, manager=users["manager"])
    return {"users": users, "merchants": merchants, "partners": partners}


def _seed_policies() -> None:
    SLAPolicy.objects.get_or_create(
        name="Standard: respond 24 h, on site 48 h, repair 1–3 working days",
        defaults={
            "priority": "",
            "merchant_tier": "",
            "response_hours": 24,
            "onsite_hours": 48,
            "resolution_working_days": 3,
            "resolution_days_by_fault": {"software": 1, "connectivity": 1, "printer": 2, "battery": 2},
        },
    )
    SLAPolicy.objects.get_or_create(
        name="Urgent: respond 4 h, on site 24 h, repair 1 working day",
        defaults={"priority": "urgent", "response_hours": 4, "onsite_hours": 24, "resolution_working_days": 1},
    )
    SLAPolicy.objects.get_or_create(
        name="Premium merchants: respond 12 h, on site 24 h, repair 1–2 working days",
        defaults={
            "merchant_tier": Merchant.Tier.PREMIUM,
            "response_hours": 12,
            "onsite_hours": 24,
            "resolution_working_days": 2,
            "resolution_days_by_fault": {"software": 1, "connectivity": 1},
        },
    )
    WarrantyPolicy.objects.get_or_create(
        name="Extended care 12 months",
        defaults={
            "kind": WarrantyPolicy.Kind.EXTENSION,
            "months": 12,
            "coverage": "Parts and labour after the manufacturer warranty, including batteries.",
            "exclusions": [FaultCategory.LIQUID_DAMAGE, FaultCategory.TAMPERING],
        },
    )


def _months_ago(today: datetime.date, months: int, days: int = 0) -> datetime.date:
    from dateutil.relativedelta import relativedelta

    return today - relativedelta(months=months) - datetime.timedelta(days=days)


def _seed_devices(*, merchants, models, partners, today) -> None:
    # serial, model, merchant, activated (months ago, extra days ago), tid, firmware
    plan = [
        ("PAX-A920-0001", "A920", "lotus-tea", (3, 0), "10000001", "V2.1.08"),      # in warranty
        ("PAX-A920-0002", "A920", "lotus-tea", (11, 20), "10000002", "V2.1.05"),    # ending within days
        ("NL-N910-0003", "N910", "lotus-tea", (30, 0), "10000003", "N910-5.2"),     # expired
        ("SUNMI-P2-0004", "P2", "lotus-tea", (6, 0), "10000004", "P2-3.4.1"),       # in warranty
        ("VF-V200C-0005", "V200c", "golden-noodle", (8, 0), "20000005", "V200-1.9"),
        ("PAX-S920-0006", "S920", "golden-noodle", (14, 0), "20000006", "S920-4.0"),  # expired
        ("ING-MOVE-0007", "Move/5000", "harbour-mart", (2, 0), "10000007", "M5-11.2"),
        ("LANDI-A8-0008", "A8", "harbour-mart", (13, 0), "10000008", "A8-2.2"),     # extended warranty
        ("PAX-A920-0009", "A920", "west-lake-books", (5, 0), "30000009", "V2.1.08"),
        ("NL-N910-0010", "N910", "spicy-corner", (20, 0), "20000010", "N910-5.1"),
        ("SUNMI-P2-0011", "P2", "canton-dimsum", (1, 0), "30000011", "P2-3.4.1"),
        ("PAX-A920-0012", "A920", "lotus-tea", (4, 0), "10000012", "V2.1.08"),      # swapped (demo-23)
        ("SUNMI-P2-0013", "P2", "lotus-tea", (7, 0), "10000013", "P2-3.4.1"),       # at the depot, a loaner in its place (demo-24)
    ]  # fmt: skip
    for serial, model_name, merchant_code, (months, days), tid, firmware in plan:
        if Device.objects.filter(serial_number=serial).exists():
            continue
        merchant = merchants[merchant_code]
        device_register(
            serial_number=serial,
            model=models[model_name],
            merchant=merchant,
            activated_on=_months_ago(today, months, days),
            site_address=merchant.address,
            region=merchant.region,
            firmware_version=firmware,
            tid=tid,
            mid=f"8983100{merchant.pk:08d}",
            acquirer=merchant.partner,
        )
    extension = WarrantyPolicy.objects.get(name="Extended care 12 months")
    a8 = Device.objects.get(serial_number="LANDI-A8-0008")
    manufacturer = a8.warranties.filter(policy=manufacturer_policy_for(a8.model)).first()
    if manufacturer is not None:
        warranty_grant(device=a8, policy=extension, starts_on=manufacturer.ends_on + datetime.timedelta(days=1))
    for serial, model_name, code in STOCK_TERMINALS:
        warehouse = Warehouse.objects.get(code=code)
        device = Device.objects.filter(serial_number=serial).first()
        if device is None:
            device_register(serial_number=serial, model=models[model_name], merchant=None, warehouse=warehouse)
        elif device.status == Device.Status.IN_STOCK and device.warehouse_id is None:
            device_receive(device=device, warehouse=warehouse, by=None)  # seeded before there were warehouses


def _seed_warehouses(*, regions, models, partners) -> None:
    for code, name, region in WAREHOUSES:
        Warehouse.objects.get_or_create(code=code, defaults={"name": name, "region": regions[region]})
    for partner_index, model_names in ACCEPTED_MODELS.items():
        partner = partners[partner_index]
        if not partner.accepted_models.exists():
            partner.accepted_models.set([models[name] for name in model_names])


def _seed_spare_parts(models) -> None:
    for sku, name, cost, compatible in SPARE_PARTS:
        part, created = SparePart.objects.get_or_create(sku=sku, defaults={"name": name, "unit_cost": Decimal(cost)})
        if created:
            part.compatible_models.set([models[m] for m in compatible])


def _seed_stock(*, regions, manager) -> None:
    """Warehouses with stock, received, moved and adjusted through the stock services, once."""
    warehouses = {
        code: Warehouse.objects.get_or_create(code=code, defaults={"name": name, "region": regions[region]})[0]
        for code, name, region in WAREHOUSES
    }
    if StockMovement.objects.exists():
        return
    parts = {part.sku: part for part in SparePart.objects.all()}
    for sku, code, quantity, threshold in DEMO_STOCK:
        stock_receive(part=parts[sku], warehouse=warehouses[code], quantity=quantity, by=manager, note="期初入库")
        stock_threshold_set(part=parts[sku], warehouse=warehouses[code], threshold=threshold, by=manager)
    stock_transfer(
        part=parts["SCR-A920"], source=warehouses["shanghai-main"], destination=warehouses["hangzhou-main"],
        quantity=2, by=manager, note="杭州备货",
    )  # fmt: skip
    stock_adjust(
        part=parts["BAT-A920"], warehouse=warehouses["shanghai-main"], change=-1, by=manager,
        reason="盘点发现一块电池鼓包，已报废。",
    )  # fmt: skip


def _user(
    username,
    *,
    role,
    first_name,
    last_name="",
    email="",
    merchant=None,
    partner=None,
    superuser=False,
    language="zh-hans",
):
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        merchant=merchant,
        partner=partner,
        is_staff=superuser,
        is_superuser=superuser,
        language=language,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _seed_users(*, merchants, partners) -> dict[str, User]:
    r = User.Role
    return {
        "merchant": _user("merchant", role=r.MERCHANT, first_name="王丽", email="owner@lotustea.example", merchant=merchants["lotus-tea"]),
        "merchant2": _user("merchant2", role=r.MERCHANT, first_name="李强", email="boss@goldennoodle.example", merchant=merchants["golden-noodle"]),
        "dispatcher": _user("dispatcher", role=r.DISPATCHER, first_name="周敏", email="dispatch@possystem.example"),
        "technician": _user("technician", role=r.TECHNICIAN, first_name="张伟", email="zhang.wei@possystem.example"),
        "manager": _user("manager", role=r.MANAGER, first_name="孙芳", email="manager@possystem.example"),
        "partner": _user("partner", role=r.PARTNER, first_name="Eastern", last_name="Integration", email="api@eastern-acquiring.example", partner=partners[0], language="en"),
        "admin": _user("admin", role=r.ADMIN, first_name="Admin", email="admin@possystem.example", superuser=True, language="en"),
        "tech_li": _user("tech_li", role=r.TECHNICIAN, first_name="李娜", email="li.na@possystem.example"),
        "tech_chen": _user("tech_chen", role=r.TECHNICIAN, first_name="陈刚", email="chen.gang@possystem.example"),
    }  # fmt: skip


# Weekly hours per technician: (weekdays, from, until).
SCHEDULES = {
    "technician": [(range(7), datetime.time(8, 0), datetime.time(22, 0))],  # every day, long hours
    "tech_li": [
        (range(5), datetime.time(9, 0), datetime.time(18, 0)),
        ([5], datetime.time(9, 0), datetime.time(13, 0)),
    ],
    "tech_chen": [(range(5), datetime.time(9, 0), datetime.time(18, 0))],  # on leave this fortnight
}


def _seed_technicians(*, users, regions, models, today) -> None:
    plan = [
        ("technician", ["shanghai", "hangzhou"], ["A920", "S920", "N910", "P2"], 8),
        ("tech_li", ["beijing"], ["V200c", "S920", "N910"], 5),
        ("tech_chen", ["shenzhen", "guangzhou", "chengdu"], ["Move/5000", "A8", "P2", "N910"], 4),
    ]
    for username, region_codes, model_names, capacity in plan:
        technician, created = Technician.objects.get_or_create(user=users[username], defaults={"capacity": capacity})
        if created:
            technician.regions.set([regions[code] for code in region_codes])
            for index, name in enumerate(model_names):
                TechnicianSkill.objects.get_or_create(
                    technician=technician,
                    device_model=models[name],
                    defaults={"trained_on": today - datetime.timedelta(days=90 + 30 * index)},
                )
            Shift.objects.bulk_create(
                Shift(technician=technician, weekday=day, starts_at=starts, ends_at=ends)
                for days, starts, ends in SCHEDULES[username]
                for day in days
            )
    chen = Technician.objects.get(user=users["tech_chen"])
    if not chen.leaves.exists():
        Leave.objects.create(
            technician=chen, first_day=today, last_day=today + datetime.timedelta(days=13), note="年假 Annual leave"
        )


# --- tickets -----------------------------------------------------------------------------------------

# key, merchant user, serial, kind, fault, priority, description, the steps to take it through
DEMO_TICKETS = [
    ("demo-01", "merchant", "PAX-A920-0001", "repair", "printer", "normal", "打印机不出纸，小票打印一半就停。", []),
    ("demo-02", "merchant", "SUNMI-P2-0004", "repair", "screen", "high", "Touch screen does not respond in the lower half.", []),
    ("demo-03", "merchant", None, "consultation", "", "normal", "如何在终端上做退货（部分退款）？", []),
    ("demo-04", "merchant", "NL-N910-0003", "repair", "card_reader", "normal", "插卡读不出来，挥卡正常。", ["acknowledge"]),
    ("demo-05", "merchant", "PAX-A920-0002", "repair", "battery", "normal", "电池一小时就没电了。", ["assign"]),
    ("demo-06", "merchant", "PAX-A920-0001", "software_update", "software", "normal", "Please update the payment app to the latest version.", ["assign", "accept", "on_the_way", "check_in"]),
    ("demo-07", "merchant", "NL-N910-0003", "repair", "screen", "normal", "屏幕有裂纹，过保，需要报价。", ["assign", "accept", "check_in", "quote"]),
    ("demo-08", "merchant", "SUNMI-P2-0004", "repair", "connectivity", "normal", "4G 信号时有时无。", ["assign", "accept", "check_in", "resolve"]),
    ("demo-09", "merchant", "PAX-A920-0001", "repair", "printer", "normal", "Printer jams every morning.", ["assign", "accept", "check_in", "resolve", "rate"]),
    ("demo-10", "merchant", "PAX-A920-0002", "training", "", "low", "新员工需要收银培训。", ["cancel"]),
    ("demo-11", "merchant2", "VF-V200C-0005", "repair", "keypad", "high", "密码键盘按键 5 失灵。", []),
    ("demo-12", "merchant2", "PAX-S920-0006", "repair", "power", "urgent", "终端无法开机。", []),
    ("demo-13", "merchant2", "VF-V200C-0005", "installation", "", "normal", "新店需要安装一台终端。", ["acknowledge"]),
    ("demo-14", "merchant2", "PAX-S920-0006", "repair", "battery", "normal", "Battery swollen.", ["assign", "accept", "check_in", "resolve", "rate"]),
    # Filed hours ago (backdated) so the SLA dashboard and the escalations inbox have something to show.
    ("demo-15", "merchant", "PAX-A920-0002", "repair", "screen", "normal", "屏幕偶尔黑屏。", ["backdate:20"]),  # response at risk
    ("demo-16", "merchant2", "VF-V200C-0005", "repair", "card_reader", "high", "挥卡无反应。", ["backdate:30"]),  # response breached, managers told
    ("demo-17", "merchant", "SUNMI-P2-0004", "repair", "printer", "normal", "Printer cutter jams.", ["assign", "backdate:40"]),  # on-site visit at risk
    ("demo-18", "merchant2", "PAX-S920-0006", "repair", "keypad", "normal", "部分按键失灵。", ["assign", "backdate:51"]),  # on-site visit breached
    # A visit the dispatcher recorded for the technician (his phone was flat): it waits for the manager.
    ("demo-19", "merchant", "SUNMI-P2-0004", "repair", "card_reader", "normal", "挥卡有时读不到。", ["assign", "accept", "record_visit"]),
    # Repaired, then "not fixed": back in the dispatcher's queue for another visit.
    ("demo-20", "merchant", "PAX-A920-0002", "repair", "printer", "normal", "打印出来的字很淡。", ["assign", "accept", "check_in", "resolve", "reopen"]),
    # Out of warranty: quoted (printer module ¥160 + one visit ¥80), approved, repaired and charged exactly ¥240.
    ("demo-21", "merchant2", "PAX-S920-0006", "repair", "printer", "normal", "打印机卡纸，换纸后仍然不走纸。", ["assign", "accept", "check_in", "quote", "approve", "resolve"]),
    # Out of warranty: quoted (card reader ¥210 + one visit ¥80), declined: returned unrepaired, nothing charged.
    ("demo-22", "merchant", "NL-N910-0003", "repair", "card_reader", "low", "插卡偶尔读不到，挥卡正常。", ["assign", "accept", "check_in", "quote", "decline"]),
    # Swapped on site (换机): PAX-A920-9001 from the Shanghai depot takes the TID/MID; the faulty one is in repair.
    # Filed two hours before the swap, so the merchant was down two hours.
    ("demo-23", "merchant", "PAX-A920-0012", "repair", "power", "urgent", "终端反复重启，无法完成交易。", ["backdate:2", "assign", "accept", "check_in", "swap"]),
    # A loaner (备机) while the merchant's own terminal is repaired at the depot: service restored, repair still open.
    # Filed five hours before the loaner came, so the merchant was down five hours.
    ("demo-24", "merchant", "SUNMI-P2-0013", "repair", "card_reader", "high", "读卡器完全无反应。", ["backdate:5", "assign", "accept", "check_in", "lend"]),
]  # fmt: skip

# Where the demo terminals stand: the first verified visit of a site without coordinates teaches them
# (tickets.visits.site_learn); these are what the demo technician's phone reports there.
SITE_LOCATIONS = {
    "PAX-A920-0001": (Decimal("31.228610"), Decimal("121.448720")),
    "SUNMI-P2-0004": (Decimal("31.228790"), Decimal("121.448330")),
    "NL-N910-0003": (Decimal("31.228530"), Decimal("121.448910")),
    "PAX-A920-0002": (Decimal("31.228700"), Decimal("121.448600")),
    "PAX-S920-0006": (Decimal("39.908420"), Decimal("116.459680")),
    "PAX-A920-0012": (Decimal("31.228650"), Decimal("121.448680")),
    "SUNMI-P2-0013": (Decimal("31.228720"), Decimal("121.448450")),
}


# The spare part a fault usually needs, by SKU prefix.
PART_FOR_FAULT = {"printer": "PRN", "battery": "BAT", "screen": "SCR", "card_reader": "ICC", "keypad": "KPD"}


def _part_for(device, fault, technician) -> tuple[SparePart | None, Warehouse | None]:
    """The part a fault needs and a warehouse the technician draws from that holds one."""
    prefix = PART_FOR_FAULT.get(fault)
    if device is None or prefix is None:
        return None, None
    levels = StockLevel.objects.filter(
        part__compatible_models=device.model,
        part__sku__startswith=prefix,
        quantity__gt=0,
        warehouse__in=Warehouse.objects.drawn_from_by(technician),
    ).select_related("part", "warehouse")
    # The warehouse of the terminal's own region first.
    level = (
        levels.filter(warehouse__region=device.region).order_by("part__sku").first()
        or levels.order_by("warehouse__code", "part__sku").first()
    )
    return (level.part, level.warehouse) if level else (None, None)


def seed_demo_tickets(*, users: dict[str, User]) -> int:
    """Tickets in every status for `merchant` and `merchant2`; returns how many were created."""
    created = 0
    dispatcher = users["dispatcher"]
    technicians = {
        "merchant": Technician.objects.get(user__username="technician"),
        "merchant2": Technician.objects.get(user__username="tech_li"),
    }
    for key, username, serial, kind, fault, priority, description, steps in DEMO_TICKETS:
        user = users[username]
        if Ticket.objects.filter(merchant=user.merchant, submission_key=key).exists():
            continue  # seeded before (its terminal may have moved since: a swap, a loan)
        device = Device.objects.get(serial_number=serial) if serial else None
        filed = ticket_file(
            merchant=user.merchant,
            device=device,
            kind=kind,
            fault_category=fault,
            description=description,
            contact_name=user.first_name,
            contact_phone=user.merchant.contact_phone,
            priority=priority,
            by=user,
            submission_key=key,
        )
        if not filed.created:
            continue
        created += 1
        ticket = filed.ticket
        technician = technicians[username]
        for step in steps:
            if step == "acknowledge":
                tickets.ticket_acknowledge(ticket=ticket, by=dispatcher, message="已受理，正在远程诊断。")
            elif step == "assign":
                tickets.ticket_assign(
                    ticket=ticket, technician=technician, by=dispatcher,
                    scheduled_at=timezone.now() + datetime.timedelta(hours=20),
                )  # fmt: skip
                tickets.ticket_comment_add(ticket=ticket, by=dispatcher, body="工程师已安排，请保持电话畅通。")
                tickets.ticket_comment_add(
                    ticket=ticket, by=dispatcher, body="Spare printer module reserved.", internal=True
                )
            elif step == "accept":
                tickets.assignment_accept(assignment=ticket.active_assignment, by=technician.user)
            elif step == "on_the_way":
                tickets.assignment_on_the_way(assignment=ticket.active_assignment, by=technician.user)
            elif step == "check_in":
                latitude, longitude = SITE_LOCATIONS[serial]
                tickets.ticket_check_in(
                    ticket=ticket, by=technician.user, code=ticket.confirmation_code,
                    latitude=latitude, longitude=longitude, accuracy_m=12,
                )  # fmt: skip
            elif step == "record_visit":
                tickets.ticket_visit_record(
                    ticket=ticket, by=dispatcher, reason="工程师手机没电，已电话向商户确认到场。"
                )  # fmt: skip
            elif step == "reopen":
                tickets.ticket_reopen(ticket=ticket, by=user, reason="打印还是很淡，请再来看看。")
            elif step == "quote":
                # The part the fault needs at its list price, and one visit at the labour rate.
                part, _warehouse = _part_for(device, fault, technician)
                lines = [quotes.LineIn(spare_part=part, quantity=Decimal("1"))] if part else []
                lines.append(quotes.LineIn(spare_part=None, quantity=Decimal("1"), description="上门检测与更换"))
                quotes.quote_send(
                    ticket=ticket, by=technician.user, lines=lines,
                    note=f"更换{part.name}。" if part else "检测并重新固定屏幕排线。",
                )  # fmt: skip
            elif step in ("approve", "decline"):
                quotes.quote_decide(quote=ticket.quotes.get(status="pending"), by=user, approve=step == "approve")
            elif step == "resolve":
                # Out of warranty, only what the approved quote lists (tickets.charges); in warranty, free.
                part, warehouse = _part_for(device, fault, technician)
                quoted = ticket.warranty_covered or ticket.quotes.filter(status="approved").exists()
                used = [(part, 1)] if part and quoted else []
                tickets.ticket_resolve(
                    ticket=ticket, by=technician.user, outcome="repaired" if used else "advice",
                    work_done="更换故障部件并完成交易测试。" if used else "清洁触点并调整设置，交易测试正常。",
                    parts=used, warehouse=warehouse, signature=_signature(), signed_by=user.first_name,
                )  # fmt: skip
            elif step == "swap":
                tickets.ticket_resolve(
                    ticket=ticket, by=technician.user, outcome="swapped",
                    work_done="主板故障，现场换机，TID/MID 已迁移到新终端；故障机带回维修中心。",
                    replacement_serial="PAX-A920-9001", signature=_signature(), signed_by=user.first_name,
                )  # fmt: skip
            elif step == "lend":
                loans.loan_lend(ticket=ticket, serial="SUNMI-P2-9003", by=technician.user)
            elif step == "rate":
                tickets.ticket_feedback_give(ticket=ticket, by=user, rating=5, comment="工程师很专业，准时到达。")
            elif step == "cancel":
                tickets.ticket_cancel(ticket=ticket, by=user, reason="已自行解决。")
            elif step.startswith("backdate:"):
                _backdate(ticket, hours=int(step.split(":")[1]))
    if created:
        escalations_scan()  # the beat would within seconds; the dashboard shows them at once
    return created


def _signature() -> str:
    """A drawn signature as the phone's canvas sends it: a PNG data URL with a few strokes of ink."""
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.line([(40, 110), (90, 50), (120, 120), (170, 60), (210, 115)], fill=(29, 35, 48, 255), width=5, joint="curve")
    pen.line([(240, 80), (300, 80), (270, 40), (270, 130)], fill=(29, 35, 48, 255), width=5, joint="curve")
    pen.line([(330, 120), (380, 50), (430, 120)], fill=(29, 35, 48, 255), width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


DEMO_API_KEY_NAME = "Demo key"


def seed_demo_api_key(*, partner: Partner) -> str:
    """A fresh API key for the demo partner, replacing the previous demo key (keys are stored hashed,
    so the only way to print one is to make it; re-running never piles keys up)."""
    _api_key, key = api_key_replace(partner=partner, name=DEMO_API_KEY_NAME)
    return key


def _backdate(ticket, *, hours: int) -> None:
    """Move a demo ticket's history `hours` into the past, deadlines included (demo data only)."""
    delta = datetime.timedelta(hours=hours)
    moved = ("created_at", "respond_by", "onsite_by", "resolve_by", "responded_at", "onsite_at", "visited_at")
    with transaction.atomic():
        # The minutes to each milestone met are worked out again on the moved times (ticket_sla_changed).
        Ticket.objects.filter(pk=ticket.pk).update(
            **{name: F(name) - delta for name in moved}, respond_minutes=None, onsite_minutes=None, resolve_minutes=None
        )
        TicketEvent.objects.filter(ticket=ticket).update(created_at=F("created_at") - delta)
        Assignment.objects.filter(ticket=ticket).update(
            assigned_at=F("assigned_at") - delta, scheduled_at=F("scheduled_at") - delta
        )
        ticket.refresh_from_db()
        ticket_sla_changed(ticket=ticket, now=timezone.now())
