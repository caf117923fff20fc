import datetime

import pytest
import time_machine

from devices.models import FaultCategory
from tests.factories import DeviceFactory, WarrantyFactory, WarrantyPolicyFactory
from warranty.services import Reason, warranty_decide, warranty_end, warranty_status

pytestmark = pytest.mark.django_db

JAN_15 = datetime.date(2026, 1, 15)


@pytest.fixture
def device():
    device = DeviceFactory(activated_on=JAN_15)
    WarrantyFactory(device=device, starts_on=JAN_15)  # 12 months: 2026-01-15 .. 2027-01-14
    return device


def test_it_ends_the_day_before_the_anniversary():
    assert warranty_end(starts_on=JAN_15, months=12) == datetime.date(2027, 1, 14)
    assert warranty_end(starts_on=datetime.date(2024, 2, 29), months=12) == datetime.date(2025, 2, 27)
    assert warranty_end(starts_on=datetime.date(2026, 1, 31), months=1) == datetime.date(2026, 2, 27)


def test_it_covers_the_first_day(device):
    decision = warranty_decide(device=device, on=JAN_15, fault_category=FaultCategory.PRINTER)
    assert decision.covered
    assert decision.reason_code == Reason.IN_WARRANTY


def test_it_covers_the_last_day(device):
    decision = warranty_decide(device=device, on=datetime.date(2027, 1, 14), fault_category=FaultCategory.PRINTER)
    assert decision.covered
    assert decision.ends_on == datetime.date(2027, 1, 14)
    assert decision.reason == "In warranty until 2027-01-14; the repair is free."


def test_it_does_not_cover_the_day_after(device):
    decision = warranty_decide(device=device, on=datetime.date(2027, 1, 15), fault_category=FaultCategory.PRINTER)
    assert not decision.covered
    assert decision.reason_code == Reason.EXPIRED
    assert decision.reason == "Out of warranty since 2027-01-15; parts and labour will be quoted."


def test_it_does_not_cover_the_day_before_the_start(device):
    decision = warranty_decide(device=device, on=datetime.date(2026, 1, 14), fault_category=FaultCategory.PRINTER)
    assert not decision.covered
    assert decision.reason_code == Reason.NOT_STARTED


@pytest.mark.parametrize("fault", [FaultCategory.PHYSICAL_DAMAGE, FaultCategory.LIQUID_DAMAGE, FaultCategory.TAMPERING])
def test_it_refuses_excluded_faults_inside_the_period(device, fault):
    decision = warranty_decide(device=device, on=datetime.date(2026, 6, 1), fault_category=fault)
    assert not decision.covered
    assert decision.reason_code == Reason.EXCLUDED
    assert "is not covered by Manufacturer 12 months" in decision.reason


def test_it_says_when_there_is_no_warranty():
    decision = warranty_decide(device=DeviceFactory(), on=JAN_15, fault_category=FaultCategory.PRINTER)
    assert not decision.covered
    assert decision.reason == "No warranty on record; parts and labour will be quoted."


def test_an_extension_takes_over_after_the_manufacturer_warranty(device):
    extension = WarrantyPolicyFactory(name="Extended care", kind="extension", months=12, exclusions=["liquid_damage"])
    WarrantyFactory(device=device, policy=extension, starts_on=datetime.date(2027, 1, 15))
    decision = warranty_decide(device=device, on=datetime.date(2027, 1, 15), fault_category=FaultCategory.PRINTER)
    assert decision.covered
    assert decision.policy == extension
    assert decision.ends_on == datetime.date(2028, 1, 14)


def test_a_fault_one_policy_excludes_is_covered_by_another_active_one(device):
    broad = WarrantyPolicyFactory(name="All risks", kind="extension", months=24, exclusions=[])
    WarrantyFactory(device=device, policy=broad, starts_on=JAN_15)
    decision = warranty_decide(device=device, on=datetime.date(2026, 3, 1), fault_category=FaultCategory.LIQUID_DAMAGE)
    assert decision.covered
    assert decision.policy == broad


def test_consultation_is_free_whatever_the_warranty():
    decision = warranty_decide(device=DeviceFactory(), on=JAN_15, consultation=True)
    assert decision.covered
    assert decision.reason == "Consultation is free of charge."


def test_the_reason_reads_in_chinese_when_chinese_is_active(device):
    from django.utils import translation

    with translation.override("zh-hans"):
        decision = warranty_decide(device=device, on=datetime.date(2027, 1, 15), fault_category=FaultCategory.PRINTER)
        assert decision.reason == "已于 2027-01-15 过保，配件和人工费用将先报价。"


@time_machine.travel(datetime.datetime(2027, 1, 14, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_today_is_the_day_in_shanghai(device):
    # 23:30 UTC on the 14th is already 07:30 on the 15th in Shanghai: the warranty has ended.
    assert not warranty_decide(device=device, fault_category=FaultCategory.PRINTER).covered


def test_the_status_counts_the_last_day_as_left(device):
    status = warranty_status(device=device, on=datetime.date(2027, 1, 14))
    assert (status.state, status.days_left) == ("expiring", 1)
    status = warranty_status(device=device, on=datetime.date(2026, 6, 1))
    assert status.state == "covered"
    assert status.days_left == (datetime.date(2027, 1, 14) - datetime.date(2026, 6, 1)).days + 1
    assert warranty_status(device=device, on=datetime.date(2027, 1, 15)).state == "expired"
