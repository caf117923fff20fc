"""Who is on the other end of a request: the one answer every per-address rule uses (sign-in
lockouts, the API's rates, the audit log)."""

from django.conf import settings


def client_ip(request) -> str:
    """The caller's address. Behind `TRUSTED_PROXY_COUNT` reverse proxies it is the entry of
    X-Forwarded-For that the outermost trusted proxy wrote (the same entry DRF's throttles take with
    NUM_PROXIES), so a caller cannot choose its address by sending the header itself."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
