"""The dispatcher's suggestions: ranked with reasons, and an assignment over a concern (off shift until
after the deadline, outside the region, untrained, at capacity) confirmed with a reason that goes on
the timeline."""

import datetime

import pytest

from possystem.errors import InvalidInput
from technicians.matching import Concern
from tests.factories import OFFICE_HOURS, DeviceModelFactory, RegionFactory, TechnicianFactory, file_ticket
from tests.helpers import at
from tickets import selectors, services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

T = datetime.time
# Friday 2026-11-27 at 19:00: office hours are over until Monday 09:00.
FRIDAY_EVENING = at(2026, 11, 27, 19, 0)


@pytest.fixture
def job(file_at):
    """A printer repair filed Friday evening: on site by Sunday 19:00 (48 h)."""
    return file_at(FRIDAY_EVENING)


@pytest.fixture
def crew():
    beijing = RegionFactory(code="beijing", name="北京", name_en="Beijing")
    return {
        "best": TechnicianFactory(user__username="tech-best", user__first_name="Zhang"),
        "busy": TechnicianFactory(user__username="tech-busy", user__first_name="Wang", capacity=1),
        "weekdays": TechnicianFactory(user__username="tech-weekdays", user__first_name="Zhao", shifts=OFFICE_HOURS),
        "saturday": TechnicianFactory(
            user__username="tech-saturday", user__first_name="Qian", shifts=[(5, T(9), T(17))]
        ),
        "far": TechnicianFactory(user__username="tech-far", user__first_name="Li", regions=[beijing]),
        "new": TechnicianFactory(
            user__username="tech-new", user__first_name="Sun", trained_on=[DeviceModelFactory(name="N910")]
        ),
    }


def test_it_ranks_with_reasons_and_names_the_concerns(job, crew, dispatcher, merchant, time_machine):
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    services.ticket_assign(ticket=file_ticket(merchant), technician=crew["busy"], by=dispatcher)
    fits = {fit.technician.user.username: fit for fit in selectors.assignment_candidates(actor=dispatcher, ticket=job)}
    ranked = list(fits)
    assert ranked[0] == "tech-best"
    # Off shift now but back before the deadline is no concern; it ranks after those on shift.
    assert fits["tech-saturday"].concerns == []
    assert ranked.index("tech-saturday") == 1
    assert {name: fits[name].concerns for name in ranked[2:]} == {
        "tech-busy": [Concern.FULL],
        "tech-weekdays": [Concern.OFF_SHIFT],
        "tech-far": [Concern.OUTSIDE_REGION],
        "tech-new": [Concern.UNTRAINED],
    }
    reasons = [reason.text for reason in fits["tech-best"].reasons]
    assert reasons == ["Serves Shanghai", "Trained on PAX A920 since 2026-01-05", "0 of 5 open jobs", "On shift now"]
    assert fits["tech-saturday"].reasons[-1].text == ("Off shift now; next shift Sat 11-28 09:00, before the deadline")
    assert fits["tech-weekdays"].reasons[-1].text == ("Off shift until after the deadline; next shift Mon 11-30 09:00")
    assert fits["tech-far"].reasons[0].text == "Outside the region (serves Beijing)"
    assert fits["tech-new"].reasons[1].text == "Not trained on PAX A920"


def test_an_assignment_over_a_concern_needs_a_reason_which_goes_on_the_timeline(job, crew, dispatcher, time_machine):
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_assign(ticket=job, technician=crew["weekdays"], by=dispatcher)
    assert refused.value.code == "confirmation_needed"
    assert refused.value.errors == {
        "override_reason": [
            "Zhao is off shift until after the deadline. Say why you send them anyway, or choose someone else."
        ]
    }
    assert not job.assignments.exists()

    services.ticket_assign(
        ticket=job, technician=crew["weekdays"], by=dispatcher, override_reason="Only he has the spare screen."
    )
    assigned = job.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert assigned.data["concerns"] == ["off_shift"]
    assert assigned.data["override_reason"] == "Only he has the spare screen."


def test_the_api_asks_for_the_reason_too(job, crew, dispatcher_api, time_machine):
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    url = f"/api/v1/tickets/{job.number}/assign/"
    refused = dispatcher_api.post(url, {"technician": crew["far"].pk}, format="json")
    assert refused.status_code == 422
    assert refused.json()["code"] == "confirmation_needed"
    assert list(refused.json()["errors"]) == ["reason"]
    assigned = dispatcher_api.post(url, {"technician": crew["far"].pk, "reason": "Visiting Shanghai."}, format="json")
    assert assigned.status_code == 200
    assert job.events.get(kind=TicketEvent.Kind.ASSIGNED).data["concerns"] == ["outside_region"]
