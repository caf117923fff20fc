"""The outbox: every escalation notice is sent once per channel, survives a lost task or a broker
outage, and backs off when a channel fails."""

import datetime
import logging
import smtplib

import pytest
import time_machine
from django.core import mail

from notifications import services as notifications
from notifications.channels import EmailChannel
from notifications.models import Delivery, Notification
from tests.helpers import at, escalation_deliveries, held_in_another_transaction, scan_at

pytestmark = pytest.mark.django_db

BREACH = at(2026, 11, 28, 10)  # the response deadline of a ticket filed on Friday at 10:00


@pytest.fixture
def breached(file_at, told):
    """A ticket whose response deadline was just missed, and the outbox rows of the notice."""
    ticket = file_at(at(2026, 11, 27, 10))
    scan_at(BREACH)
    return ticket


def send(delivery: Delivery) -> bool:
    return notifications.delivery_send(delivery_id=delivery.pk)


def test_the_in_app_notice_is_written_once_however_often_the_task_runs(breached, told):
    delivery = escalation_deliveries().get(channel="in_app")

    assert send(delivery) is True
    assert send(delivery) is False

    notification = Notification.objects.get(recipient=told["dispatcher"])
    assert notification.subject == delivery.subject
    assert notification.link == f"/tickets/{breached.number}/"
    assert notification.ticket == breached


def test_the_email_names_the_ticket_the_milestone_how_late_and_links_to_it(breached, told, settings):
    settings.SITE_URL = "https://service.example.com"
    delivery = escalation_deliveries().get(channel="email")

    with time_machine.travel(BREACH + datetime.timedelta(seconds=2), tick=False):
        assert send(delivery) is True
        assert send(delivery) is False

    (email,) = mail.outbox
    assert email.to == [told["dispatcher"].email]
    assert email.subject == f"{breached.number} breached: response under a minute late"
    assert f"https://service.example.com/tickets/{breached.number}/" in email.body
    assert email.extra_headers["X-Delivery-Id"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 1


def test_a_worker_holding_the_lease_wins_the_race(breached):
    delivery = escalation_deliveries().get(channel="email")
    with time_machine.travel(BREACH, tick=False):
        escalation_deliveries().filter(pk=delivery.pk).update(available_at=BREACH + datetime.timedelta(minutes=2))

        assert send(delivery) is False  # another worker claimed it a moment ago

    assert mail.outbox == []


def test_a_failing_mail_server_is_retried_with_back_off_then_given_up(breached, monkeypatch, caplog):
    delivery = escalation_deliveries().get(channel="email")

    def refuse(self, delivery):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    monkeypatch.setattr(EmailChannel, "send", refuse)
    moment = BREACH
    waits = []
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        for _ in range(notifications.MAX_ATTEMPTS):
            with time_machine.travel(moment, tick=False):
                assert send(delivery) is False
            delivery.refresh_from_db()
            waits.append(delivery.available_at - moment)
            moment = delivery.available_at

    assert [int(w.total_seconds()) for w in waits[:4]] == [30, 60, 120, 240]
    assert delivery.failed_at is not None
    assert "SMTPServerDisconnected" in delivery.last_error
    assert "giving up" in caplog.text


def test_a_user_without_an_address_is_given_up_on_at_once(breached, told):
    delivery = escalation_deliveries().get(channel="email")
    told["dispatcher"].email = ""
    told["dispatcher"].save(update_fields=["email"])

    with time_machine.travel(BREACH, tick=False):
        assert send(delivery) is False

    delivery.refresh_from_db()
    assert delivery.failed_at is not None and delivery.sent_at is None


def test_sms_is_a_logged_stub_behind_the_same_interface(file_at, told, caplog):
    file_at(at(2026, 11, 27, 10))
    scan_at(at(2026, 11, 28, 14))  # managers told: in the app, by e-mail and by SMS
    delivery = escalation_deliveries().get(channel="sms")

    with caplog.at_level(logging.INFO, logger="notifications.channels"), time_machine.travel(at(2026, 11, 28, 14)):
        assert send(delivery) is True

    assert "SMS to 13900001111" in caplog.text


def test_deliveries_are_enqueued_only_after_the_escalation_commits(
    file_at, told, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(notifications, "deliveries_enqueue", enqueued.append)
    file_at(at(2026, 11, 27, 10))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scan_at(BREACH)
        assert enqueued == []

    for callback in callbacks:
        callback()
    assert sorted(enqueued[0]) == sorted(escalation_deliveries().values_list("pk", flat=True))


def test_a_broker_outage_at_commit_is_logged_and_the_sweeper_sends_it_later(
    breached, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from notifications import tasks

    def broker_down(*args, **kwargs):
        from kombu.exceptions import OperationalError

        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    ids = list(escalation_deliveries().values_list("pk", flat=True))

    with caplog.at_level(logging.WARNING, logger="possystem.queue"), time_machine.travel(BREACH, tick=False):
        notifications.deliveries_enqueue(ids)  # what the on-commit hook runs; it must not raise
    assert "will be requeued" in caplog.text

    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    # Never enqueued, so owed at once: the sweeper's very next pass takes them (within one period of
    # the broker's return, not two).
    with (
        time_machine.travel(BREACH + datetime.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications.deliveries_requeue() == len(ids)

    assert sorted(sent[0]) == sorted(ids)
    # Available from now: the next sweep leaves them alone while this enqueue is worked off.
    assert escalation_deliveries().filter(available_at=BREACH + datetime.timedelta(seconds=1)).count() == len(ids)
    with time_machine.travel(BREACH + datetime.timedelta(seconds=10), tick=False):
        assert notifications.deliveries_requeue() == 0


def test_the_sweeper_finds_a_lease_left_by_a_worker_that_died(breached, settings):
    delivery = escalation_deliveries().get(channel="email")
    with time_machine.travel(BREACH, tick=False):
        escalation_deliveries().filter(pk=delivery.pk).update(
            available_at=BREACH + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS), attempts=1
        )
    late = BREACH + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)

    with time_machine.travel(late + datetime.timedelta(seconds=29), tick=False):
        owed_early = notifications.deliveries_requeue()
    with time_machine.travel(late + datetime.timedelta(seconds=31), tick=False):
        owed = set(
            escalation_deliveries().filter(sent_at__isnull=True, available_at__lte=late).values_list("pk", flat=True)
        )
        assert delivery.pk in owed
        assert notifications.deliveries_requeue() >= 1
        assert send(delivery) is True

    assert owed_early == len(escalation_deliveries().all()) - 1  # every other row, never claimed, was owed
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_in_app_notice_another_worker_is_writing_is_left_to_it(file_at, told):
    file_at(at(2026, 11, 27, 10))
    scan_at(BREACH)
    delivery = escalation_deliveries().get(channel="in_app")

    def other_worker():
        list(escalation_deliveries().select_for_update().filter(pk=delivery.pk))

    with held_in_another_transaction(other_worker):
        assert send(delivery) is False  # skipped, not waited for

    assert send(delivery) is True
    assert send(delivery) is False
    assert Notification.objects.filter(recipient=told["dispatcher"]).count() == 1
