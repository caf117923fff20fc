"""Where webhooks may go: https URLs whose host resolves only to public addresses, checked when a
partner subscribes and again before each delivery, which then connects to the address checked.

Name resolution is answered by the test (`resolver`), so no test here sends anything anywhere but to
its own receivers on 127.0.0.1; an address the policy refuses is never connected to.
"""

import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests import factories
from tests.webhooks.test_deliveries import Receiver
from webhooks import targets
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_delivery_attempt

pytestmark = pytest.mark.django_db

HOOK_HOST = "hooks.partner.test"
PUBLIC = "93.184.216.34"


class Resolver:
    """getaddrinfo with this test's own answers for made-up names; IP literals resolve as usual.
    `then` gives a name a different answer after its first lookup, as a rebinding DNS server would."""

    def __init__(self):
        self.names: dict[str, list[str]] = {}
        self.then: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        self.real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        host = host.decode() if isinstance(host, bytes) else host
        self.lookups.append(host)
        if host in self.names:
            answer = self.names[host]
            if host in self.then and self.lookups.count(host) > 1:
                answer = self.then[host]
            family = {True: socket.AF_INET6, False: socket.AF_INET}
            return [(family[":" in address], socket.SOCK_STREAM, 6, "", (address, port or 0)) for address in answer]
        if host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.real(host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def production(settings):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.fixture
def nothing_is_sent(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a request was sent to an address the policy refuses")

    monkeypatch.setattr(requests.Session, "send", refuse)


def subscribe(partner_api, url: str):
    return partner_api.post("/api/v1/webhooks/", {"url": url, "events": ["ticket.created"]}, format="json")


@pytest.mark.parametrize(
    ("what", "addresses"),
    [
        ("shared address space (cloud metadata)", ["100.100.100.200"]),
        ("loopback", ["127.0.0.1"]),
        ("IPv6 loopback", ["::1"]),
        ("private 10/8", ["10.0.0.5"]),
        ("private 172.16/12", ["172.16.3.4"]),
        ("private 192.168/16", ["192.168.1.1"]),
        ("IPv6 unique local", ["fd00::5"]),
        ("link-local (instance metadata)", ["169.254.169.254"]),
        ("IPv6 link-local", ["fe80::1"]),
        ("unspecified", ["0.0.0.0"]),  # noqa: S104 - an answer to refuse, nothing binds to it
        ("multicast", ["224.0.0.1"]),
        ("IPv4-mapped loopback", ["::ffff:127.0.0.1"]),
        ("benchmarking", ["198.18.0.1"]),
        ("one public and one private", [PUBLIC, "10.0.0.5"]),
    ],
)
def test_it_refuses_a_host_that_resolves_inside_a_private_network(
    partner_api, production, resolver, nothing_is_sent, what, addresses
):
    resolver.names[HOOK_HOST] = addresses

    response = subscribe(partner_api, f"https://{HOOK_HOST}/pos")

    assert response.status_code == 422, what
    assert response.json()["errors"]["url"] == [
        f"The address must be a public internet address; {HOOK_HOST} is inside a private network."
    ]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["https://100.100.100.200/latest/meta-data", "https://127.0.0.1/", "https://[::1]/", "https://10.1.2.3:8443/"],
)
def test_it_refuses_an_address_written_in_the_url(partner_api, production, nothing_is_sent, url):
    response = subscribe(partner_api, url)

    assert response.status_code == 422
    assert "public internet address" in response.json()["errors"]["url"][0]


def test_it_refuses_plain_http_and_a_name_that_does_not_resolve(partner_api, production, resolver):
    resolver.names[HOOK_HOST] = [PUBLIC]

    plain = subscribe(partner_api, f"http://{HOOK_HOST}/pos")
    unknown = subscribe(partner_api, "https://nowhere.test/pos")

    assert plain.json()["errors"]["url"] == ["Use an https:// address."]
    assert unknown.json()["errors"]["url"] == ["The host name nowhere.test does not resolve to an address."]


def test_it_accepts_a_public_https_address_without_calling_it(partner_api, production, resolver, nothing_is_sent):
    resolver.names[HOOK_HOST] = [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]

    response = subscribe(partner_api, f"https://{HOOK_HOST}/pos")

    assert response.status_code == 201, response.json()


def test_a_host_that_moved_inside_the_network_since_it_subscribed_is_not_called(
    partner, merchant, production, resolver, nothing_is_sent
):
    WebhookSubscription.objects.create(
        partner=partner.partner, url=f"https://{HOOK_HOST}/pos", events=["ticket.created"], secret="s" * 64
    )
    resolver.names[HOOK_HOST] = ["169.254.169.254"]
    factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))
    delivery = WebhookDelivery.objects.get()

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert delivery.last_error == "refused: the address is not public"
    assert delivery.attempts.get().error == "refused: the address is not public"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_TIMEOUT = 2
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_the_delivery_connects_to_the_address_it_checked_not_to_a_second_answer(
    partner, merchant, receiver, resolver, settings
):
    """A rebinding DNS server answers the check with one address and the HTTP client with another;
    the client must never ask."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on this machine
    port = receiver.server.server_address[1]
    resolver.names[HOOK_HOST] = ["127.0.0.1"]
    resolver.then[HOOK_HOST] = ["127.0.0.2"]  # nothing listens there: a second lookup would fail the delivery
    WebhookSubscription.objects.create(
        partner=partner.partner, url=f"http://{HOOK_HOST}:{port}/hooks", events=["ticket.created"], secret="s" * 64
    )
    factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))

    assert webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk) == "delivered"

    assert resolver.lookups.count(HOOK_HOST) == 1
    headers, _body = receiver.received[0]
    assert headers["Host"] == f"{HOOK_HOST}:{port}"


def test_a_failed_try_shows_the_partner_a_short_reason(partner, merchant, partner_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once the socket is closed
    subscription = WebhookSubscription.objects.create(
        partner=partner.partner, url=f"http://127.0.0.1:{port}/hooks", events=["ticket.created"], secret="s" * 64
    )
    factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))

    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)

    listed = partner_api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()["results"][0]
    assert listed["last_error"] == "connection refused"
    assert [attempt["error"] for attempt in listed["attempts"]] == ["connection refused"]


# --- https to a pinned address ----------------------------------------------------------------------


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A certificate authority of the test's own, and certificates it signed for two host names."""
    folder = tmp_path_factory.mktemp("tls")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA", cwd=folder
    )
    for name in (HOOK_HOST, "someone-else.test"):
        openssl("req", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
        (folder / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=folder,
        )  # fmt: skip
    return folder


class TlsReceiver:
    def __init__(self, certificates, name: str):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.received.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates / f"{name}.pem", certificates / f"{name}.key")
        self.server_names: list[str] = []
        context.sni_callback = lambda sock, server_name, ctx: self.server_names.append(server_name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("certificate_for", "outcome"), [(HOOK_HOST, "delivered"), ("someone-else.test", "pending")])
def test_https_to_the_pinned_address_checks_the_certificate_against_the_host_name(
    partner, merchant, resolver, settings, monkeypatch, certificates, certificate_for, outcome
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    monkeypatch.setattr(targets, "TLS_VERIFY", str(certificates / "ca.pem"))
    tls = TlsReceiver(certificates, certificate_for)
    resolver.names[HOOK_HOST] = ["127.0.0.1"]
    try:
        WebhookSubscription.objects.create(
            partner=partner.partner, url=f"https://{HOOK_HOST}:{tls.port}/h", events=["ticket.created"], secret="s" * 64
        )
        factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))

        assert webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk) == outcome
    finally:
        tls.close()

    assert resolver.lookups.count(HOOK_HOST) == 1
    if outcome == "delivered":
        assert tls.server_names == [HOOK_HOST]  # the host name went out as the TLS server name
        assert tls.received[0][0]["Host"] == f"{HOOK_HOST}:{tls.port}"
    else:
        assert tls.received == []
        assert WebhookDelivery.objects.get().last_error.startswith("TLS handshake failed")
