"""The main navigation of the page header (`includes/nav.html`)."""

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

register = template.Library()

# The navigation depends only on the role, whether the user is a superuser, and the language: drawn
# once per process for each, it costs every page a dictionary lookup instead of a millisecond
# (eleven links reversed and their names translated).
_DRAWN: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def main_nav(context):
    user = context["user"]
    key = (user.role, user.is_superuser, get_language())
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = _DRAWN[key] = render_to_string("includes/nav.html", {"user": user})
    return drawn
