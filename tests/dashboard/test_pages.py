"""The dashboard's pages: who may open them, the figures on the page, the tickets behind a number,
one chart's data, the CSV export, the old /sla/ addresses, and the partner API's summary."""

import csv
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from dashboard.exports import export_run
from dashboard.models import Export
from tests import factories
from tests.helpers import at, scan_at
from tickets import services as tickets

pytestmark = pytest.mark.django_db

FRIDAY_10 = at(2026, 11, 27, 10)


@pytest.fixture
def escalated(file_at, told):
    """Two tickets: one breached (dispatchers told), one at risk."""
    late = file_at(FRIDAY_10)
    risky = file_at(at(2026, 11, 27, 15))
    scan_at(at(2026, 11, 28, 9, 30))  # both at risk (04:00 and 09:00)
    scan_at(at(2026, 11, 28, 10))  # the first one breached
    return {"late": late, "risky": risky}


class TestWhoMayOpenIt:
    @pytest.mark.parametrize("persona", ["merchant", "partner", "technician", "dispatcher"])
    @pytest.mark.parametrize("name", ["dashboard", "tickets", "export", "export_xlsx"])
    def test_only_managers_and_admins(self, client, persona, name, request):
        user = request.getfixturevalue(persona)
        client.force_login(getattr(user, "user", user))

        assert client.get(reverse(f"dashboard:{name}")).status_code == 403
        assert client.get(reverse("dashboard:chart", args=["trend"])).status_code == 403

    def test_admins_may(self, client):
        client.force_login(factories.UserFactory(role="admin"))

        assert client.get(reverse("dashboard:dashboard")).status_code == 200

    def test_anonymous_callers_are_sent_to_sign_in(self, client):
        assert client.get(reverse("dashboard:dashboard"))["Location"].startswith("/accounts/login/")

    def test_managers_have_it_in_the_menu_and_dispatchers_do_not(self, client, manager, dispatcher):
        client.force_login(manager)
        assert 'href="/dashboard/"' in client.get(reverse("tickets:console")).content.decode()
        client.force_login(dispatcher)
        assert 'href="/dashboard/"' not in client.get(reverse("tickets:console")).content.decode()


class TestTheOldAddress:
    def test_sla_redirects_to_the_dashboard_with_the_same_view(self, client, manager):
        client.force_login(manager)

        response = client.get("/sla/?days=90")

        assert response.status_code == 301
        assert response["Location"] == "/dashboard/?days=90"
        assert client.get(response["Location"]).context["view"].period.preset == "90d"

    def test_the_old_export_redirects_too(self, client, manager):
        client.force_login(manager)

        assert client.get("/sla/export.csv?days=7")["Location"] == "/dashboard/export.csv?days=7"


class TestTheDashboard:
    def test_it_is_the_managers_home_page(self, client, told):
        client.force_login(told["manager"])

        assert client.get("/", follow=False)["Location"] == reverse("dashboard:dashboard")

    def test_it_shows_compliance_breaches_at_risk_and_workload(self, client, file_at, told, technician):
        on_time = file_at(at(2026, 11, 20, 10))
        with time_machine.travel(at(2026, 11, 20, 11), tick=False):
            tickets.ticket_assign(ticket=on_time, technician=technician, by=told["dispatcher"])
        late = file_at(at(2026, 11, 24, 9))
        scan_at(at(2026, 11, 25, 9, 30))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:dashboard") + "?period=30d")

        assert response.status_code == 200
        compliance = {row.milestone: row for row in response.context["f"].compliance}
        assert (compliance["respond"].on_time, compliance["respond"].missed) == (1, 1)
        assert compliance["respond"].percent == "50.0 %"
        assert compliance["onsite"].missed == 1  # the first ticket's visit was due on the 22nd
        html = response.content.decode()
        assert late.number in html
        workload = {row.technician: row for row in response.context["f"].workload}
        assert (workload[technician].open_jobs, workload[technician].overdue_jobs) == (1, 1)

    def test_every_number_links_to_the_tickets_behind_it(self, client, file_at, told):
        file_at(at(2026, 11, 20, 10))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            html = client.get(reverse("dashboard:dashboard") + "?period=7d&kind=repair").content.decode()
            listed = client.get(
                reverse("dashboard:tickets") + "?period=7d&kind=repair&figure=respond.missed"
            ).content.decode()

        assert 'href="/dashboard/tickets/?period=7d&amp;kind=repair&amp;figure=respond.missed"' in html
        assert listed.count('data-number="') == 1
        assert '<h2 data-testid="drill-title">Response: Missed, still open</h2>' in listed

    def test_the_page_costs_the_same_for_more_tickets(self, client, file_at, told, django_assert_max_num_queries):
        client.force_login(told["manager"])
        for hour in range(6):
            file_at(at(2026, 11, 20, 8 + hour))

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            with django_assert_max_num_queries(45) as counted:
                client.get(reverse("dashboard:dashboard"))
            few = len(counted.captured_queries)
            for hour in range(6):
                file_at(at(2026, 11, 21, 8 + hour))
            with django_assert_max_num_queries(few):
                client.get(reverse("dashboard:dashboard"))

    @pytest.mark.parametrize(
        "query",
        [
            "region=atlantis",
            "merchant=999999",
            "model=abc",
            "period=forever",
            "period=custom&start=2026-11-10&end=2026-11-01",
            "period=custom&start=2026-13-40&end=2026-11-01",
            "period=custom&start=2020-01-01&end=2026-11-01",
            "kind=teleport",
            "period=custom&start=0001-01-01&end=0001-01-02",
            "period=custom&start=9999-12-30&end=9999-12-31",
            "period=30d&end=9999-12-31",
            "merchant=-1",
            "period=custom&start=2026-02-30&end=2026-03-01",
        ],
    )
    def test_a_bad_view_is_a_400_that_says_why(self, client, manager, query):
        client.force_login(manager)

        response = client.get(reverse("dashboard:dashboard") + "?" + query)

        assert response.status_code == 400
        assert 'data-testid="problems"' in response.content.decode()
        assert client.get(reverse("dashboard:tickets") + "?" + query).status_code == 400
        assert client.get(reverse("dashboard:chart", args=["trend"]) + "?" + query).status_code == 400

    def test_the_reason_is_in_the_readers_language(self, client, manager):
        manager.language = "zh-hans"
        client.force_login(manager)

        response = client.get(
            reverse("dashboard:dashboard") + "?period=custom&start=2026-11-10&end=2026-11-01",
            headers={"accept-language": "zh-hans"},
        )

        assert response.status_code == 400
        assert "结束日期早于开始日期" in response.content.decode()

    def test_an_unknown_figure_or_chart_is_a_404(self, client, manager):
        client.force_login(manager)

        assert client.get(reverse("dashboard:tickets") + "?figure=nothing").status_code == 404
        assert client.get(reverse("dashboard:chart", args=["nothing"])).status_code == 404

    def test_one_charts_data_as_json(self, client, file_at, told):
        file_at(at(2026, 11, 20, 10))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 26, 10), tick=True):
            body = client.get(reverse("dashboard:chart", args=["trend"]) + "?period=30d").json()

        assert body["labels"] == ["2026-11-16"]  # the Monday of the week it was filed
        assert [series["data"] for series in body["series"]] == [[0.0], [0.0], [0.0]]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[tuple]:
    body = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


