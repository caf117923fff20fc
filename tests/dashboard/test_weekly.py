"""The weekly summary: last week's figures (Monday to Monday in Asia/Shanghai), the worst regions
and technicians, a link back, in each manager's language, once per manager and week."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import User
from dashboard import weekly
from notifications.models import Delivery
from notifications.services import delivery_send
from tests import factories
from tests.helpers import at, scan_at
from tickets import services
from tickets.models import Feedback, Ticket

MONDAY_MORNING = at(2026, 11, 23, 8)  # the beat fires; last week is 16–22 November


def _summaries():
    return Delivery.objects.filter(source__startswith="weekly-summary:")


@pytest.fixture
def week(file_at, told, dispatcher):
    """Last week: one ticket answered in time and rated, one left to breach its response deadline
    (then sent to a technician), one filed a minute before the week began and one at its very end."""
    answered = file_at(at(2026, 11, 16, 9))
    with time_machine.travel(at(2026, 11, 16, 10), tick=False):
        services.ticket_acknowledge(ticket=answered, by=dispatcher)
    Ticket.objects.filter(pk=answered.pk).update(resolved_at=at(2026, 11, 18, 12))
    Feedback.objects.create(ticket=answered, rating=4, created_at=at(2026, 11, 19, 9))
    breached = file_at(at(2026, 11, 17, 10))
    scan_at(at(2026, 11, 18, 11))  # 25 hours later: the response deadline has passed
    technician = factories.TechnicianFactory(user__username="tech-zhao", user__first_name="赵强")
    with time_machine.travel(at(2026, 11, 18, 12), tick=False):
        services.ticket_acknowledge(ticket=breached, by=dispatcher)
        services.ticket_assign(ticket=breached, technician=technician, by=dispatcher)
    before = file_at(at(2026, 11, 15, 23, 59))  # Sunday before: not last week's
    last_minute = file_at(at(2026, 11, 22, 23, 59))  # Sunday night: last week's
    return {"answered": answered, "breached": breached, "before": before, "last_minute": last_minute}


def test_the_week_is_monday_to_monday_in_shanghai():
    # 07:59 on a Monday in Shanghai is still Sunday 23:59 in UTC: it is Monday that counts.
    assert weekly.week_before(at(2026, 11, 23, 0, 0)) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 23))
    assert weekly.week_before(at(2026, 11, 22, 23, 59)) == (datetime.date(2026, 11, 9), datetime.date(2026, 11, 16))
    assert weekly.week_before(at(2026, 11, 29, 12)) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 23))


def test_the_figures_of_last_week(week):
    figures = weekly.weekly_figures(
        since=datetime.date(2026, 11, 16), until=datetime.date(2026, 11, 23), now=MONDAY_MORNING
    )
    respond = next(row for row in figures.compliance if row.milestone == "respond")
    # Three tickets filed in the week (not the one a minute before it): one on time, one late, one
    # filed at 23:59 on Sunday and not yet due.
    assert (respond.on_time, respond.late, respond.missed, respond.pending) == (1, 1, 0, 1)
    # Both escalated at the scan: the one not answered, and the answered one nobody had visited
    # within 48 hours (it was resolved only later).
    assert figures.breaches == 2
    assert (figures.csat_average, figures.csat_count, figures.resolved) == (4, 1, 1)
    assert figures.csat_response_percent == "100 %"
    assert [(r.item.code, r.breaches) for r in figures.worst_regions] == [("shanghai", 2)]
    # The technician's job is past its on-site deadline (Thursday 10:00) and still open.
    assert [(str(w.technician), w.overdue_jobs) for w in figures.worst_technicians] == [("赵强", 1)]


def test_each_manager_gets_it_once_in_their_own_language(week, manager, settings):
    settings.SITE_URL = "https://service.example.com"
    chinese = factories.UserFactory(username="manager-chen", role=User.Role.MANAGER, language="zh-hans")
    manager.language = "en"
    manager.save(update_fields=["language"])
    factories.UserFactory(username="manager-gone", role=User.Role.MANAGER, is_active=False)
    factories.UserFactory(username="manager-nomail", role=User.Role.MANAGER, email="")

    with time_machine.travel(MONDAY_MORNING, tick=False):
        assert weekly.weekly_summary_send() == 2
        assert weekly.weekly_summary_send() == 0  # the beat fired twice
    assert set(_summaries().values_list("recipient__username", flat=True)) == {"manager-sun", "manager-chen"}
    assert set(_summaries().values_list("source", flat=True)) == {"weekly-summary:2026-11-16"}

    english = _summaries().get(recipient=manager)
    assert english.subject == "Weekly service summary: 2026-11-16 – 2026-11-22"
    assert "Response: 50.0 % (1 on time, 1 late, 0 missed and still open, 1 not due yet)" in english.body
    assert "2 tickets breached a deadline that week." in english.body
    assert "Customer satisfaction: 4.00 / 5 from 1 ratings" in english.body
    assert "- Shanghai: 2" in english.body
    assert "- 赵强: 1" in english.body
    assert "https://service.example.com/" in english.body
    zh = _summaries().get(recipient=chinese)
    assert "每周服务摘要" in zh.subject
    assert "- 响应：50.0 %（按时 1，超时 1，已超时未完结 0，未到期 1）" in zh.body
    assert "- 上海：2" in zh.body
    assert "Shanghai" not in zh.body

    for delivery in _summaries():
        assert delivery_send(delivery_id=delivery.pk)
    assert sorted(m.to[0] for m in mail.outbox if "summary" in m.subject or "摘要" in m.subject) == [
        "manager-chen@example.com",
        "manager-sun@example.com",
    ]


def test_a_second_week_is_a_second_summary(manager):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        assert weekly.weekly_summary_send() == 1
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(days=7), tick=False):
        assert weekly.weekly_summary_send() == 1
    assert sorted(_summaries().values_list("source", flat=True)) == [
        "weekly-summary:2026-11-16",
        "weekly-summary:2026-11-23",
    ]


def test_a_quiet_week_says_so(manager):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        weekly.weekly_summary_send()
    body = _summaries().get().body
    assert "None: no breaches that week." in body
    assert "Customer satisfaction: — from 0 ratings (— of tickets resolved that week)." in body


def test_the_beat_sends_it_on_monday_at_eight_in_shanghai(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-weekly-summary"]
    assert entry["task"] == "dashboard.weekly_summary"
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute, schedule.day_of_week) == ({8}, {0}, {1})
    assert timezone.localtime(MONDAY_MORNING).weekday() == 0


def test_the_emails_numbers_are_the_dashboards_for_the_same_week(week, manager, client):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        weekly.weekly_summary_send()
        link = weekly.dashboard_link(since=datetime.date(2026, 11, 16), until=datetime.date(2026, 11, 23))
        client.force_login(manager)
        page = client.get(link).context["f"]
    body = _summaries().get(recipient=manager).body
    sent = weekly.weekly_figures(
        since=datetime.date(2026, 11, 16), until=datetime.date(2026, 11, 23), now=MONDAY_MORNING, actor=manager
    )

    assert page.filed == 3
    assert sent.compliance == page.compliance
    for row in page.compliance:
        line = f"{row.label}: {row.percent} ({row.on_time} on time, {row.late} late, {row.missed} missed"
        assert line in body
    assert sent.breaches == sum(breached for _region, breached, _filed in page.regions) == 2
    assert f"{sent.breaches} tickets breached a deadline that week." in body
    region, breached, _filed = page.regions[0]
    assert f"- {region.label}: {breached}" in body
    satisfaction = page.satisfaction
    assert (sent.csat_average, sent.csat_count, sent.resolved) == (
        satisfaction.average,
        satisfaction.rated,
        satisfaction.resolved,
    )
    assert f"Customer satisfaction: {satisfaction.average:.2f} / 5 from {satisfaction.rated} ratings" in body
    states = {state: count for state, _label, count in page.open.by_state}
    assert f"Open now: {states['breached']} breached, {states['at_risk']} at risk." in body
    overdue = [row for row in page.workload if row.overdue_jobs]
    assert [(w.technician, w.overdue_jobs) for w in sent.worst_technicians] == [
        (w.technician, w.overdue_jobs) for w in overdue
    ]
    assert f"- {overdue[0].technician}: {overdue[0].overdue_jobs}" in body
