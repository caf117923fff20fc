"""Forms of the ticket pages. They parse and check input; the services in `tickets.services` decide."""

import secrets
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_mainland_mobile
from devices.models import FaultCategory
from possystem.errors import DomainError
from possystem.formats import money
from stock.models import Warehouse
from technicians.models import RepairReport, Technician
from tickets.filing import KINDS_WITHOUT_DEVICE
from tickets.models import Channel, Kind, Priority
from tickets.validators import check_photo_count, inspect_photo

VISIT_FORMAT = "%Y-%m-%dT%H:%M"
STAFF_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.CHAT)]


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form."""
    for field, messages in error.as_field_errors().items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/jpeg,image/png", "multiple": True, **(attrs or {})})


class PhotosField(forms.FileField):
    """Up to TICKET_PHOTO_MAX_COUNT JPEG or PNG photos, each checked by its content."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault(
            "help_text",
            # Formatted when shown, in the reader's language (a field is built once, at import).
            lazy(
                lambda: (
                    _("Up to %(count)d JPEG or PNG photos, %(size)d MB each.")
                    % {
                        "count": settings.TICKET_PHOTO_MAX_COUNT,
                        "size": settings.TICKET_PHOTO_MAX_BYTES // (1024 * 1024),
                    }
                ),
                str,
            )(),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        check_photo_count(len(uploads))
        errors = []
        for upload in uploads:
            super().clean(upload, initial)
            try:
                inspect_photo(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return uploads


class VisitTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=VISIT_FORMAT)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", [VISIT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and moment < timezone.now():
            raise ValidationError(_("Choose a time in the future."), code="past")
        return moment


