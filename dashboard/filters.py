"""What a dashboard view shows: a period and filters, read from the query string into one `View`.

The period is a preset (the last 7, 30, 90 or 365 days, this month, last month) or a custom range
of days. Days are local days (Asia/Shanghai): a period of days D1..D2 holds the tickets filed from
00:00 on D1 to 00:00 on the day after D2, local time, whatever the server's clock says.

The filters (region, partner, merchant, device model, technician, kind) live in the address, so a
view can be bookmarked and shared; `View.query` writes them back. `View.tickets()` is the one
caller-scoped queryset every figure, chart, drill-down list and export starts from.

Bad values (an unknown region, a merchant the caller may not see, a range that ends before it
starts) are form errors in the reader's language; the page answers 400 with them, never 500.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Merchant, Partner, Region
from accounts.scoping import visible_to
from devices.models import DeviceModel
from technicians.models import Assignment, Technician
from tickets.models import Kind, Ticket

LOCAL = ZoneInfo(settings.TIME_ZONE)
# The longest custom range: two years and a day, so "the same period last year" fits in one view.
MAX_DAYS = 731
# Days a range may start or end on: far enough for any ticket, near enough for date arithmetic.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
# Merchants offered as suggestions under the merchant filter: thousands would make the page heavy
# and the list useless; typing a name or code reaches the others.
MERCHANT_SUGGESTIONS = 200


class Preset:
    LAST_7 = "7d"
    LAST_30 = "30d"
    LAST_90 = "90d"
    LAST_365 = "365d"
    THIS_MONTH = "month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


PRESET_CHOICES = [
    (Preset.LAST_7, _("Last 7 days")),
    (Preset.LAST_30, _("Last 30 days")),
    (Preset.LAST_90, _("Last 90 days")),
    (Preset.LAST_365, _("Last 12 months")),
    (Preset.THIS_MONTH, _("This month")),
    (Preset.LAST_MONTH, _("Last month")),
    (Preset.CUSTOM, _("Custom range")),
]
DEFAULT_PRESET = Preset.LAST_30
_PRESET_DAYS = {Preset.LAST_7: 7, Preset.LAST_30: 30, Preset.LAST_90: 90, Preset.LAST_365: 365}
# The old /sla/ addresses said `?days=7`; they still mean the same period.
_DAYS_TO_PRESET = {str(days): preset for preset, days in _PRESET_DAYS.items()}


def local_midnight(day: datetime.date) -> datetime.datetime:
    """00:00 of `day` in Asia/Shanghai, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL)


