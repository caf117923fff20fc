"""The field work as each person's page shows it: the merchant's code, the technician's jobs, the
words in Chinese."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tests.factories import SparePartFactory, WarehouseFactory, file_ticket
from tests.helpers import at, check_in, quote
from tickets import services
from tickets.quotes import quote_decide

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def page(client, user, ticket, **headers) -> str:
    client.force_login(user)
    return client.get(reverse("tickets:detail", args=[ticket.number]), **headers).content.decode()


def test_only_the_merchant_sees_the_code_and_only_until_the_visit(
    client, ticket, merchant, other_merchant, partner, dispatcher, technician
):
    assert 'data-testid="confirmation-code"' not in page(client, merchant, ticket)  # nobody is coming yet
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    code = ticket.confirmation_code
    shown = f"{code[:3]} {code[3:]}"
    assert shown in page(client, merchant, ticket)
    for someone in (partner, dispatcher, technician.user):
        assert shown not in page(client, someone, ticket)
    client.force_login(other_merchant)
    assert client.get(reverse("tickets:detail", args=[ticket.number])).status_code == 404
    check_in(ticket, technician)
    merchant_page = page(client, merchant, ticket)
    assert 'data-testid="confirmation-code"' not in merchant_page
    assert 'data-verified="yes"' in merchant_page


def test_the_jobs_page_puts_the_next_deadline_first(file_at, merchant, dispatcher, technician, client):
    later = file_at(at(2026, 11, 27, 10))
    sooner = file_at(at(2026, 11, 26, 16))
    with time_machine.travel(at(2026, 11, 27, 12), tick=False):
        services.ticket_assign(ticket=later, technician=technician, by=dispatcher, scheduled_at=at(2026, 11, 27, 14))
        services.ticket_assign(ticket=sooner, technician=technician, by=dispatcher, scheduled_at=at(2026, 11, 28, 9))
        client.force_login(technician.user)
        jobs = client.get(reverse("tickets:jobs"), **CHINESE).content.decode()
    # The earlier preferred visit does not put a job first; the on-site deadline does.
    assert jobs.index(sooner.number) < jobs.index(later.number)
    assert "未完结" not in jobs and "查看工单" in jobs
    assert "上门" in jobs and "工程师已到场" not in jobs


def test_the_on_site_milestone_and_the_on_site_status_have_their_own_words(
    client, ticket, merchant, dispatcher, technician
):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    chinese = page(client, merchant, ticket, **CHINESE)
    assert "<dt>上门</dt>" in chinese  # the milestone
    assert "工程师已到场" in chinese  # the status


def test_amounts_read_the_same_everywhere_and_notices_end_once(merchant, dispatcher, technician, client):
    merchant.language = "zh-hans"
    merchant.save(update_fields=["language"])
    from tests.factories import DeviceFactory

    ticket = file_ticket(merchant, DeviceFactory(merchant=merchant.merchant))  # no warranty: quoted
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    part = SparePartFactory(unit_cost=Decimal("150.00"))
    quote(ticket, technician.user, parts=[(part, 1)])
    timeline = page(client, merchant, ticket, **CHINESE)
    assert "¥230.00" in timeline and "¥230<" not in timeline and "¥230 " not in timeline
    quote_decide(quote=ticket.quotes.get(), by=merchant, approve=True)
    services.ticket_resolve(
        ticket=ticket,
        by=technician.user,
        outcome="repaired",
        work_done="更换打印机。",
        parts=[(part, 1)],
        warehouse=WarehouseFactory(),
    )
    resolved = merchant.notifications.get(subject__contains="已解决")
    assert "。。" not in resolved.body and "更换打印机。" in resolved.body