class TicketFileForm(forms.Form):
    """Filing a request: by a merchant for itself, or by staff for a merchant (with the channel)."""

    # A text field kept out of sight, not type=hidden: static/js/forms.js moves the token from the
    # markup into the field's value, and browsers restore such a field when the user comes back
    # through history, even when they fetch the page again. A back-and-resubmit then carries the
    # first token and finds the ticket it made.
    submission_key = forms.CharField(
        max_length=64, widget=forms.TextInput(attrs={"hidden": True, "data-keep-on-back": ""})
    )
    device = forms.ModelChoiceField(label=_("Terminal"), queryset=None, required=False, empty_label=_("— choose —"))
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        required=False,
        help_text=_("Or type or scan it: printed on the label under the terminal (S/N)."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "data-scan-target": ""}
        ),
    )
    kind = forms.ChoiceField(label=_("Service needed"), choices=Kind.choices, initial=Kind.REPAIR)
    fault_category = forms.ChoiceField(
        label=_("What is wrong"),
        choices=[("", _("— choose —")), *FaultCategory.choices],
        required=False,
        help_text=_("Needed for repairs."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens, since when, any error shown on the screen."),
    )
    photos = PhotosField()
    contact_name = forms.CharField(label=_("Contact name"), max_length=64)
    contact_phone = forms.CharField(
        label=_("Contact mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    preferred_visit_at = VisitTimeField(label=_("Preferred visit time"))

    def __init__(self, *args, devices, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = devices
        self.fields["device"].queryset = devices
        self.fields["device"].label_from_instance = lambda d: f"{d.serial_number} · {d.model}"
        if staff:
            self.fields["channel"] = forms.ChoiceField(
                label=_("Request came in by"), choices=STAFF_CHANNELS, initial=Channel.PHONE
            )
            self.fields["priority"] = forms.ChoiceField(
                label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
            )

    def clean_contact_phone(self):
        return normalize_mainland_mobile(self.cleaned_data["contact_phone"])

    def clean_serial(self):
        return self.cleaned_data["serial"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        device, serial = cleaned.get("device"), cleaned.get("serial")
        if serial:
            typed = self.devices.filter(serial_number__iexact=serial).first()
            if typed is None:
                self.add_error(
                    "serial",
                    _("No terminal with serial number %(serial)s is registered to this business.") % {"serial": serial},
                )
            elif device is not None and device.pk != typed.pk:
                self.add_error("serial", _("Choose a terminal or type its serial number, not both."))
            else:
                cleaned["device"] = typed
        kind = cleaned.get("kind")
        if kind and kind not in KINDS_WITHOUT_DEVICE and cleaned.get("device") is None and not self.has_error("serial"):
            self.add_error("device", _("Choose the terminal that needs service, or type its serial number."))
        if kind == Kind.REPAIR and not cleaned.get("fault_category"):
            self.add_error("fault_category", _("Choose what is wrong with the terminal."))
        return cleaned


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("photos") and not self.has_error("photos"):
            self.add_error("body", _("Write a message or attach a photo."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("What are you waiting for?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(forms.Form):
    RATINGS = [(str(n), str(n)) for n in range(5, 0, -1)]

    rating = forms.TypedChoiceField(
        label=_("Your rating"), choices=RATINGS, coerce=int, widget=forms.RadioSelect(attrs={"class": "stars"})
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    # The page lists the candidates with their reasons and concerns; this field checks the choice.
    technician = forms.ModelChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.filter(user__is_active=True).select_related("user"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a technician."), "invalid_choice": _("Choose a technician.")},
    )
    scheduled_at = VisitTimeField(label=_("Expected visit"))
    message = forms.CharField(label=_("Note for the timeline"), max_length=500, required=False)
    # Asked for when the chosen technician raises concerns (off shift, outside the region, …).
    override_reason = forms.CharField(
        label=_("Why send this technician anyway?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not take this job?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code from the merchant"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "size": 8}
        ),
        error_messages={"required": _("Enter the confirmation code the merchant reads out to you.")},
    )
    # Filled in by static/js/field.js when the technician lets the browser share the location.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)


class VisitRecordForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the visit recorded without the technician's check-in?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The visit stays unverified, and the on-site deadline running, until a manager approves it."),
    )


class VisitRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the visit rejected?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The ticket goes back to dispatched: the technician checks in with the merchant's code."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What is still wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class QuoteForm(forms.Form):
    """The labour and the note of a quote; its parts are the rows of `QuotePartFormSet`. Prices are
    the list prices: only a manager's form offers unit prices (the service checks it again)."""

    labour_quantity = forms.DecimalField(
        label=_("Labour"), min_value=Decimal("0"), max_value=Decimal("99"), decimal_places=2, required=False
    )
    labour_unit_price = forms.DecimalField(
        label=_("Labour unit price (CNY)"), min_value=Decimal("0"), max_digits=10, decimal_places=2, required=False
    )
    note = forms.CharField(
        label=_("What the price covers"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, labour_unit: str = "visit", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["labour_quantity"]
        price = money(settings.LABOUR_RATE_CNY)
        if labour_unit == "hour":
            field.label, field.widget.attrs["step"] = _("Labour (hours)"), "0.5"
            field.help_text = _("%(price)s per hour") % {"price": price}
        else:
            field.label, field.widget.attrs["step"] = _("Labour (visits)"), "1"
            field.help_text = _("%(price)s per visit") % {"price": price}


class QuotePartForm(forms.Form):
    part = forms.ChoiceField(label=_("Part"), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"), min_value=Decimal("0"), max_digits=10, decimal_places=2, required=False
    )

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = [("", "—")] + [
            (str(p.pk), _("%(sku)s %(name)s, %(price)s") % {"sku": p.sku, "name": p.name, "price": money(p.unit_cost)})
            for p in parts
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("part") and not cleaned.get("quantity"):
            cleaned["quantity"] = 1
        return cleaned


QuotePartFormSet = forms.formset_factory(QuotePartForm, extra=3, max_num=10)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("— choose —")), *RepairReport.Outcome.choices])
    work_done = forms.CharField(label=_("Work done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    replacement_serial = forms.CharField(
        label=_("Replacement serial number"),
        max_length=64,
        required=False,
        help_text=_("For a swap: the terminal from your warehouse that you leave with the merchant."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "data-scan-target": ""}
        ),
    )
    photos = PhotosField(label=_("Photos of the work"))
    # The merchant's signature as a PNG data URL, drawn on a canvas by static/js/field.js.
    signature = forms.CharField(required=False, max_length=800_000, widget=forms.HiddenInput)
    signed_by = forms.CharField(label=_("Signed by"), max_length=64, required=False)
    # Where the parts come from: the view offers the warehouses the resolver draws from.
    warehouse = forms.ModelChoiceField(
        label=_("Parts taken from"),
        help_text=_("The warehouse the parts below come from; each part shows what your warehouses hold."),
        queryset=Warehouse.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose a warehouse you draw parts from.")},
    )

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            warehouses = list(warehouses)
            self.fields["warehouse"].queryset = Warehouse.objects.filter(pk__in=[w.pk for w in warehouses])
            if len(warehouses) == 1:
                self.fields["warehouse"].initial = warehouses[0].pk


class LendForm(forms.Form):
    serial = forms.CharField(
        label=_("Loaner serial number"),
        max_length=64,
        help_text=_("A terminal in stock; the merchant's own goes to the depot for repair."),
    )


class PartRowForm(forms.Form):
    part = forms.ChoiceField(label=_("Part used"), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, required=False)

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = [("", "—")] + [(str(p.pk), _part_label(p)) for p in parts]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("part") and not cleaned.get("quantity"):
            cleaned["quantity"] = 1
        return cleaned


def _part_label(part) -> str:
    """A part with what each offered warehouse holds (`stock.selectors.parts_with_levels`)."""
    levels = getattr(part, "levels", [])
    if len(levels) == 1:
        return _("%(sku)s %(name)s (%(stock)d in stock)") % {"sku": part.sku, "name": part.name, "stock": levels[0][1]}
    held = " · ".join(f"{warehouse.name} {quantity}" for warehouse, quantity in levels)
    return _("%(sku)s %(name)s (in stock: %(levels)s)") % {"sku": part.sku, "name": part.name, "levels": held or "—"}


PartFormSet = forms.formset_factory(PartRowForm, extra=3, max_num=10)