class TestTheExport:
    def test_the_csv_export_has_a_row_per_ticket_with_each_milestones_result(self, client, file_at, told, dispatcher):
        ticket = file_at(at(2026, 11, 24, 9))
        with time_machine.travel(at(2026, 11, 24, 10), tick=False):
            tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:export") + "?period=7d")

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = _csv_rows(response)
        assert rows[0][:3] == ["Ticket", "Filed at", "Merchant"]
        assert rows[1][0] == ticket.number
        assert rows[1][9:12] == ["2026-11-25 09:00", "2026-11-24 10:00", "On time"]
        assert len(rows) == 2

    def test_the_excel_export_holds_the_same_tickets(self, client, file_at, told):
        first, second = file_at(at(2026, 11, 23, 9)), file_at(at(2026, 11, 24, 9))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:export_xlsx") + "?period=7d")

        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert ".xlsx" in response["Content-Disposition"]
        rows = _xlsx_rows(response)
        assert rows[0][0] == "Ticket"
        assert [row[0] for row in rows[1:]] == [first.number, second.number]

    def test_it_follows_the_filters(self, client, file_at, told):
        file_at(at(2026, 11, 24, 9))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:export") + "?period=7d&kind=training")

        assert len(_csv_rows(response)) == 1

    def test_a_drill_down_exports_the_tickets_behind_its_figure(self, client, file_at, told, dispatcher):
        met, missed = file_at(at(2026, 11, 24, 9)), file_at(at(2026, 11, 24, 9, 30))
        with time_machine.travel(at(2026, 11, 24, 10), tick=False):
            tickets.ticket_acknowledge(ticket=met, by=dispatcher)
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 26, 10), tick=True):
            drill = client.get(reverse("dashboard:tickets") + "?period=7d&figure=respond.on_time")
            link = reverse("dashboard:export_xlsx") + "?period=7d&figure=respond.on_time"
            assert link.replace("&", "&amp;") in drill.content.decode()
            response = client.get(link)

        numbers = [row[0] for row in _xlsx_rows(response)[1:]]
        assert numbers == [met.number]
        assert missed.number not in numbers

    def test_a_large_view_becomes_a_background_job_with_its_progress_page(self, client, file_at, told, settings):
        settings.EXPORT_BACKGROUND_ROWS = 1
        file_at(at(2026, 11, 23, 9)), file_at(at(2026, 11, 24, 9))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:export_xlsx") + "?period=7d")

        export = Export.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("exports:detail", args=[export.pk])
        assert (export.format, export.rows_total, export.requested_by) == ("xlsx", 2, told["manager"])
        assert "2026-11-19" in export.title

    def test_a_large_drill_down_is_written_by_the_job_with_the_tickets_behind_its_number(
        self, client, file_at, told, dispatcher, settings
    ):
        settings.EXPORT_BACKGROUND_ROWS = 0
        met, missed = file_at(at(2026, 11, 24, 9)), file_at(at(2026, 11, 24, 9, 30))
        with time_machine.travel(at(2026, 11, 24, 10), tick=False):
            tickets.ticket_acknowledge(ticket=met, by=dispatcher)
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 26, 10), tick=True):
            response = client.get(reverse("dashboard:export") + "?period=7d&figure=respond.missed")
            export = Export.objects.get()
            assert response["Location"] == reverse("exports:detail", args=[export.pk])
            assert export_run(export_id=export.pk) is True
            download = client.get(reverse("exports:download", args=[export.pk]))

        assert [row[0] for row in _csv_rows(download)[1:]] == [missed.number]
        assert export.title.startswith("Response: Missed, still open · Tickets filed")

    def test_open_tickets_now_are_exported_whenever_they_were_filed(self, client, file_at, told, settings):
        settings.EXPORT_BACKGROUND_ROWS = 0  # a job, to read its title
        old = file_at(at(2026, 9, 1, 9))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            client.get(reverse("dashboard:export_xlsx") + "?period=7d&figure=open&arg=new")

        export = Export.objects.get()
        assert (export.rows_total, export.title) == (1, "Open tickets now: New")
        assert old.status == "new"

    def test_a_merchant_filter_exports_only_that_merchants_tickets(self, client, file_at, told, other_merchant):
        mine = file_at(at(2026, 11, 24, 9))
        with time_machine.travel(at(2026, 11, 24, 9), tick=False):
            theirs = factories.file_ticket(other_merchant)
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            response = client.get(reverse("dashboard:export") + f"?period=7d&merchant={mine.merchant_id}")
            other = client.get(reverse("dashboard:export") + f"?period=7d&merchant={other_merchant.merchant.pk}")

        assert [row[0] for row in _csv_rows(response)[1:]] == [mine.number]
        assert [row[0] for row in _csv_rows(other)[1:]] == [theirs.number]

    def test_an_unknown_figure_is_a_404_and_a_bad_view_a_400(self, client, told):
        client.force_login(told["manager"])

        assert client.get(reverse("dashboard:export") + "?figure=nonsense").status_code == 404
        response = client.get(reverse("dashboard:export_xlsx") + "?period=custom&start=2026-11-20&end=2026-11-01")
        assert response.status_code == 400
        assert "The range ends before it starts." in response.content.decode()

    def test_a_formula_in_a_merchant_name_is_not_run_by_a_spreadsheet(self, client, file_at, told, merchant):
        merchant.merchant.name = "=HYPERLINK(1)"
        merchant.merchant.save(update_fields=["name"])
        file_at(at(2026, 11, 24, 9))
        client.force_login(told["manager"])

        with time_machine.travel(at(2026, 11, 25, 10), tick=True):
            content = b"".join(client.get(reverse("dashboard:export")).streaming_content).decode("utf-8-sig")

        assert "'=HYPERLINK(1)" in content


