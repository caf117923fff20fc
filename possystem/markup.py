"""Building blocks for list rows and cards drawn in Python (the console's rows, the ticket, job and
terminal cards: `tickets.templatetags.ticket_pages`, `devices.templatetags.device_pages`).

A list page draws twenty or more of them, and as included templates they cost most of the page's
time: each variable looked up, escaped through a lazy-string wrapper, each field's labels rebuilt
and translated again. A row built here costs a fifth of that. Every value goes through `escaped`
(the markup is marked safe as a whole), and labels through `label_of`, translated once per process
and language.
"""

import functools
import html

from django.utils.translation import get_language


def escaped(value) -> str:
    """`value` escaped for HTML, as `django.utils.html.escape` does, without its lazy-string wrapper
    (which costs more than the escaping itself)."""
    return html.escape(str(value))


@functools.cache
def _labels(field, language: str | None) -> dict:
    return {value: str(label) for value, label in field.flatchoices}


def choice_label(field, value, language: str | None = None) -> str:
    """The label of `value` among `field`'s choices in `language`, the active one unless given (a row
    asks for it once for all its labels); the value itself when it is not one of them."""
    return _labels(field, language or get_language()).get(value, value)


def label_of(obj, name: str, language: str | None = None) -> str:
    """`obj.get_<name>_display()`, from the labels `choice_label` keeps: each get_…_display call
    builds the field's labels again, hashing every lazy label, which translates it (six hundred
    translations for the twenty rows of a console page)."""
    field = obj._meta.get_field(name)
    return choice_label(field, getattr(obj, field.attname), language)
