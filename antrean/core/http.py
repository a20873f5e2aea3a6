"""Request helpers shared by the pages and the API."""

from django.conf import settings
from django.http import HttpRequest

from antrean.integrity.services import ClientInfo


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind a TLS proxy, the first X-Forwarded-For hop."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def client_info(request: HttpRequest, *, channel: str) -> ClientInfo:
    return ClientInfo(
        channel=channel,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
