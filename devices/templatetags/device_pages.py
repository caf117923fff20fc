"""What the terminal pages draw in Python: a card of the terminal list (possystem.markup says why)."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from devices.models import Device
from possystem.markup import escaped, label_of
from warranty.services import WarrantyStatus

register = template.Library()


def _warranty_days(warranty: WarrantyStatus) -> str:
    if warranty.state in ("covered", "expiring"):
        return ngettext(
            "%(days)s day left (until %(date)s)", "%(days)s days left (until %(date)s)", warranty.days_left
        ) % {"days": warranty.days_left, "date": f"{warranty.ends_on:%Y-%m-%d}"}
    if warranty.state == "expired":
        return gettext("Out of warranty since %(date)s") % {"date": f"{warranty.expired_since:%Y-%m-%d}"}
    return "—"


@register.simple_tag(takes_context=True)
def device_card(context, device: Device, warranty: WarrantyStatus):
    """One terminal as a card of the terminal list (`devices/device_list.html`), with its warranty
    today; the merchant's name for everyone but the merchant, the warehouse of one in stock."""
    serial = escaped(device.serial_number)
    facts = [(gettext("Model"), device.model)]
    if device.warehouse_id is not None:
        # A spare in a warehouse (only staff see those): where it is kept, not a merchant's site.
        facts.append((gettext("Warehouse"), device.warehouse.name))
    else:
        if context["user"].role != "merchant":
            facts.append((gettext("Merchant"), device.merchant or "—"))
        facts.append((gettext("Site"), device.site_address or "—"))
    facts.append((gettext("Status"), label_of(device, "status")))
    warranty_label = escaped(gettext("Warranty"))  # outside the f-string, where makemessages sees it
    # Safe: every value goes through `escaped`.
    return mark_safe(  # noqa: S308
        f'<article class="card device" data-serial="{serial}">\n'
        f'<div class="head-row">\n'
        f'<a href="{escaped(reverse("devices:detail", args=[device.serial_number]))}"><strong>{serial}</strong></a>\n'
        f'<span class="pill {escaped(warranty.state)}">{escaped(warranty.label)}</span>\n'
        f"</div>\n"
        f'<dl class="kv">\n'
        + "".join(f"<dt>{escaped(label)}</dt><dd>{escaped(value)}</dd>\n" for label, value in facts)
        + f"<dt>{warranty_label}</dt>\n"
        f'<dd class="warranty-days">{escaped(_warranty_days(warranty))}</dd>\n'
        f"</dl>\n"
        f"</article>"
    )
