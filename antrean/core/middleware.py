"""Language choice, security headers, and the site's own page for a wrong method."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils import translation
from django.utils.cache import patch_vary_headers

from antrean.core.security import permissions_policy
from antrean.core.views import method_not_allowed


class LanguageMiddleware:
    """Pages are in Bahasa Indonesia unless the visitor picked English with the language
    switch (Django's language cookie). A browser's Accept-Language is not followed on pages:
    many phones and most office PCs say English, and a half-translated admin helps nobody.
    API clients do ask by Accept-Language, and get what they ask for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            supported = {code for code, _name in settings.LANGUAGES}
            language = cookie if cookie in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the WebSocket origin of the request's own host added to
    connect-src: the TV board and the live status page open `ws(s)://<host>/ws/…` (live.js).
    CSP Level 3 lets 'self' match it already; naming it keeps older browsers (which would
    fall back to polling) on the WebSocket, and allows nothing beyond this host."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        origin = _websocket_origin(request)
        if origin and not report_only:
            update = dict(parts.update or {})
            current = update.get("connect-src") or []
            current = [current] if isinstance(current, str) else list(current)
            update["connect-src"] = [*current, origin]
            parts.update = update
        return parts


def _websocket_origin(request) -> str | None:
    try:
        host = request.get_host()  # checked against ALLOWED_HOSTS: never a header's raw text
    except DisallowedHost:
        return None
    return ("wss://" if request.is_secure() else "ws://") + host


class _BothModes:
    """Runs in the handler's own mode, sync (gunicorn) or async (uvicorn), so that it adds no
    thread switch to every request under ASGI; subclasses write `respond(request, response)`."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        return self.respond(request, self.get_response(request))

    async def _acall(self, request):
        response = await self.get_response(request)
        if self.needs_sync(request, response):
            return await sync_to_async(self.respond)(request, response)
        return self.respond(request, response)

    def needs_sync(self, request, response) -> bool:
        """True when `respond` may touch the database (then it runs in a thread)."""
        return False

    def respond(self, request, response):
        raise NotImplementedError


class SecurityHeadersMiddleware(_BothModes):
    """Permissions-Policy (every browser feature no page uses is off; a view may allow one
    with antrean.core.security.permissions_allow) and Cross-Origin-Resource-Policy (other
    sites cannot embed this site's responses: a certificate, a QR code, a status JSON)."""

    policy = permissions_policy()

    def respond(self, request, response):
        response.headers.setdefault("Permissions-Policy", self.policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class ErrorPageMiddleware(_BothModes):
    """Django answers a method a view does not take (405) with an empty body: pages get the
    site's own page instead, in the visitor's language. The API keeps its JSON answers."""

    def needs_sync(self, request, response) -> bool:
        return self._bare_405(request, response)  # the page reads the session

    def respond(self, request, response):
        if not self._bare_405(request, response):
            return response
        page = method_not_allowed(request)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page

    @staticmethod
    def _bare_405(request, response) -> bool:
        return (
            response.status_code == 405
            and not request.path.startswith("/api/")
            and not response.streaming
            and not response.content
        )