@dataclass(frozen=True)
class Period:
    """Local days `first`..`last`, both included."""

    preset: str
    first: datetime.date
    last: datetime.date

    @property
    def since(self) -> datetime.datetime:
        return local_midnight(self.first)

    @property
    def until(self) -> datetime.datetime:
        """The end, excluded: 00:00 local on the day after `last`."""
        return local_midnight(self.last + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_of(preset: str, today: datetime.date, first=None, last=None) -> Period:
    """The days a preset covers, ending today (local) for the rolling ones."""
    if preset in _PRESET_DAYS:
        return Period(preset, today - datetime.timedelta(days=_PRESET_DAYS[preset] - 1), today)
    if preset == Preset.THIS_MONTH:
        return Period(preset, today.replace(day=1), today)
    if preset == Preset.LAST_MONTH:
        end = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(preset, end.replace(day=1), end)
    return Period(Preset.CUSTOM, first, last)


class ViewForm(forms.Form):
    """The query string of a dashboard view. Choices are limited to what the caller may see."""

    period = forms.ChoiceField(label=_("Period"), choices=PRESET_CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), to_field_name="code", required=False
    )
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none(), required=False)
    merchant = forms.ModelChoiceField(label=_("Merchant"), queryset=Merchant.objects.none(), required=False)
    # What the reader typed in the merchant filter (a name or a code); resolved to one `merchant`.
    merchant_name = forms.CharField(label=_("Merchant"), max_length=128, required=False, strip=True)
    model = forms.ModelChoiceField(label=_("Device model"), queryset=DeviceModel.objects.all(), required=False)
    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=Technician.objects.select_related("user"), required=False
    )
    kind = forms.ChoiceField(label=_("Service"), choices=[("", ""), *Kind.choices], required=False)

    def __init__(self, data, *, actor, today: datetime.date | None = None, **kwargs):
        self.today = today or timezone.localdate(timezone=LOCAL)
        data = data.copy()
        # `?days=30` from the old SLA dashboard's links.
        if not data.get("period") and data.get("days") in _DAYS_TO_PRESET:
            data["period"] = _DAYS_TO_PRESET[data["days"]]
        super().__init__(data, **kwargs)
        self.fields["partner"].queryset = visible_to(Partner.objects.all(), actor)
        self.fields["merchant"].queryset = visible_to(Merchant.objects.all(), actor)
        # Technicians and their names are staff knowledge; a partner's view has no such filter.
        if actor.role == "partner":
            self.fields["technician"].queryset = Technician.objects.none()

    def clean(self):
        data = super().clean()
        preset = data.get("period") or DEFAULT_PRESET
        start, end = data.get("start"), data.get("end")
        if preset != Preset.CUSTOM and (start or end):
            # The form shows a preset's days in the date fields; days changed there make a custom range.
            shown = period_of(preset, self.today)
            if (start or shown.first, end or shown.last) != (shown.first, shown.last):
                preset = Preset.CUSTOM
                start, end = start or shown.first, end or shown.last
                data["start"], data["end"] = start, end
        if preset == Preset.CUSTOM:
            start, end = data.get("start"), data.get("end")
            for name, day in (("start", start), ("end", end)):
                if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                    self.add_error(name, _("Choose a day between %(first)s and %(last)s.") % {
                        "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()
                    })  # fmt: skip
                    start = end = None
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Choose the first day of the range."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Choose the last day of the range."))
            if start and end:
                if end < start:
                    self.add_error("end", _("The range ends before it starts."))
                elif (end - start).days + 1 > MAX_DAYS:
                    self.add_error("end", _("Choose a range of at most %(days)d days.") % {"days": MAX_DAYS})
        data["period"] = preset
        self._resolve_merchant(data)
        return data

    def _resolve_merchant(self, data) -> None:
        """The filter's text names one merchant the caller may see: its code, its exact name, or
        a part of its name that fits no other. A link (`?merchant=<id>` alone) keeps its merchant;
        a submitted form (`merchant_name` present) decides, an empty text meaning any merchant."""
        if "merchant_name" not in self.data or "merchant" in self.errors:
            return
        text = data.get("merchant_name") or ""
        chosen = data.get("merchant")
        if not text:
            data["merchant"] = None
            return
        if chosen is not None and text in (chosen.name, chosen.code):
            return  # the form sent back the merchant it showed
        merchants = self.fields["merchant"].queryset
        for lookup in ("code__iexact", "name__iexact", "name__icontains"):
            found = list(merchants.filter(**{lookup: text}).order_by("name", "pk")[:2])
            if len(found) == 1:
                data["merchant"] = found[0]
                return
            if found:
                self.add_error(
                    "merchant_name",
                    _("Several merchants match “%(text)s”; type more of the name, or the merchant code.")
                    % {"text": text},
                )
                return
        self.add_error("merchant_name", _("No merchant matches “%(text)s”.") % {"text": text})


