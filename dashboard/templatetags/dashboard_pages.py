"""How the dashboard's numbers read, and where each one leads (the tickets behind it)."""

from django import template
from django.urls import reverse

from possystem.formats import money
from sla.text import duration_text

register = template.Library()


@register.simple_tag
def drill(view, figure: str, arg="") -> str:
    """The address of the tickets behind a number: the drill-down list with the view's filters."""
    return reverse("dashboard:tickets") + "?" + view.query(figure=figure, arg=arg)


@register.simple_tag
def view_url(view, name: str = "dashboard:dashboard", **extra) -> str:
    query = view.query(**extra)
    return reverse(name) + ("?" + query if query else "")


@register.filter
def percent(rate) -> str:
    """0.8123 → "81.2 %"; a dash while there is nothing to divide."""
    return "—" if rate is None else f"{rate * 100:.1f} %"


@register.filter
def elapsed(duration) -> str:
    return "—" if duration is None else duration_text(duration)


@register.filter
def yuan(amount) -> str:
    return money(amount or 0)


@register.filter
def rating(value) -> str:
    return "—" if value is None else f"{value:.2f}"
