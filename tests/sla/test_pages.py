"""What staff see: the SLA state on a ticket and the escalations inbox. Merchants, technicians and
partners see none of the staff pages. (The manager's dashboard: tests/dashboard.)"""

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from sla.models import Escalation, Level
from tests import factories
from tests.helpers import at, check_in, scan_at
from tickets import services as tickets
from tickets.selectors import ticket_get

pytestmark = pytest.mark.django_db

FRIDAY_10 = at(2026, 11, 27, 10)


def sla_html(ticket, moment, actor):
    with time_machine.travel(moment, tick=False):
        return render_to_string("sla/_ticket_sla.html", {"ticket": ticket_get(actor=actor, number=ticket.number)})


class TestTheTicketsSlaState:
    def test_on_track_with_the_time_left(self, file_at, merchant):
        ticket = file_at(FRIDAY_10)

        html = sla_html(ticket, at(2026, 11, 27, 12), merchant)

        assert 'data-state="on_track"' in html
        assert "22 h 0 min left" in html

    def test_at_risk_once_three_quarters_are_used(self, file_at, merchant):
        ticket = file_at(FRIDAY_10)

        html = sla_html(ticket, at(2026, 11, 28, 5), merchant)

        assert '<div class="sla" data-testid="sla" data-state="at_risk">' in html
        assert 'data-milestone="respond" data-state="at_risk"' in html

    def test_breached_with_how_late(self, file_at, merchant):
        ticket = file_at(FRIDAY_10)

        html = sla_html(ticket, at(2026, 11, 28, 12, 30), merchant)

        assert 'data-milestone="respond" data-state="breached"' in html
        assert "Overdue by 2 h 30 min" in html

    def test_met_and_met_late(self, file_at, dispatcher, technician, merchant):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        with time_machine.travel(at(2026, 11, 29, 12), tick=False):
            check_in(ticket, technician)

        html = sla_html(ticket, at(2026, 11, 29, 13), merchant)

        assert 'data-milestone="respond" data-state="met"' in html
        assert "Met 2026-11-27 11:00" in html
        assert 'data-milestone="onsite" data-state="breached"' in html
        assert "Met 2 h 0 min late" in html

    def test_paused_with_the_time_that_was_left(self, file_at, dispatcher, merchant):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 14), tick=False):
            tickets.ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for photos.")

        html = sla_html(ticket, at(2026, 12, 3, 9), merchant)

        assert 'data-state="paused"' in html
        assert "Clock paused with 20 h 0 min left" in html
        assert "breached" not in html

    def test_a_paused_ticket_whose_policy_was_deleted_still_shows_its_state(
        self, file_at, dispatcher, merchant, policy
    ):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 14), tick=False):
            tickets.ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for photos.")
        policy.delete()

        assert "Clock paused with 20 h 0 min left" in sla_html(ticket, at(2026, 12, 3, 9), merchant)

    def test_a_remote_fix_means_no_visit_was_needed(self, file_at, dispatcher, merchant):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)
            tickets.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reinstalled the app.")

        html = sla_html(ticket, at(2026, 11, 30, 9), merchant)

        assert "Not needed: fixed remotely" in html
        assert 'data-testid="sla" data-state="met"' in html

    def test_a_consultation_shows_no_on_site_line(self, file_at, merchant):
        ticket = file_at(FRIDAY_10, kind="consultation", fault_category="")

        assert 'data-milestone="onsite"' not in sla_html(ticket, FRIDAY_10, merchant)

    def test_a_ticket_without_a_policy_says_so(self, merchant):
        ticket = factories.file_ticket(merchant)

        assert "No service deadlines apply" in sla_html(ticket, FRIDAY_10, merchant)


@pytest.fixture
def escalated(file_at, told):
    """Two tickets: one breached (dispatchers told), one at risk."""
    late = file_at(FRIDAY_10)
    risky = file_at(at(2026, 11, 27, 15))
    scan_at(at(2026, 11, 28, 9, 30))  # both at risk (04:00 and 09:00)
    scan_at(at(2026, 11, 28, 10))  # the first one breached
    return {"late": late, "risky": risky}


class TestTheEscalationsInbox:
    def test_dispatchers_see_the_open_escalations_newest_first(self, client, escalated, told):
        client.force_login(told["dispatcher"])

        response = client.get(reverse("sla:escalations"))

        assert response.status_code == 200
        html = response.content.decode()
        assert escalated["late"].number in html and escalated["risky"].number in html
        assert html.index(escalated["late"].number) < html.index(escalated["risky"].number)
        assert "Open: 2 at risk · 1 breached · 0 with managers" in html

    def test_acknowledging_moves_it_to_the_acknowledged_tab(self, client, escalated, told):
        client.force_login(told["manager"])
        escalation = Escalation.objects.get(level=Level.BREACHED)

        response = client.post(
            reverse("sla:escalation_acknowledge", args=[escalation.pk]), {"next": "/sla/escalations/?tab=open"}
        )

        assert response.status_code == 302 and response["Location"] == "/sla/escalations/?tab=open"
        escalation.refresh_from_db()
        assert escalation.acknowledged_by == told["manager"]
        open_html = client.get(reverse("sla:escalations")).content.decode()
        done_html = client.get(reverse("sla:escalations") + "?tab=acknowledged").content.decode()
        assert f'data-escalation="{escalation.pk}"' not in open_html
        assert f'data-escalation="{escalation.pk}"' in done_html

    def test_acknowledging_twice_says_someone_already_did(self, client, escalated, told):
        client.force_login(told["dispatcher"])
        escalation = Escalation.objects.get(level=Level.BREACHED)
        url = reverse("sla:escalation_acknowledge", args=[escalation.pk])
        client.post(url)

        response = client.post(url, follow=True)

        assert "Someone already acknowledged this escalation." in response.content.decode()

    def test_it_never_redirects_off_site(self, client, escalated, told):
        client.force_login(told["dispatcher"])
        escalation = Escalation.objects.get(level=Level.BREACHED)

        response = client.post(
            reverse("sla:escalation_acknowledge", args=[escalation.pk]), {"next": "https://evil.example/"}
        )

        assert response["Location"] == reverse("sla:escalations")

    @pytest.mark.parametrize("persona", ["merchant", "partner", "technician"])
    def test_others_are_refused(self, client, escalated, persona, request):
        user = request.getfixturevalue(persona)
        client.force_login(getattr(user, "user", user))
        escalation = Escalation.objects.first()

        assert client.get(reverse("sla:escalations")).status_code == 403
        assert client.post(reverse("sla:escalation_acknowledge", args=[escalation.pk])).status_code == 403

    def test_the_list_costs_the_same_for_more_escalations(self, client, file_at, told, django_assert_max_num_queries):
        for hour in range(6):
            file_at(at(2026, 11, 27, 8 + hour))
        scan_at(at(2026, 11, 28, 16))
        client.force_login(told["dispatcher"])

        with django_assert_max_num_queries(12):
            assert client.get(reverse("sla:escalations")).status_code == 200
