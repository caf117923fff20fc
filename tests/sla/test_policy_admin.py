"""Changing a policy's warnings in the admin refreshes its open tickets' checks through the worker,
enqueued after commit like every other task, and a broker that refuses it does not fail the save."""

from unittest import mock

import pytest
from django.test import Client
from kombu.exceptions import OperationalError as BrokerDown

from sla import tasks
from tests import factories


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(factories.UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def change(client, policy, **fields):
    data = {
        "name": policy.name,
        "priority": policy.priority,
        "merchant_tier": policy.merchant_tier,
        "response_hours": policy.response_hours,
        "onsite_hours": policy.onsite_hours,
        "resolution_working_days": policy.resolution_working_days,
        "resolution_days_by_fault": "{}",
        "at_risk_share": "0.75",
        "manager_escalation_hours": policy.manager_escalation_hours,
        "active": "on",
        **fields,
    }
    return client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", data)


def test_a_changed_warning_share_enqueues_the_refresh_after_commit(
    admin_client, sla_policy, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.policy_refresh, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = change(admin_client, sla_policy, at_risk_share="0.50")
        assert response.status_code == 302
        assert delay.call_count == 0  # nothing before the commit
        # The refresh waits for the commit (beside the policy snapshot's own bump).
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(sla_policy.pk)


def test_a_change_that_moves_no_warning_enqueues_nothing(admin_client, sla_policy, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.policy_refresh, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = change(admin_client, sla_policy, response_hours=12)
    assert response.status_code == 302
    delay.assert_not_called()


def test_a_broker_that_refuses_the_refresh_does_not_fail_the_save(
    admin_client, sla_policy, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(tasks.policy_refresh, "delay", side_effect=BrokerDown("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = change(admin_client, sla_policy, manager_escalation_hours=8)
    assert response.status_code == 302
    sla_policy.refresh_from_db()
    assert sla_policy.manager_escalation_hours == 8
    assert "did not take sla.policy_refresh" in caplog.text
