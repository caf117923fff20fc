"""Writes to devices: registering one, and importing many from a CSV file."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Merchant, Partner, Region
from accounts.scoping import visible_to
from devices.lifecycle import device_registered
from devices.models import Device, DeviceModel, FaultCategory
from devices.validators import serial_number_refused, validate_activation_date, validate_serial_number
from possystem.errors import InvalidInput
from warranty.models import WarrantyPolicy
from warranty.services import warranty_grant

STANDARD_EXCLUSIONS = [FaultCategory.PHYSICAL_DAMAGE, FaultCategory.LIQUID_DAMAGE, FaultCategory.TAMPERING]


def manufacturer_policy_for(device_model: DeviceModel) -> WarrantyPolicy:
    """The standard manufacturer warranty of a model's length, created the first time it is needed."""
    months = device_model.default_warranty_months
    policy, _created = WarrantyPolicy.objects.get_or_create(
        name=f"Manufacturer warranty {months} months",
        defaults={
            "kind": WarrantyPolicy.Kind.MANUFACTURER,
            "months": months,
            "coverage": "Parts and labour for hardware and software faults in normal use.",
            "exclusions": [str(category) for category in STANDARD_EXCLUSIONS],
        },
    )
    return policy


@transaction.atomic
def device_register(
    *,
    serial_number: str,
    model: DeviceModel,
    merchant: Merchant | None,
    activated_on: datetime.date | None = None,
    site_address: str = "",
    region: Region | None = None,
    firmware_version: str = "",
    tid: str = "",
    mid: str = "",
    acquirer: Partner | None = None,
    warehouse=None,
    by=None,
) -> Device:
    """Register a terminal; an activated one gets its model's manufacturer warranty from that day.

    A terminal with a merchant and an activation date is deployed there; any other is in stock (in
    `warehouse` when named). Its history starts with this (`devices.lifecycle.device_registered`).

    `by` is the caller of the API (None: the server itself, e.g. the admin's import). A caller who
    cannot see a terminal already registered under the serial number is told only that the number
    cannot be registered, exactly as for a malformed one.
    """
    serial_number = serial_number.strip()
    if not serial_number:
        raise InvalidInput(_("Enter the serial number."), field="serial_number")
    refused = InvalidInput(serial_number_refused(serial_number), field="serial_number")
    try:
        validate_serial_number(serial_number)
    except ValidationError as error:
        raise (refused if by is not None else InvalidInput(error.messages[0], field="serial_number")) from error
    try:
        validate_activation_date(activated_on)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field="activated_on") from error
    taken = Device.objects.filter(serial_number=serial_number)
    if taken.exists():
        if by is not None and not visible_to(taken, by).exists():
            raise refused
        raise InvalidInput(
            _("A terminal with serial number %(serial)s is already registered.") % {"serial": serial_number},
            field="serial_number",
        )
    if tid and Device.objects.filter(acquirer=acquirer, tid=tid).exists():
        raise InvalidInput(_("Terminal id %(tid)s is already used for this acquirer.") % {"tid": tid}, field="tid")
    deployed = bool(merchant and activated_on)
    try:
        with transaction.atomic():
            device = Device.objects.create(
                serial_number=serial_number,
                model=model,
                merchant=merchant,
                activated_on=activated_on,
                site_address=site_address,
                region=region or (merchant.region if merchant else None),
                firmware_version=firmware_version,
                tid=tid,
                mid=mid,
                acquirer=acquirer,
                status=Device.Status.DEPLOYED if deployed else Device.Status.IN_STOCK,
                warehouse=None if deployed else warehouse,
            )
    except IntegrityError as error:
        # Registered by a concurrent request between the check and the insert (serial or TID).
        raise refused from error
    device_registered(device=device, by=by)
    if activated_on:
        warranty_grant(device=device, policy=manufacturer_policy_for(model), starts_on=activated_on)
    return device


# --- CSV import ----------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("serial_number", "model", "merchant", "activated_on")
OPTIONAL_COLUMNS = ("site_address", "region", "firmware_version", "tid", "mid", "acquirer")
MAX_IMPORT_ROWS = 20_000


@dataclass
class RowProblem:
    line: int
    serial_number: str
    errors: list[str]


@dataclass
class ImportReport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error


def _decode(data: bytes) -> str:
    # Spreadsheets on Chinese desktops often save CSV as GB18030 rather than UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor GB18030")


def _serial_problems(serial: str) -> list[str]:
    if not serial:
        return [_("The serial number is missing.")]
    try:
        validate_serial_number(serial)
    except ValidationError as error:
        return error.messages
    return []


