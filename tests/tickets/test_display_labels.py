"""List rows draw a choice's label through the `display` filter, which gathers each field's labels
once per process; it reads as `get_<field>_display()` does, in the active language."""

import pytest
from django.utils import translation

from tests.factories import file_ticket
from tickets.templatetags.ticket_pages import display

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_reads_as_get_display_does_in_each_language(merchant, sla_policy, language):
    ticket = file_ticket(merchant)
    with translation.override(language):
        for name in ("status", "kind", "channel", "priority", "fault_category"):
            assert str(display(ticket, name)) == str(getattr(ticket, f"get_{name}_display")())
    assert str(display(ticket, "status")) != "new"  # a label, not the stored value


def test_a_value_without_a_label_shows_as_stored(merchant, sla_policy):
    ticket = file_ticket(merchant)
    ticket.fault_category = "something-else"
    assert display(ticket, "fault_category") == "something-else"
