"""Request middleware: the language choice, refusing NUL characters at the door, security
headers, and the site's own page for a wrong method."""

import logging
from urllib.parse import unquote_to_bytes

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from antrean.core.errors import ErrorCode, error_json
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


class RefuseNulMiddleware:
    """Refuse a NUL character anywhere a request carries text, with 400, before any view.

    PostgreSQL can neither store nor compare text holding U+0000: a query with one fails
    with a DataError, so a `%00` in a path segment, a query parameter, a header or a form
    field reached the database as a 500. No legitimate request carries one. Checked here:
    the path, the query string, the headers, url-encoded bodies, and the fields of multipart
    forms sent to the pages (not uploaded files' content). The API reads no text from a
    multipart body (its one multipart operation takes a file), and its JSON bodies are
    checked by its input schemas, which say so in the OpenAPI document (api.schemas.Text).

    Under /api/ the answer is the API's JSON error (`invalid_request`, 400); elsewhere the
    project's 400 page. Page forms are parsed here, before any view: a view that wanted to
    set its own `request.upload_handlers` would have to be left out of the multipart check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            return _bad_request(request)
        return self.get_response(request)

    def _carries_nul(self, request) -> bool:
        if "\x00" in request.path or "\x00" in request.path_info:
            return True
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return True
        if any(
            "\x00" in value
            for key, value in request.META.items()
            if isinstance(value, str) and (key.startswith("HTTP_") or key in _CONTENT_HEADERS)
        ):
            return True
        if request.content_type == "application/x-www-form-urlencoded":
            try:
                # What Django parses the form from; read once, it stays readable for views.
                body = request.body
            except RequestDataTooBig:
                return False  # refused where it is read, as it would have been
            return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
        if request.content_type == "multipart/form-data" and not _is_api(request):
            if _declared_length(request) > settings.ANTREAN_PAGE_UPLOAD_MAX_BYTES:
                # Refused before parsing: a page's one upload (a report's attachment, 5 MB)
                # never needs more, and parsing would first stream it all to disk.
                raise RequestDataTooBig("multipart body over ANTREAN_PAGE_UPLOAD_MAX_BYTES")
            # A body that cannot be parsed raises here, and Django answers 400 as it would
            # have in the view.
            return any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.POST.lists()
            )
        return False


_CONTENT_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _bad_request(request):
    if _is_api(request):
        return error_json(ErrorCode.INVALID_REQUEST, status=400)
    try:
        return render(request, "400.html", status=400)
    except TemplateDoesNotExist:
        return HttpResponseBadRequest(
            ErrorCode.INVALID_REQUEST.message, content_type="text/plain; charset=utf-8"
        )


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


class NoStoreByDefaultMiddleware(_BothModes):
    """Nothing the application answers is kept by a browser or a proxy cache unless its view
    says so (ASVS 8.2.1): booking pages, certificates, the staff inbox, API answers about a
    booking all carry personal data, and a shared counter PC or a proxy must not keep them.
    Static files (WhiteNoise, outside this middleware) keep their own long caching."""

    def respond(self, request, response):
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response


security_log = logging.getLogger("antrean.security")

# Refusals worth a line in the log (ASVS 7.2.2: every failed access decision is logged).
_REFUSALS = {401, 403, 429}


class SecurityEventLogMiddleware(_BothModes):
    """One log line (logger `antrean.security`) for every refused request, whichever layer
    refused it: a service's `forbidden`, a login or token refused, a lock or a rate limit,
    Django's CSRF or permission check. Who (the account, or anonymous), from where (the
    project's one reading of the address), what and the answer; the formatter masks the rest.
    A burst of these is what an operator watches for."""

    def needs_sync(self, request, response) -> bool:
        return response.status_code in _REFUSALS  # reading request.user may hit the session

    def respond(self, request, response):
        if response.status_code in _REFUSALS:
            from antrean.core.http import client_ip

            user = getattr(request, "user", None)
            who = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
            security_log.warning(
                "refused %s %s %s -> %s %s",
                who,
                client_ip(request) or "-",
                request.method,
                request.path,
                response.status_code,
            )
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
