"""A resolution takes its parts from one warehouse the technician draws from: the page offers those,
with what each holds; another warehouse, or none, is a field error and takes nothing."""

import pytest
from django.urls import reverse

from possystem.errors import InvalidInput
from stock.models import StockMovement
from tests.factories import SparePartFactory, TechnicianFactory, stock_of
from tests.helpers import check_in, session_client
from tickets import services
from tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(ticket, dispatcher, technician):
    """`ticket` with `technician` (Shanghai) on site."""
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return ticket


@pytest.fixture
def part(ticket):
    part = SparePartFactory(name="Thermal printer module", stock=4)
    part.compatible_models.add(ticket.device.model)
    return part


def resolve(ticket, by, **kwargs):
    return services.ticket_resolve(ticket=ticket, by=by, outcome="replaced", work_done="Module replaced.", **kwargs)


def test_parts_come_out_of_the_chosen_warehouse_with_the_ticket_recorded(job, technician, part, shanghai):
    report = resolve(job, technician.user, parts=[(part, 1), (part, 2)], warehouse=shanghai)

    (movement,) = StockMovement.objects.all()
    assert (movement.kind, movement.quantity, movement.balance) == ("used", -3, 1)
    assert (movement.ticket, movement.report, movement.by, movement.warehouse) == (
        job, report, technician.user, shanghai,
    )  # fmt: skip
    assert stock_of(part) == 1


@pytest.mark.parametrize("which", ["none", "not drawn from"])
def test_no_warehouse_or_one_not_drawn_from_is_a_field_error(job, technician, part, beijing, which):
    warehouse = None if which == "none" else beijing

    with pytest.raises(InvalidInput) as refused:
        resolve(job, technician.user, parts=[(part, 1)], warehouse=warehouse)

    assert refused.value.field == "warehouse"
    job.refresh_from_db()
    assert job.status == Status.ON_SITE
    assert stock_of(part) == 4
    assert not StockMovement.objects.exists()


def test_a_resolution_without_parts_needs_no_warehouse(job, technician):
    report = resolve(job, technician.user)

    assert report.parts.count() == 0


def test_the_form_offers_the_technicians_warehouses_with_their_quantities(
    client, job, technician, part, shanghai, hangzhou, beijing
):
    technician.regions.add(hangzhou.region)
    client.force_login(technician.user)

    page = client.get(reverse("tickets:detail", args=[job.number]))
    form = page.context["resolve_form"]

    assert list(form.fields["warehouse"].queryset) == [hangzhou, shanghai]
    assert "Thermal printer module (in stock: 杭州仓 0 · 上海总仓 4)" in page.content.decode()


def test_a_single_warehouse_is_chosen_already(client, job, technician, part, shanghai):
    client.force_login(technician.user)

    page = client.get(reverse("tickets:detail", args=[job.number]))

    assert page.context["resolve_form"]["warehouse"].value() == shanghai.pk
    assert "Thermal printer module (4 in stock)" in page.content.decode()


def form_data(part, warehouse):
    return {
        "resolve-outcome": "replaced",
        "resolve-work_done": "Module replaced.",
        "resolve-warehouse": "" if warehouse is None else str(warehouse.pk),
        "parts-TOTAL_FORMS": "1",
        "parts-INITIAL_FORMS": "0",
        "parts-0-part": str(part.pk),
        "parts-0-quantity": "1",
    }


def test_on_the_page_another_warehouse_or_none_comes_back_on_the_field(client, job, technician, part, beijing):
    client.force_login(technician.user)
    url = reverse("tickets:resolve", args=[job.number])

    other = client.post(url, form_data(part, beijing))
    none = client.post(url, form_data(part, None))

    assert other.status_code == 200
    assert other.context["resolve_form"].errors["warehouse"] == ["Choose a warehouse you draw parts from."]
    assert none.context["resolve_form"].errors["warehouse"] == ["Choose the warehouse the parts come from."]
    job.refresh_from_db()
    assert job.status == Status.ON_SITE
    assert stock_of(part) == 4


def test_a_shortage_in_the_warehouse_comes_back_on_the_page(client, job, technician, part, shanghai):
    client.force_login(technician.user)
    data = form_data(part, shanghai) | {"parts-0-quantity": "5"}

    response = client.post(reverse("tickets:resolve", args=[job.number]), data)

    assert "Not enough Thermal printer module at 上海总仓: 5 needed, 4 there." in response.content.decode()
    assert stock_of(part) == 4


def test_the_api_names_the_warehouse_by_code(job, dispatcher, part, shanghai, beijing):
    api = session_client(dispatcher)
    url = f"/api/v1/tickets/{job.number}/resolve/"
    body = {"outcome": "replaced", "work_done": "Module replaced.", "parts": [{"sku": part.sku, "quantity": 1}]}

    unknown = api.post(url, body | {"warehouse": "nowhere"}, format="json")
    missing = api.post(url, body, format="json")
    # Staff resolving from the console may take from any open warehouse.
    done = api.post(url, body | {"warehouse": "shanghai-main"}, format="json")

    assert unknown.status_code == 422 and unknown.json()["errors"]["warehouse"] == ["No warehouse has this code."]
    assert missing.status_code == 422
    assert missing.json()["errors"]["warehouse"] == ["Choose the warehouse the parts come from."]
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert stock_of(part) == 3


def test_a_technician_without_regions_draws_from_nowhere(ticket, dispatcher, part, shanghai):
    nowhere = TechnicianFactory(regions=[])
    services.ticket_assign(ticket=ticket, technician=nowhere, by=dispatcher, override_reason="Only one free")
    check_in(ticket, nowhere)

    with pytest.raises(InvalidInput) as refused:
        resolve(ticket, nowhere.user, parts=[(part, 1)], warehouse=shanghai)

    assert refused.value.field == "warehouse"


def test_a_repair_that_empties_a_level_to_its_threshold_tells_the_managers(job, technician, part, shanghai, manager):
    from notifications.models import Notification
    from stock.services import stock_threshold_set

    stock_threshold_set(part=part, warehouse=shanghai, threshold=2, by=manager)
    resolve(job, technician.user, parts=[(part, 2)], warehouse=shanghai)

    (notice,) = Notification.objects.filter(recipient=manager)
    assert notice.subject == "Low stock: Thermal printer module at 上海总仓"