class TestTheSummaryApi:
    def test_staff_get_the_numbers(self, client, escalated, told):
        client.force_login(told["dispatcher"])

        with time_machine.travel(at(2026, 11, 28, 10, 15), tick=True):
            response = client.get("/api/v1/sla/summary/?days=7")

        assert response.status_code == 200
        body = response.json()
        assert body["open_escalations"] == {"at_risk": 2, "breached": 1, "manager": 0}
        assert body["breached_tickets"] == 1
        assert body["at_risk_tickets"] == 1
        assert body["milestones"]["respond"] == {
            "on_time": 0,
            "late": 0,
            "missed": 1,
            "pending": 1,
            "compliance": 0.0,
        }
        assert body["since"] == "2026-11-22T00:00:00+08:00"
        assert body["filed"] == 2

    def test_a_partner_gets_the_same_figures_for_its_own_merchants_only(
        self, escalated, partner_api, other_partner_api, other_merchant, sla_policy
    ):
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            factories.file_ticket(other_merchant)

        with time_machine.travel(at(2026, 11, 28, 10, 15), tick=True):
            own = partner_api.get("/api/v1/sla/summary/?days=7").json()
            other = other_partner_api.get("/api/v1/sla/summary/?days=7").json()

        assert (own["filed"], own["breached_tickets"], own["open_escalations"]["breached"]) == (2, 1, 1)
        assert own["milestones"]["respond"]["missed"] == 1
        assert (other["filed"], other["breached_tickets"], other["open_escalations"]["at_risk"]) == (1, 0, 0)
        assert other["milestones"]["respond"]["pending"] == 1

    def test_a_bad_period_is_a_field_error(self, client, told):
        client.force_login(told["manager"])

        response = client.get("/api/v1/sla/summary/?days=0")

        assert response.status_code == 400
        assert "days" in response.json()["errors"]

    def test_merchants_are_refused(self, client, merchant):
        client.force_login(merchant)

        assert client.get("/api/v1/sla/summary/").status_code == 403

    def test_anonymous_callers_are_refused(self, client):
        assert client.get("/api/v1/sla/summary/").status_code in (401, 403)