@dataclass(frozen=True)
class View:
    """One dashboard view: who looks, over which days, through which filters."""

    actor: object
    period: Period
    region: Region | None = None
    partner: Partner | None = None
    merchant: Merchant | None = None
    device_model: DeviceModel | None = None
    technician: Technician | None = None
    kind: str = ""
    now: datetime.datetime = field(default_factory=timezone.now)

    @classmethod
    def from_query(cls, query, *, actor, now: datetime.datetime | None = None) -> "View":
        """Parse a query string (a QueryDict); raises `InvalidView` with the form's errors."""
        now = now or timezone.now()
        today = timezone.localtime(now, LOCAL).date()
        form = ViewForm(query, actor=actor, today=today)
        if not form.is_valid():
            raise InvalidView(form)
        data = form.cleaned_data
        return cls(
            actor=actor,
            period=period_of(data["period"], today, data.get("start"), data.get("end")),
            region=data.get("region"),
            partner=data.get("partner"),
            merchant=data.get("merchant"),
            device_model=data.get("model"),
            technician=data.get("technician"),
            kind=data.get("kind") or "",
            now=now,
        )

    @classmethod
    def for_days(cls, days: int, *, actor, now: datetime.datetime | None = None) -> "View":
        """The last `days` local days, today included, without filters."""
        now = now or timezone.now()
        today = timezone.localtime(now, LOCAL).date()
        preset = _DAYS_TO_PRESET.get(str(days), Preset.CUSTOM)
        return cls(actor=actor, period=Period(preset, today - datetime.timedelta(days=days - 1), today), now=now)

    # --- the tickets behind the view ---------------------------------------------------------------

    def scope(self) -> QuerySet:
        """The caller's tickets through the filters, filed at any time: open tickets, at-risk and
        breach lists read from here."""
        tickets = visible_to(Ticket.objects.all(), self.actor)
        if self.region is not None:
            # Where the job is: the terminal's region, else the merchant's, as stored on the ticket
            # (`tickets.regions`; a closed ticket keeps the region it was served in), as the console.
            tickets = tickets.filter(region=self.region)
        if self.partner is not None:
            tickets = tickets.filter(merchant__partner=self.partner)
        if self.merchant is not None:
            tickets = tickets.filter(merchant=self.merchant)
        if self.device_model is not None:
            tickets = tickets.filter(device__model=self.device_model)
        if self.technician is not None:
            # Any technician sent to the ticket, the one who finished it or one taken off it since.
            tickets = tickets.filter(
                Exists(Assignment.objects.filter(ticket=OuterRef("pk"), technician=self.technician))
            )
        if self.kind:
            tickets = tickets.filter(kind=self.kind)
        return tickets

    def tickets(self) -> QuerySet:
        """The caller's tickets filed in the period through the filters: what the figures count."""
        return self.scope().filter(created_at__gte=self.period.since, created_at__lt=self.period.until)

    # --- the address ----------------------------------------------------------------------------------

    def params(self) -> dict[str, str]:
        """The view as query parameters, only those that differ from the defaults."""
        params = {}
        if self.period.preset != DEFAULT_PRESET:
            params["period"] = self.period.preset
        if self.period.preset == Preset.CUSTOM:
            params["start"] = self.period.first.isoformat()
            params["end"] = self.period.last.isoformat()
        for name, value in (
            ("region", self.region and self.region.code),
            ("partner", self.partner and self.partner.pk),
            ("merchant", self.merchant and self.merchant.pk),
            ("model", self.device_model and self.device_model.pk),
            ("technician", self.technician and self.technician.pk),
            ("kind", self.kind),
        ):
            if value:
                params[name] = str(value)
        return params

    def query(self, **extra) -> str:
        """`period=90d&region=sh...` with `extra` added (a figure to drill into) or, when empty, taken
        out; no leading `?`."""
        params = self.params()
        for name, value in extra.items():
            if value in (None, ""):
                params.pop(name, None)  # an empty extra takes the parameter out
            else:
                params[name] = str(value)
        return urlencode(params)


def merchant_suggestions(*, actor, region: Region | None = None, partner: Partner | None = None) -> list[Merchant]:
    """Merchants to suggest under the merchant filter: those the caller may see in the chosen region
    and of the chosen partner, by name, at most MERCHANT_SUGGESTIONS."""
    merchants = visible_to(Merchant.objects.all(), actor)
    if region is not None:
        merchants = merchants.filter(region=region)
    if partner is not None:
        merchants = merchants.filter(partner=partner)
    return list(merchants.only("name", "code").order_by("name", "pk")[:MERCHANT_SUGGESTIONS])


class InvalidView(Exception):
    def __init__(self, form: ViewForm):
        super().__init__("invalid dashboard view")
        self.form = form

    @property
    def messages(self) -> list[str]:
        return [str(message) for errors in self.form.errors.values() for message in errors]
