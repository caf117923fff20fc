import datetime

import pytest

from devices.models import Device
from devices.services import devices_import_csv
from tests.factories import DeviceFactory, DeviceModelFactory, MerchantFactory, RegionFactory
from warranty.models import Warranty

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    DeviceModelFactory(brand="PAX", name="A920", default_warranty_months=12)
    DeviceModelFactory(brand="Newland", name="N910", default_warranty_months=24)
    RegionFactory(code="shanghai", name="上海")
    return MerchantFactory(code="lotus-tea", name="莲香茶馆")


def csv_bytes(*lines, encoding="utf-8"):
    return ("\n".join(lines) + "\n").encode(encoding)


def test_it_imports_a_good_file_with_warranties(catalogue):
    report = devices_import_csv(
        data=csv_bytes(
            "serial_number,model,merchant,activated_on,region,tid",
            "SN-1,A920,lotus-tea,2026-01-15,shanghai,T0001",
            "SN-2,Newland N910,莲香茶馆,2025-06-01,,",
        )
    )
    assert report.ok, report.problems
    assert report.created == ["SN-1", "SN-2"]
    first = Device.objects.get(serial_number="SN-1")
    assert (first.merchant, first.status, first.region.code, first.tid) == (catalogue, "deployed", "shanghai", "T0001")
    assert Warranty.objects.get(device=first).ends_on == datetime.date(2027, 1, 14)
    assert Warranty.objects.get(device__serial_number="SN-2").ends_on == datetime.date(2027, 5, 31)


def test_it_reads_files_saved_by_chinese_spreadsheets(catalogue):
    report = devices_import_csv(
        data=csv_bytes("serial_number,model,merchant,activated_on", "SN-9,A920,莲香茶馆,2026-01-15", encoding="gb18030")
    )
    assert report.ok
    assert Device.objects.filter(serial_number="SN-9").exists()


def test_it_rejects_the_whole_file_and_reports_each_bad_row(catalogue):
    DeviceFactory(serial_number="SN-TAKEN")
    report = devices_import_csv(
        data=csv_bytes(
            "serial_number,model,merchant,activated_on",
            "SN-OK,A920,lotus-tea,2026-01-15",
            "SN-X,Z999,lotus-tea,2026-01-15",
            "SN-Y,A920,nobody,2026-01-15",
            "SN-Z,A920,lotus-tea,15/01/2026",
            "SN-OK,A920,lotus-tea,2026-01-16",
            "SN-TAKEN,A920,lotus-tea,2026-01-15",
            ",A920,lotus-tea,2026-01-15",
        )
    )
    assert not report.ok
    problems = {p.line: " ".join(p.errors) for p in report.problems}
    assert problems == {
        3: "Unknown model “Z999”.",
        4: "Unknown merchant “nobody”.",
        5: "The activation date “15/01/2026” is not a date like 2026-01-31.",
        6: "Serial number SN-OK is also on line 2.",
        7: "Serial number SN-TAKEN is already registered.",
        8: "The serial number is missing.",
    }
    assert report.created == []
    assert not Device.objects.filter(serial_number="SN-OK").exists()
    assert Device.objects.count() == 1


def test_it_names_missing_columns(catalogue):
    report = devices_import_csv(data=csv_bytes("serial,model", "SN-1,A920"))
    assert report.file_error.startswith("The file lacks the columns: serial_number, merchant, activated_on")
    assert not Device.objects.exists()


def test_it_refuses_a_binary_file(catalogue):
    report = devices_import_csv(data=b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd")
    assert "not text" in report.file_error


def test_it_refuses_an_empty_file(catalogue):
    assert devices_import_csv(data=csv_bytes("serial_number,model,merchant,activated_on")).file_error


def test_the_admin_page_imports_and_reports(client, catalogue):
    from tests.factories import UserFactory

    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "devices.csv", csv_bytes("serial_number,model,merchant,activated_on", "SN-1,Z999,lotus-tea,2026-01-15")
    )
    response = client.post("/admin/devices/device/import/", {"file": bad})
    assert response.status_code == 200
    assert "Unknown model “Z999”." in response.content.decode()
    good = SimpleUploadedFile(
        "devices.csv", csv_bytes("serial_number,model,merchant,activated_on", "SN-1,A920,lotus-tea,2026-01-15")
    )
    response = client.post("/admin/devices/device/import/", {"file": good})
    assert "1 terminal imported." in response.content.decode()
    assert Device.objects.filter(serial_number="SN-1").exists()


def test_only_admins_reach_the_import_page(client, merchant):
    client.force_login(merchant)
    response = client.get("/admin/devices/device/import/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