def devices_import_csv(*, data: bytes) -> ImportReport:
    """Import terminals from CSV (serial_number, model, merchant, activated_on, and optional columns).

    All or nothing: when any row is rejected nothing is written, and the report says, row by row,
    what was wrong. `model` is a model name (e.g. A920) or "brand model"; `merchant` a merchant code
    or exact name; `activated_on` a date as YYYY-MM-DD.
    """
    report = ImportReport()
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        report.file_error = _("The file is not text in UTF-8 or GB18030. Save it as CSV and try again.")
        return report
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        report.file_error = _("The file lacks the columns: %(columns)s. The first line must name the columns.") % {
            "columns": ", ".join(missing)
        }
        return report
    reader.fieldnames = headers

    models_by_name = {}
    for device_model in DeviceModel.objects.all():
        models_by_name[device_model.name.lower()] = device_model
        models_by_name[f"{device_model.brand} {device_model.name}".lower()] = device_model
    merchants = {}
    for merchant in Merchant.objects.select_related("region"):
        merchants[merchant.code.lower()] = merchant
        merchants.setdefault(merchant.name.lower(), merchant)
    regions = {}
    for region in Region.objects.all():
        regions[region.code.lower()] = region
        regions[region.name.lower()] = region
    partners = {partner.name.lower(): partner for partner in Partner.objects.all()}

    rows = []
    seen_serials: dict[str, int] = {}
    seen_tids: set[tuple] = set()
    for line, raw in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(row.values()):
            continue
        report.rows += 1
        if report.rows > MAX_IMPORT_ROWS:
            report.file_error = _("The file has more than %(limit)d rows; split it.") % {"limit": MAX_IMPORT_ROWS}
            return report
        serial = row.get("serial_number", "")
        errors = []
        serial_problems = _serial_problems(serial)
        if serial_problems:
            errors.extend(serial_problems)
        elif serial in seen_serials:
            errors.append(
                _("Serial number %(serial)s is also on line %(line)d.")
                % {"serial": serial, "line": seen_serials[serial]}
            )
        else:
            seen_serials[serial] = line
        device_model = models_by_name.get(row.get("model", "").lower())
        if device_model is None:
            errors.append(_("Unknown model “%(model)s”.") % {"model": row.get("model", "")})
        merchant = merchants.get(row.get("merchant", "").lower())
        if merchant is None:
            errors.append(_("Unknown merchant “%(merchant)s”.") % {"merchant": row.get("merchant", "")})
        activated_on = None
        try:
            activated_on = datetime.date.fromisoformat(row.get("activated_on", ""))
        except ValueError:
            errors.append(
                _("The activation date “%(value)s” is not a date like 2026-01-31.")
                % {"value": row.get("activated_on", "")}
            )
        try:
            validate_activation_date(activated_on)
        except ValidationError as error:
            errors.extend(error.messages)
        region = None
        if row.get("region"):
            region = regions.get(row["region"].lower())
            if region is None:
                errors.append(_("Unknown region “%(region)s”.") % {"region": row["region"]})
        acquirer = None
        if row.get("acquirer"):
            acquirer = partners.get(row["acquirer"].lower())
            if acquirer is None:
                errors.append(_("Unknown acquirer “%(partner)s”.") % {"partner": row["acquirer"]})
        if row.get("tid"):
            key = (acquirer.pk if acquirer else None, row["tid"])
            if key in seen_tids:
                errors.append(_("Terminal id %(tid)s appears twice for the same acquirer.") % {"tid": row["tid"]})
            seen_tids.add(key)
        if errors:
            report.problems.append(RowProblem(line=line, serial_number=serial, errors=errors))
        else:
            rows.append((line, row, device_model, merchant, activated_on, region, acquirer))

    existing = set(Device.objects.filter(serial_number__in=list(seen_serials)).values_list("serial_number", flat=True))
    for line, row, *_rest in rows:
        if row["serial_number"] in existing:
            report.problems.append(
                RowProblem(
                    line=line,
                    serial_number=row["serial_number"],
                    errors=[_("Serial number %(serial)s is already registered.") % {"serial": row["serial_number"]}],
                )
            )
    report.problems.sort(key=lambda problem: problem.line)
    if report.problems or report.rows == 0:
        if report.rows == 0:
            report.file_error = _("The file has no rows to import.")
        return report

    try:
        with transaction.atomic():
            for line, row, device_model, merchant, activated_on, region, acquirer in rows:
                try:
                    device_register(
                        serial_number=row["serial_number"],
                        model=device_model,
                        merchant=merchant,
                        activated_on=activated_on,
                        site_address=row.get("site_address", "") or merchant.address,
                        region=region,
                        firmware_version=row.get("firmware_version", ""),
                        tid=row.get("tid", ""),
                        mid=row.get("mid", ""),
                        acquirer=acquirer,
                    )
                except InvalidInput as error:
                    report.problems.append(
                        RowProblem(line=line, serial_number=row["serial_number"], errors=[str(error.message)])
                    )
                    raise
                report.created.append(row["serial_number"])
    except InvalidInput:
        report.created = []
    return report
