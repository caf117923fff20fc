"""The field steps reach partners as webhook events: accepted, on the way, visit verified (by the
code on site or a manager's approval, never a visit only staff recorded) and reopened."""

import pytest

from tests.helpers import check_in
from tickets import services
from webhooks.models import Event, WebhookDelivery

pytestmark = pytest.mark.django_db

FIELD_EVENTS = [Event.ACCEPTED, Event.ON_THE_WAY, Event.VISIT_VERIFIED, Event.REOPENED]


@pytest.fixture
def subscribed(partner_api):
    response = partner_api.post(
        "/api/v1/webhooks/", {"url": "https://partner.example/hooks", "events": FIELD_EVENTS}, format="json"
    )
    assert response.status_code == 201, response.json()


def sent(ticket) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(ticket_number=ticket.number).order_by("pk").values_list("event_type", flat=True)
    )


def test_each_field_step_is_an_event(subscribed, ticket, dispatcher, technician, merchant):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    services.assignment_accept(assignment=ticket.active_assignment, by=technician.user)
    services.assignment_on_the_way(assignment=ticket.active_assignment, by=technician.user)
    check_in(ticket, technician)
    services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="Roller.")
    services.ticket_reopen(ticket=ticket, by=merchant, reason="Jams again.")
    assert sent(ticket) == [Event.ACCEPTED, Event.ON_THE_WAY, Event.VISIT_VERIFIED, Event.REOPENED]
    reopened = WebhookDelivery.objects.get(event_type=Event.REOPENED).payload
    assert (reopened["data"]["ticket"]["status"], reopened["data"]["reason"]) == ("acknowledged", "Jams again.")


def test_a_visit_staff_record_is_verified_for_partners_only_once_approved(
    subscribed, ticket, dispatcher, manager, technician
):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    visit = services.ticket_visit_record(ticket=ticket, by=dispatcher, reason="Phone died.")
    assert sent(ticket) == []
    services.visit_approve(visit=visit, by=manager)
    assert sent(ticket) == [Event.VISIT_VERIFIED]
    payload = WebhookDelivery.objects.get().payload
    assert payload["data"]["visit"]["approved"] is True
