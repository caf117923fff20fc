"""The scanner: what fires when, who is told, what the timeline and the outbox get, and what it
costs. Time is frozen with time_machine; the clocks are those of the `policy` fixture (respond
24 h, on site 48 h, printers repaired in 2 working days; at risk at 75 %; managers after 4 h)."""

import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import services as sla
from sla.models import Escalation, Level, SLACheck
from tests import factories
from tests.helpers import at, escalation_deliveries, held_in_another_transaction, scan_at
from tickets import services as tickets
from tickets.events import ticket_events_recorded
from tickets.models import TicketEvent

FRIDAY_10 = at(2026, 11, 27, 10)  # respond at risk 28th 04:00, breached 10:00, managers 14:00


def statements(captured) -> list[str]:
    """The SQL a pass sends, without the savepoints the test's own transaction adds."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def fired(ticket=None) -> set[tuple[str, str]]:
    rows = Escalation.objects.all() if ticket is None else Escalation.objects.filter(ticket=ticket)
    return set(rows.values_list("milestone", "level"))


@pytest.mark.django_db
class TestWhatFiresWhen:
    def test_nothing_fires_a_second_before_the_warning(self, file_at, told):
        file_at(FRIDAY_10)

        result = scan_at(at(2026, 11, 28, 3, 59, 59))

        assert (result.claimed, result.escalations) == (0, 0)

    def test_the_warning_fires_when_three_quarters_of_the_time_are_used(self, file_at, told):
        ticket = file_at(FRIDAY_10)

        result = scan_at(at(2026, 11, 28, 4))

        assert result.escalations == 1
        assert fired(ticket) == {("respond", "at_risk")}

    def test_a_deadline_landing_exactly_on_the_scan_is_breached(self, file_at, told):
        ticket = file_at(FRIDAY_10)
        scan_at(at(2026, 11, 28, 4))

        scan_at(at(2026, 11, 28, 10))  # the response deadline to the microsecond

        assert fired(ticket) == {("respond", "at_risk"), ("respond", "breached")}
        escalation = Escalation.objects.get(ticket=ticket, level=Level.BREACHED)
        assert escalation.deadline == escalation.fired_at == at(2026, 11, 28, 10)

    def test_managers_are_told_when_it_is_still_breached_hours_later(self, file_at, told):
        ticket = file_at(FRIDAY_10)
        for moment in (at(2026, 11, 28, 4), at(2026, 11, 28, 10), at(2026, 11, 28, 13, 59)):
            scan_at(moment)
        assert ("respond", "manager") not in fired(ticket)

        scan_at(at(2026, 11, 28, 14))

        assert ("respond", "manager") in fired(ticket)
        assert not SLACheck.objects.filter(ticket=ticket, milestone="respond").exists()

    def test_after_an_outage_the_breach_goes_out_without_a_stale_warning(self, file_at, told):
        ticket = file_at(FRIDAY_10)

        scan_at(at(2026, 11, 28, 23))  # the scanner was down since Friday

        assert fired(ticket) == {("respond", "breached"), ("respond", "manager"), ("onsite", "at_risk")}

    def test_scanning_again_fires_nothing_new(self, file_at, told):
        file_at(FRIDAY_10)
        scan_at(at(2026, 11, 28, 15))
        count = Escalation.objects.count()

        result = scan_at(at(2026, 11, 28, 15))

        assert result.escalations == 0
        assert Escalation.objects.count() == count

    def test_a_paused_ticket_does_not_escalate_even_past_its_old_deadline(self, file_at, dispatcher, told):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 12), tick=False):
            tickets.ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for the merchant.")

        scan_at(at(2026, 12, 5, 10))

        assert fired(ticket) == set()

    def test_a_met_milestone_does_not_escalate(self, file_at, dispatcher, told):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)

        scan_at(at(2026, 11, 28, 12))

        assert fired(ticket) == set()

    def test_a_consultation_never_escalates_an_on_site_visit(self, file_at, told):
        ticket = file_at(FRIDAY_10, kind="consultation", fault_category="")

        scan_at(at(2026, 12, 10, 10))

        assert {milestone for milestone, _ in fired(ticket)} == {"respond", "resolve"}

    def test_a_remote_fix_ends_the_on_site_clock(self, file_at, dispatcher, told):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)
            tickets.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Pushed a new config.")

        scan_at(at(2026, 12, 10, 10))

        assert fired(ticket) == set()

    def test_the_on_site_clock_runs_on_after_the_response(self, file_at, dispatcher, told):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)

        scan_at(at(2026, 11, 29, 10))  # the on-site deadline

        assert fired(ticket) == {("onsite", "breached")}


@pytest.mark.django_db
class TestWhoIsToldAndHow:
    def test_a_breach_tells_the_dispatchers_and_the_technician_on_the_job(self, file_at, told, technician):
        ticket = file_at(FRIDAY_10)
        with time_machine.travel(at(2026, 11, 27, 11), tick=False):
            tickets.ticket_assign(
                ticket=ticket, technician=technician, by=told["dispatcher"], override_reason="The only one free."
            )

        scan_at(at(2026, 11, 29, 10, 30))  # on-site deadline missed by 30 minutes

        escalation = Escalation.objects.get(ticket=ticket, milestone="onsite", level=Level.BREACHED)
        assert set(escalation.recipients.all()) == {told["dispatcher"], technician.user}
        deliveries = escalation_deliveries().filter(source=f"escalation:{escalation.pk}")
        assert set(deliveries.values_list("recipient__username", "channel")) == {
            ("dispatcher-zhou", "in_app"),
            ("dispatcher-zhou", "email"),
            ("tech-zhang", "in_app"),
            ("tech-zhang", "email"),
        }
        message = deliveries.get(recipient=told["dispatcher"], channel="in_app")
        assert message.subject == f"{ticket.number} breached: on-site visit 30 min late"
        assert "2026-11-29 10:00" in message.body
        assert message.link == f"/tickets/{ticket.number}/"
        assert message.ticket == ticket

    def test_the_warning_goes_in_the_app_only(self, file_at, told):
        ticket = file_at(FRIDAY_10)

        scan_at(at(2026, 11, 28, 4))

        delivery = escalation_deliveries().get()
        assert (delivery.recipient, delivery.channel) == (told["dispatcher"], "in_app")
        assert delivery.subject == f"{ticket.number} at risk: response due in 6 h 0 min"

    def test_managers_get_the_last_level_by_app_email_and_sms(self, file_at, told):
        file_at(FRIDAY_10)
        scan_at(at(2026, 11, 28, 10))

        scan_at(at(2026, 11, 28, 14))

        escalation = Escalation.objects.get(level=Level.MANAGER)
        assert list(escalation.recipients.all()) == [told["manager"]]
        assert set(
            escalation_deliveries().filter(source=f"escalation:{escalation.pk}").values_list("channel", flat=True)
        ) == {
            "in_app",
            "email",
            "sms",
        }

    def test_each_user_reads_the_notice_in_their_own_language(self, file_at, told):
        told["dispatcher"].language = "zh-hans"
        told["dispatcher"].save(update_fields=["language"])
        file_at(FRIDAY_10)

        scan_at(at(2026, 11, 28, 10))

        # Until the translation pass the Chinese text equals the English; what matters is that
        # composing under another language works and names the ticket.
        assert escalation_deliveries().filter(recipient=told["dispatcher"]).exists()

    def test_the_escalation_is_on_the_timeline_in_the_same_transaction(self, file_at, told):
        ticket = file_at(FRIDAY_10)
        seen = []

        def receiver(sender, entries, **kwargs):
            for event, ticket in entries:
                seen.append((event.kind, connection.in_atomic_block, Escalation.objects.filter(ticket=ticket).count()))

        # The scanner writes a batch's timeline entries at once and announces them in one signal.
        ticket_events_recorded.connect(receiver)
        try:
            scan_at(at(2026, 11, 28, 10))
        finally:
            ticket_events_recorded.disconnect(receiver)

        assert seen == [("escalated", True, 1)]
        event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED)
        assert event.public
        assert event.actor is None
        assert event.data["milestone"] == "respond"
        assert event.data["level"] == "breached"
        assert event.data["late_seconds"] == 0
        assert event.data["told"] == ["dispatcher-zhou"]

    def test_the_warning_is_an_internal_timeline_entry(self, file_at, told):
        ticket = file_at(FRIDAY_10)

        scan_at(at(2026, 11, 28, 4))

        assert not TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED).public


@pytest.mark.django_db
class TestWhatAPassCosts:
    def test_an_idle_pass_is_one_indexed_query_however_many_tickets_are_open(self, file_at, told):
        for hour in range(10):
            file_at(at(2026, 11, 27, 10 + hour))

        with CaptureQueriesContext(connection) as captured:
            scan_at(at(2026, 11, 27, 21))

        queries = statements(captured)
        assert len(queries) == 1
        sql = queries[0]
        assert "FOR UPDATE OF" in sql and "SKIP LOCKED" in sql and "LIMIT" in sql

    def test_the_queries_of_a_pass_follow_the_due_checks_not_the_open_tickets(self, file_at, told, merchant):
        def queries_for_a_pass_with(open_not_due: int) -> int:
            Escalation.objects.all().delete()
            SLACheck.objects.all().delete()
            due = [file_at(FRIDAY_10) for _ in range(3)]
            for _ in range(open_not_due):
                file_at(at(2026, 11, 28, 9))
            with CaptureQueriesContext(connection) as captured:
                result = scan_at(at(2026, 11, 28, 4, 30))
            assert result.escalations == len(due)
            return len(statements(captured))

        assert queries_for_a_pass_with(2) == queries_for_a_pass_with(12)

    def test_a_batch_costs_the_same_queries_for_3_or_12_escalations_webhooks_included(
        self, file_at, told, merchant, technician
    ):
        from webhooks.models import WebhookDelivery, WebhookSubscription

        WebhookSubscription.objects.create(
            partner=merchant.merchant.partner, url="https://example.com/hook", events=["ticket.escalated"], secret="s"
        )

        def queries_for_a_batch_of(count: int) -> int:
            Escalation.objects.all().delete()
            SLACheck.objects.all().delete()
            due = [file_at(FRIDAY_10) for _ in range(count)]
            for ticket in due[::2]:
                tickets.ticket_assign(
                    ticket=ticket, technician=technician, by=told["dispatcher"], override_reason="The only one free."
                )
            scan_at(at(2026, 11, 28, 4, 30))  # the warnings (internal), so the next pass fires breaches
            with CaptureQueriesContext(connection) as captured:
                result = scan_at(at(2026, 12, 1, 10))
            assert result.escalations >= 3 * count  # every milestone of every ticket is breached
            # Partners hear of every breach (not of the warnings), each through one outbox row.
            breaches = TicketEvent.objects.filter(ticket__in=due, kind=TicketEvent.Kind.ESCALATED, public=True)
            assert WebhookDelivery.objects.filter(ticket_number__in=[t.number for t in due]).count() == breaches.count()
            assert breaches.count() >= 3 * count
            return len(statements(captured))

        assert queries_for_a_batch_of(3) == queries_for_a_batch_of(12)

    def test_the_claim_locks_the_checks_alone_and_reads_their_tickets_by_id(self, file_at, told):
        """Joined to the claim, the tickets let the planner merge-join every ticket in id order."""
        due = [file_at(FRIDAY_10) for _ in range(2)]
        with CaptureQueriesContext(connection) as captured:
            scan_at(at(2026, 11, 28, 4, 30))
        claim, tickets_read = statements(captured)[:2]
        assert "SKIP LOCKED" in claim and "JOIN" not in claim
        assert "tickets_ticket" in tickets_read and "FOR UPDATE" not in tickets_read
        assert all(str(ticket.pk) in tickets_read for ticket in due)

    def test_the_claim_uses_the_due_index(self, file_at):
        file_at(FRIDAY_10)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is read whole otherwise
            cursor.execute(
                "EXPLAIN SELECT id FROM sla_slacheck WHERE due_at <= now() ORDER BY due_at LIMIT 200 "
                "FOR UPDATE SKIP LOCKED"
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "sla_check_due" in plan

    def test_a_pass_works_through_the_backlog_in_batches(self, file_at, told):
        for _ in range(5):
            file_at(FRIDAY_10)

        result = scan_at(at(2026, 11, 28, 4), batch_size=2)

        assert (result.claimed, result.escalations, result.batches) == (5, 5, 3)


# --- lost races: these need real transactions on separate connections --------------------------------


def _in_thread(target):
    """Run `target` on its own database connection in a thread; returns (thread, errors)."""
    errors = []

    def run():
        from django.db import connections

        try:
            target()
        except Exception as error:  # surfaced by the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
class TestLostRaces:
    def test_a_check_another_scanner_holds_is_skipped_not_waited_for(self, file_at, told):
        ticket = file_at(FRIDAY_10)
        def other_scanner():
            list(SLACheck.objects.select_for_update().filter(ticket=ticket, milestone="respond"))

        with held_in_another_transaction(other_scanner):
            result = scan_at(at(2026, 11, 28, 23))  # returns at once: it does not wait for the lock
        assert fired(ticket) == {("onsite", "at_risk")}
        assert result.claimed == 1

        scan_at(at(2026, 11, 28, 23))  # the lock is gone: the response check fires now, once

        assert fired(ticket) == {("onsite", "at_risk"), ("respond", "breached"), ("respond", "manager")}

    def test_the_unique_constraint_stops_a_second_escalation_of_a_level(self, file_at, told):
        ticket = file_at(FRIDAY_10)
        scan_at(at(2026, 11, 28, 10))
        # A check that outlived its escalation (say, restored from a backup taken before it fired).
        SLACheck.objects.filter(ticket=ticket, milestone="respond").update(
            level=Level.BREACHED, due_at=at(2026, 11, 28, 10)
        )

        result = scan_at(at(2026, 11, 28, 11))

        assert result.escalations == 0
        assert Escalation.objects.filter(ticket=ticket, milestone="respond", level=Level.BREACHED).count() == 1
        assert SLACheck.objects.get(ticket=ticket, milestone="respond").level == Level.MANAGER

    def test_a_transition_waits_for_the_batch_that_holds_its_check_and_sees_what_it_fired(
        self, file_at, told, monkeypatch
    ):
        ticket = file_at(FRIDAY_10)
        inside, go_on = threading.Event(), threading.Event()
        announce = sla._escalations_announce

        def slow_announce(*args, **kwargs):
            announce(*args, **kwargs)
            inside.set()
            go_on.wait(10)

        monkeypatch.setattr(sla, "_escalations_announce", slow_announce)
        scanner, errors = _in_thread(lambda: scan_at(at(2026, 11, 28, 11)))
        assert inside.wait(10)

        def acknowledge():
            with time_machine.travel(at(2026, 11, 28, 11, 1), tick=False):
                tickets.ticket_acknowledge(ticket=ticket, by=told["dispatcher"])

        transition, transition_errors = _in_thread(acknowledge)
        transition.join(1)
        assert transition.is_alive()  # blocked on the check the scanner holds
        go_on.set()
        scanner.join(10)
        transition.join(10)

        assert not errors and not transition_errors
        assert fired(ticket) == {("respond", "breached")}  # it was late when scanned; fired once
        assert set(SLACheck.objects.filter(ticket=ticket).values_list("milestone", flat=True)) == {
            "onsite",
            "resolve",
        }

    def test_of_two_people_acknowledging_the_second_is_told_it_is_done(self, file_at, told):
        from possystem.errors import StateConflict

        file_at(FRIDAY_10)
        scan_at(at(2026, 11, 28, 10))
        escalation = Escalation.objects.get()
        stale = Escalation.objects.get()

        sla.escalation_acknowledge(escalation=escalation, by=told["dispatcher"])
        with pytest.raises(StateConflict):
            sla.escalation_acknowledge(escalation=stale, by=told["manager"])

        escalation.refresh_from_db()
        assert escalation.acknowledged_by == told["dispatcher"]


@pytest.mark.django_db
def test_only_staff_acknowledge_escalations(file_at, told, merchant):
    from possystem.errors import ActionNotAllowed

    file_at(FRIDAY_10)
    scan_at(at(2026, 11, 28, 10))

    with pytest.raises(ActionNotAllowed):
        sla.escalation_acknowledge(escalation=Escalation.objects.get(), by=merchant)


@pytest.mark.django_db
def test_a_technician_who_left_is_not_told(file_at, told):
    technician = factories.TechnicianFactory(user__username="tech-gone")
    ticket = file_at(FRIDAY_10)
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        tickets.ticket_assign(
            ticket=ticket, technician=technician, by=told["dispatcher"], override_reason="The only one free."
        )
    technician.user.is_active = False
    technician.user.save(update_fields=["is_active"])

    scan_at(at(2026, 11, 29, 11))

    assert technician.user not in Escalation.objects.get(milestone="onsite").recipients.all()


@pytest.mark.django_db
def test_one_ticket_that_cannot_be_escalated_does_not_hold_up_the_others(file_at, told, monkeypatch, caplog):
    first = file_at(at(2026, 11, 27, 9))  # due first, so the claim always meets it first
    others = [file_at(FRIDAY_10) for _ in range(3)]
    message = sla.escalation_message

    def broken_for_the_first(escalation, **kwargs):
        if escalation.ticket_id == first.pk:
            raise ValueError("bad data")
        return message(escalation, **kwargs)

    monkeypatch.setattr(sla, "escalation_message", broken_for_the_first)

    scan_at(at(2026, 11, 28, 4, 30))

    assert {e.ticket_id for e in Escalation.objects.all()} == {t.pk for t in others}
    check = SLACheck.objects.get(ticket=first, milestone="respond")
    assert (check.level, check.due_at) == (Level.AT_RISK, at(2026, 11, 28, 4, 35))
    assert "failed; trying it again" in caplog.text
