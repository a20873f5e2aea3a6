"""Request helpers shared by the pages and the API."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from antrean.integrity.services import ClientInfo


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ANTREAN_PROXY_COUNT proxies the
    X-Forwarded-For hop the nearest of them recorded."""
    proxies = settings.ANTREAN_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies and _is_address(hops[-proxies]):
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _is_address(text: str) -> bool:
    # A garbled header must not reach the database's inet column (a 500) or the rate limit.
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def client_info(request: HttpRequest, *, channel: str) -> ClientInfo:
    return ClientInfo(
        channel=channel,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
