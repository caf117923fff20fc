"""Bad input to the pages is a page that says what is wrong (4xx), never a 500: NUL bytes in the
address, the query or a form field, bodies larger than the site accepts, serial numbers that do not
fit in a URL path."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NUL_REFUSED = "A NUL character (%00) is not allowed here. Remove it and send again."


@pytest.fixture
def ticket(merchant, sla_policy):
    return factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))


def refused(response, status: int) -> str:
    page = response.content.decode()
    assert response.status_code == status, page[:500]
    assert 'data-testid="refused"' in page
    return page


@pytest.mark.parametrize(
    "path",
    ["/tickets/?q=%00", "/devices/?q=%00", "/tickets/console/?q=%00", "/tickets/?status=%00", "/dashboard/?period=%00"],
)
def test_a_nul_byte_in_the_query_is_a_400_page(client, dispatcher, path):
    client.force_login(dispatcher)

    page = refused(client.get(path), 400)

    assert NUL_REFUSED in page


@pytest.mark.parametrize("path", ["/tickets/%00/", "/devices/%00/", "/tickets/RT-1%00/receipt/"])
def test_a_nul_byte_in_the_address_is_not_found(client, dispatcher, path):
    client.force_login(dispatcher)

    page = refused(client.get(path), 404)

    assert "Page not found" in page


def test_a_nul_byte_in_a_form_field_is_a_400_page_and_changes_nothing(client, dispatcher, merchant, ticket):
    client.force_login(dispatcher)

    acknowledge = client.post(f"/tickets/{ticket.number}/acknowledge/", {"message": "on my way\x00"})

    assert NUL_REFUSED in refused(acknowledge, 400)
    ticket.refresh_from_db()
    assert ticket.status == "new"

    client.force_login(merchant)
    filing = client.post("/tickets/new/", {"submission_key": "\x00", "description": "x"})
    assert NUL_REFUSED in refused(filing, 400)
    assert Ticket.objects.count() == 1


def test_the_refusal_speaks_the_users_language(client, merchant):
    client.force_login(merchant)

    page = refused(client.get("/tickets/?q=%00", HTTP_ACCEPT_LANGUAGE="zh-hans"), 400)

    assert "不允许" in page


def test_a_nul_byte_in_a_cookie_is_refused_before_the_session_is_read(client):
    client.cookies["sessionid"] = "abc\x00def"

    refused(client.get("/tickets/"), 400)


def test_a_body_larger_than_five_photos_is_413_before_it_is_read(client, merchant, settings):
    client.force_login(merchant)
    too_big = settings.REQUEST_MAX_BYTES + 1

    response = client.post(
        "/tickets/new/", {"photos": SimpleUploadedFile("big.png", b"\0" * too_big, content_type="image/png")}
    )

    page = refused(response, 413)
    assert "up to 5 photos of 5.0\xa0MB each" in page


def test_a_form_with_too_many_fields_is_a_400_page(client, merchant, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(merchant)

    response = client.post("/tickets/new/", {f"field{n}": "x" for n in range(20)})

    refused(response, 400)


def test_a_terminal_stored_with_a_slash_in_its_serial_has_working_pages(client, merchant, dispatcher):
    # Registered before serial numbers were restricted (the API took anything then).
    legacy = factories.device_in_warranty(merchant.merchant, serial_number="PAX/A920 #7?")

    for user in (merchant, dispatcher):
        client.force_login(user)
        listing = client.get("/devices/")
        assert listing.status_code == 200
        link = "/devices/PAX/A920%20%237%3F/"
        assert link in listing.content.decode()
        detail = client.get(link)
        assert detail.status_code == 200
        assert detail.context["device"] == legacy
