"""Exports of a view's tickets: CSV and Excel at once for a small range, a background job above
EXPORT_BACKGROUND_ROWS, private to the requester, managers and admins only."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from dashboard import exports
from dashboard.models import Export
from notifications.models import Notification
from tests import factories
from tests.helpers import at
from tickets import services
from tickets.models import Ticket

FILED = at(2026, 11, 23, 9, 30)  # a Monday, 09:30 in Shanghai


@pytest.fixture
def tickets(file_at, dispatcher):
    """Three tickets filed on Monday morning: one responded within the hour, one whose merchant name
    a spreadsheet would run as a formula, one left alone."""
    first = file_at(FILED)
    with time_machine.travel(FILED + datetime.timedelta(minutes=40), tick=False):
        services.ticket_acknowledge(ticket=first, by=dispatcher)
    second = file_at(FILED + datetime.timedelta(hours=1))
    second.merchant.name = "=HYPERLINK(evil)"
    second.merchant.save(update_fields=["name"])
    third = file_at(FILED + datetime.timedelta(hours=2))
    return [first, second, third]


def _client(client, user):
    client.force_login(user)
    return client


def _post(client, fmt="csv", since="2026-11-23", until="2026-11-29"):
    return client.post(reverse("exports:new"), {"since": since, "until": until, "format": fmt})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_streams_a_small_range_as_csv_with_words_and_local_times(client, manager, tickets):
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        response = _post(_client(client, manager))
    assert response.status_code == 200
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:9] == [
        "Ticket", "Filed at", "Merchant", "Region", "Device model", "Serial number", "Kind", "Priority", "Status"
    ]  # fmt: skip
    assert [row[0] for row in body] == [t.number for t in tickets]
    first = dict(zip(header, body[0], strict=True))
    assert first["Filed at"] == "2026-11-23 09:30"
    assert first["Status"] == "Acknowledged"
    assert first["Kind"] == "Repair"
    assert first["Region"] == "Shanghai"
    assert first["Response deadline"] == "2026-11-24 09:30"
    assert first["Response met at"] == "2026-11-23 10:10"
    assert first["Response result"] == "On time"
    assert first["Repair result"] == "On track"
    # A cell a spreadsheet would run is written as text.
    assert body[1][2] == "'=HYPERLINK(evil)"


def test_it_writes_a_small_range_as_excel_in_the_readers_language(client, manager, tickets, settings):
    client = _client(client, manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        response = client.post(
            reverse("exports:new"),
            {"since": "2026-11-23", "until": "2026-11-29", "format": "xlsx"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[0][0] == "工单"
    assert [row[0] for row in rows[1:]] == [t.number for t in tickets]
    assert rows[1][1] == datetime.datetime(2026, 11, 23, 9, 30)  # local time, a real date in Excel
    assert rows[1][8] == "已受理"
    # Excel does not run text as a formula either.
    assert rows[2][2] == "=HYPERLINK(evil)"


def test_excel_rows_carry_the_technician_the_downtime_the_charge_and_the_rating(manager, file_at, dispatcher):
    technician = factories.TechnicianFactory(user__first_name="张伟", user__last_name="")
    ticket = file_at(FILED)
    with time_machine.travel(FILED + datetime.timedelta(hours=1), tick=False):
        services.ticket_acknowledge(ticket=ticket, by=dispatcher)
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    Ticket.objects.filter(pk=ticket.pk).update(restored_at=FILED + datetime.timedelta(hours=26, minutes=30))
    from technicians.models import RepairReport
    from tickets.models import Feedback

    RepairReport.objects.create(
        ticket=ticket, technician=technician, outcome="repaired", work_done="Printer replaced.",
        labour_charge="80.00", parts_charge="120.50", charged=True,
    )  # fmt: skip
    Feedback.objects.create(ticket=ticket, rating=4, created_at=FILED + datetime.timedelta(days=2))
    spool = io.BytesIO()
    assert exports.xlsx_write(Ticket.objects.all(), spool, title="t", language="en") == 1
    sheet = openpyxl.load_workbook(spool, read_only=True).active
    header, row = list(sheet.iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["Technician"] == "张伟"
    assert values["Downtime (hours)"] == 26.5
    assert values["Charge (CNY)"] == 200.5
    assert values["Rating"] == 4


def test_the_number_of_queries_does_not_grow_with_the_tickets(manager, file_at, django_assert_max_num_queries):
    for hour in range(3):
        file_at(FILED + datetime.timedelta(hours=hour))
    with django_assert_max_num_queries(6) as few:
        list(exports.export_rows(Ticket.objects.all()))
    for hour in range(3, 12):
        file_at(FILED + datetime.timedelta(hours=hour))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(list(exports.export_rows(Ticket.objects.all()))) == 12


@pytest.mark.parametrize("role", [User.Role.DISPATCHER, User.Role.TECHNICIAN, User.Role.MERCHANT, User.Role.PARTNER])
def test_only_managers_and_admins_export(client, role, merchant, tickets):
    if role == User.Role.MERCHANT:
        user = merchant
    elif role == User.Role.PARTNER:
        user = factories.partner_user(partner=merchant.merchant.partner, username="partner-x")
    else:
        user = factories.UserFactory(username=f"user-{role}", role=role)
    client = _client(client, user)
    assert client.get(reverse("exports:list")).status_code == 403
    assert _post(client).status_code == 403
    assert Export.objects.count() == 0


def test_an_admin_exports_and_a_visitor_is_sent_to_sign_in(client, tickets):
    assert client.get(reverse("exports:list")).status_code == 302
    admin = factories.UserFactory(username="admin-ma", role=User.Role.ADMIN)
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        assert _post(_client(client, admin)).status_code == 200


@pytest.mark.parametrize(
    ("since", "until", "fmt", "field"),
    [
        ("2026-11-29", "2026-11-23", "csv", "until"),
        ("2020-01-01", "2026-11-23", "csv", "since"),
        ("not a day", "2026-11-23", "csv", "since"),
        ("2026-11-23", "2026-11-29", "pdf", "format"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field(client, manager, since, until, fmt, field):
    response = _post(_client(client, manager), fmt=fmt, since=since, until=until)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Export.objects.count() == 0


def test_a_large_range_becomes_a_job_with_its_page_and_a_notice_when_ready(client, manager, tickets, settings):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client = _client(client, manager)
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        response = _post(client, fmt="xlsx")
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:detail", args=[export.pk])
    assert (export.status, export.rows_total, export.requested_by) == ("queued", 3, manager)
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' in page.content
    assert b"0 of 3 tickets written" in page.content
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404

    assert exports.export_run(export_id=export.pk) is True

    export.refresh_from_db()
    assert (export.status, export.rows_done, export.attempts) == ("ready", 3, 1)
    assert export.file.name.startswith("exports/")
    page = client.get(reverse("exports:detail", args=[export.pk]))
    assert b'http-equiv="refresh"' not in page.content
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(_body(download)), read_only=True).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [t.number for t in tickets]
    notice = Notification.objects.get(recipient=manager)
    assert "ready" in notice.subject
    assert notice.link == reverse("exports:detail", args=[export.pk])
    # A second run of the same job (a redelivered task) does nothing.
    assert exports.export_run(export_id=export.pk) is False


def test_the_job_writes_the_rows_the_page_counted_scoped_as_the_caller_asked(manager, tickets, other_merchant):
    other = factories.file_ticket(other_merchant)
    scoped = Ticket.objects.filter(merchant=tickets[0].merchant).exclude(pk=tickets[2].pk)
    export = exports.export_start(tickets=scoped, user=manager, title="Lotus", fmt="csv")
    assert exports.export_run(export_id=export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        numbers = [row[0] for row in csv.reader(io.StringIO(handle.read().decode("utf-8-sig")))][1:]
    assert numbers == [tickets[0].number, tickets[1].number]
    assert other.number not in numbers


def test_an_export_is_its_requesters_alone(client, manager, tickets):
    export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Mine", fmt="csv")
    exports.export_run(export_id=export.pk)
    colleague = factories.UserFactory(username="manager-qian", role=User.Role.MANAGER)
    client = _client(client, colleague)
    assert client.get(reverse("exports:detail", args=[export.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    assert b"Mine" not in client.get(reverse("exports:list")).content
    admin = factories.UserFactory(username="admin-ma", role=User.Role.ADMIN)
    client.force_login(admin)
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_a_job_whose_worker_fell_silent_is_started_again_then_given_up(manager, tickets, settings):
    settings.EXPORT_LEASE_SECONDS = 120
    settings.EXPORT_MAX_ATTEMPTS = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Big", fmt="xlsx")
        # A worker claims it, then dies without a word.
        Export.objects.filter(pk=export.pk).update(status="running", attempts=1)
    with time_machine.travel(start + datetime.timedelta(seconds=60), tick=False):
        assert exports.exports_sweep()["restarted"] == 0  # still within its lease
    with time_machine.travel(start + datetime.timedelta(seconds=121), tick=False):
        assert exports.exports_sweep()["restarted"] == 1
    export.refresh_from_db()
    assert export.status == "queued"
    # The second worker dies as well: that was the last attempt.
    Export.objects.filter(pk=export.pk).update(status="running", attempts=2)
    with time_machine.travel(start + datetime.timedelta(seconds=400), tick=False):
        assert exports.exports_sweep() == {"restarted": 0, "failed": 1, "deleted": 0}
        assert exports.export_run(export_id=export.pk) is False
    export.refresh_from_db()
    assert (export.status, export.failure) == ("failed", "crashed")
    assert "failed" in Notification.objects.get(recipient=manager).subject


def test_a_worker_taken_over_stops_writing(manager, tickets, settings):
    export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Race", fmt="csv")
    start = timezone.now()
    assert exports._claim(export.pk, start) is not None
    assert exports._claim(export.pk, start) is None  # lost the race: held by a live worker
    later = start + datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS + 1)
    taken = exports._claim(export.pk, later)
    assert taken.attempts == 2
    # The first worker's progress no longer matches its claim: it would stop at its next report.
    assert Export.objects.filter(pk=export.pk, status="running", attempts=1).update(rows_done=1) == 0


def test_files_are_deleted_after_the_keeping_days(manager, tickets, settings):
    settings.EXPORT_KEEP_DAYS = 7
    export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Old", fmt="csv")
    exports.export_run(export_id=export.pk)
    export.refresh_from_db()
    name = export.file.name
    assert default_storage.exists(name)
    assert exports.exports_sweep(now=timezone.now() + datetime.timedelta(days=6))["deleted"] == 0
    assert exports.exports_sweep(now=timezone.now() + datetime.timedelta(days=7, minutes=1))["deleted"] == 1
    assert not default_storage.exists(name)
    assert not Export.objects.exists()


def test_a_job_that_cannot_be_written_fails_with_a_reason_and_a_notice(client, manager, tickets):
    export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Broken", fmt="xlsx")
    Export.objects.filter(pk=export.pk).update(query=b"not a query")
    assert exports.export_run(export_id=export.pk) is False
    export.refresh_from_db()
    assert (export.status, export.failure, export.file.name) == ("failed", "error", "")
    assert "failed" in Notification.objects.get(recipient=manager).subject
    page = _client(client, manager).get(reverse("exports:detail", args=[export.pk]))
    assert b"The export could not be written." in page.content
    assert b'http-equiv="refresh"' not in page.content
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_a_file_gone_from_the_folder_is_a_404_not_a_500(client, manager, tickets):
    export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Gone", fmt="csv")
    exports.export_run(export_id=export.pk)
    export.refresh_from_db()
    default_storage.delete(export.file.name)
    assert _client(client, manager).get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_the_days_of_the_form_are_local_days_both_included(manager, file_at):
    before = file_at(at(2026, 11, 22, 23, 59))
    first = file_at(at(2026, 11, 23, 0, 0))
    last = file_at(at(2026, 11, 29, 23, 59))
    after = file_at(at(2026, 11, 30, 0, 0))
    filed = exports.tickets_filed(user=manager, since=datetime.date(2026, 11, 23), until=datetime.date(2026, 11, 29))
    assert set(filed) == {first, last}
    assert before not in filed and after not in filed
