"""Where webhooks may go, and sending to exactly the address that was checked.

Policy (production: `WEBHOOK_REQUIRE_HTTPS` and not `WEBHOOK_ALLOW_PRIVATE_TARGETS`):
- Only `https://` URLs.
- Every address the host name resolves to must be globally routable
  (`ipaddress.ip_address(...).is_global`): no loopback, private, link-local, shared (100.64.0.0/10,
  where some clouds serve instance metadata), reserved, multicast or unspecified address, in IPv4
  or IPv6 (IPv4-mapped IPv6 included).
- Checked twice: when a partner subscribes (refused with a clear error) and before every delivery
  (DNS may have changed since). The delivery then connects to the address that passed the check:
  the URL's host is resolved once, and the HTTP client is handed the IP address, with the host name
  kept for the Host header, TLS server name and certificate check. A second resolution, which a
  DNS-rebinding host could answer differently, never happens.
- Environment proxies are ignored, so no proxy resolves the name on our behalf.

Outside production private targets are allowed (a receiver on the developer's machine) and plain
http is accepted; addresses are still pinned.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter

# What the TLS certificate is checked against: the system's trusted authorities (certifi). Tests
# point it at their own authority.
TLS_VERIFY: bool | str = True


class TargetRefused(Exception):
    """The URL may not be called. `reason` is short and safe to show the partner."""

    def __init__(self, reason: str, message):
        self.reason = reason
        self.message = message
        super().__init__(reason)


NOT_HTTPS = "refused: not https"
NOT_PUBLIC = "refused: the address is not public"
UNRESOLVABLE = "refused: the host name does not resolve"

MESSAGES = {
    NOT_PUBLIC: _("The address must be a public internet address; %(host)s is inside a private network."),
    UNRESOLVABLE: _("The host name %(host)s does not resolve to an address."),
}


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> str:
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _refuse(reason: str, host: str) -> TargetRefused:
    return TargetRefused(reason, MESSAGES[reason] % {"host": host})


def check_scheme(url: str) -> None:
    parts = urlsplit(url or "")
    if settings.WEBHOOK_REQUIRE_HTTPS:
        schemes, message = {"https"}, _("Use an https:// address.")
    else:
        schemes, message = {"http", "https"}, _("Use an http:// or https:// address.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise TargetRefused(NOT_HTTPS, message) from error
    if parts.scheme not in schemes or not parts.hostname:
        raise TargetRefused(NOT_HTTPS, message)


def resolve(url: str, *, require_resolution: bool = True) -> Target | None:
    """The address to send `url` to, after the policy; raises TargetRefused.

    Returns None only when private targets are allowed, resolution is not required and the name
    does not resolve (a subscription made on a developer's machine before its receiver is up).
    """
    check_scheme(url)
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        if not require_resolution and settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
            return None
        raise _refuse(UNRESOLVABLE, host) from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise _refuse(UNRESOLVABLE, host)
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and not all(is_public(address) for address in addresses):
        raise _refuse(NOT_PUBLIC, host)
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])


class _PinnedAdapter(HTTPAdapter):
    """Connects to the IP address in the URL while speaking TLS to the host name: the certificate
    must name the host, and the server name sent is the host's."""

    def __init__(self, server_hostname: str):
        self.server_hostname = server_hostname
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.server_hostname
            pool_kwargs["assert_hostname"] = self.server_hostname
        return host_params, pool_kwargs


def post(target: Target, *, body: bytes, headers: dict, timeout: tuple[float, float]) -> requests.Response:
    """POST `body` to the checked address of `target`; redirects are not followed."""
    with requests.Session() as session:
        session.trust_env = False
        adapter = _PinnedAdapter(target.host)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session.post(
            target.pinned_url,
            data=body,
            headers={**headers, "Host": target.host_header},
            timeout=timeout,
            allow_redirects=False,
            verify=TLS_VERIFY,
        )


def failure_reason(error: Exception) -> str:
    """A short, stable reason for a failed try, for the partner's delivery log (the full error goes
    to our own log)."""
    if isinstance(error, requests.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate not valid for the host?)"
    if isinstance(error, requests.ConnectionError):
        text = str(error).lower()
        if "refused" in text:
            return "connection refused"
        return "could not connect"
    return "request failed"
