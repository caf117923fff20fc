"""Every kind of page works under the Content-Security-Policy in a real Chromium: no violation is
reported, the page's own scripts run (the language switcher, the interactive API docs), and the
images and styles load."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports each blocked script, style or image to the page as a securitypolicyviolation
# event; the test's own script (injected by the driver, outside the policy) writes them down.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(open_page):
    """A page that records CSP violations from the console and from the DOM events."""

    def open_watched(**options):
        page = open_page(**options)
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.console_violations = []
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and page.console_violations.append(message.text),
        )
        return page

    return open_watched


def violations(page) -> list[str]:
    return page.console_violations + page.evaluate("window.__violations || []")


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.status < 400, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], f"{path}: {violations(page)}"


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(merchant, dispatcher, manager, technician, sla_policy):
    device = factories.device_in_warranty(merchant.merchant, serial_number="PAX-A920-5500")
    filed = factories.file_ticket(merchant, device=device, photos=[png()])
    on_site = factories.file_ticket(merchant, device=device)
    services.ticket_assign(ticket=on_site, technician=technician, by=dispatcher)
    resolved = factories.file_ticket(merchant, device=device)
    services.ticket_acknowledge(ticket=resolved, by=dispatcher)
    services.ticket_resolve(ticket=resolved, by=dispatcher, outcome="remote", work_done="Reset remotely.")
    admin = factories.UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    return {"device": device, "filed": filed, "resolved": resolved, "admin": admin}


def test_the_pages_of_every_role_run_under_the_policy(watched, world, merchant, dispatcher, manager, technician):
    page = watched()
    visit(page, "/accounts/login/")
    visit(page, "/accounts/password/reset/")
    sign_in(page, merchant.username, PASSWORD)
    for path in (
        "/tickets/",
        "/tickets/new/",
        f"/tickets/{world['filed'].number}/",
        f"/tickets/{world['resolved'].number}/receipt/",
        "/devices/",
        f"/devices/{world['device'].serial_number}/",
        "/accounts/notifications/",
        "/accounts/password/change/",
    ):
        visit(page, path)
    photo = page.locator("[data-testid=filing-photos] img")
    page.goto(f"/tickets/{world['filed'].number}/")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 32

    for user, paths in (
        (dispatcher, ["/tickets/console/", f"/tickets/{world['filed'].number}/", "/sla/escalations/"]),
        (technician.user, ["/tickets/jobs/"]),
        (
            manager,
            [
                "/dashboard/",
                "/dashboard/tickets/?figure=filed",
                "/dashboard/exports/",
                "/stock/",
                "/stock/movements/",
                "/stock/transfer/",
            ],
        ),
    ):
        page = watched()
        sign_in(page, user.username, PASSWORD)
        for path in paths:
            visit(page, path)


def test_the_admin_runs_under_the_policy(watched, world):
    page = watched()
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    for path in (
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{world['filed'].pk}/change/",
        "/admin/devices/device/import/",
        "/admin/accounts/auditentry/",
        "/admin/api/partnerapikey/add/",
    ):
        visit(page, path)


def test_the_language_switcher_works_without_an_inline_handler(watched, merchant):
    page = watched()
    sign_in(page, merchant.username, PASSWORD)
    assert page.get_attribute("html", "lang") == "en"

    with page.expect_navigation():
        page.select_option("#language", "zh-hans")

    assert page.get_attribute("html", "lang") == "zh-hans"
    assert violations(page) == []


def test_the_interactive_api_docs_run_under_the_policy(watched, db):
    page = watched()
    visit(page, "/api/docs/")

    page.wait_for_selector(".opblock-tag", timeout=20_000)
    assert page.locator(".opblock-tag").count() >= 5
    assert violations(page) == []
