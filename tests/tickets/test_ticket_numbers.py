import threading

import pytest
from django.db import connection

from tests.factories import device_in_warranty, merchant_user
from tickets.filing import ticket_file
from tickets.models import Ticket


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_distinct_consecutive_numbers():
    merchant = merchant_user()
    devices = [device_in_warranty(merchant.merchant) for _ in range(8)]
    start = threading.Barrier(len(devices))
    numbers, errors = [], []

    def file(device):
        try:
            start.wait()
            ticket = ticket_file(
                merchant=merchant.merchant,
                device=device,
                kind="repair",
                fault_category="printer",
                description="Printer jams.",
                contact_name="王丽",
                contact_phone="13800138000",
                by=merchant,
            ).ticket
            numbers.append(ticket.number)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(device,)) for device in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(numbers)) == len(devices)
    assert sorted(int(number[-4:]) for number in numbers) == list(range(1, len(devices) + 1))
    assert Ticket.objects.count() == len(devices)


@pytest.mark.django_db(transaction=True)
def test_concurrent_resubmissions_of_one_form_make_one_ticket():
    merchant = merchant_user()
    device = device_in_warranty(merchant.merchant)
    start = threading.Barrier(4)
    results = []

    def submit():
        try:
            start.wait()
            filed = ticket_file(
                merchant=merchant.merchant,
                device=device,
                kind="repair",
                fault_category="printer",
                description="Printer jams.",
                contact_name="王丽",
                contact_phone="13800138000",
                by=merchant,
                submission_key="double-tap",
            )
            results.append((filed.ticket.pk, filed.created))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({pk for pk, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert Ticket.objects.count() == 1
