"""The site's own error pages: in Indonesian (English after the language switch), in the style
of the citizen pages, each with a way back to the start. Wired in antrean/urls.py (handler400
and the others), CSRF_FAILURE_VIEW, and ErrorPageMiddleware (405).

Under /api/ the same failures answer in the API's JSON shape, `{"error", "message"}`: the
API's own handlers catch nearly everything first; these cover what happens before them (a
host not allowed, a failure in a middleware)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from antrean.core.errors import ErrorCode

API_PREFIX = "/api/"


def _api_error(request: HttpRequest, code: ErrorCode, status: int) -> JsonResponse | None:
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse({"error": str(code), "message": code.message}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, and 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE. `400.html` renders with the
    request alone (other middleware may render it for requests it refuses)."""
    if isinstance(exception, RequestDataTooBig):
        code, status, reason = ErrorCode.REQUEST_TOO_LARGE, 413, "too_large"
    elif isinstance(exception, TooManyFieldsSent):
        code, status, reason = ErrorCode.INVALID_REQUEST, 400, "too_many_fields"
    else:
        code, status, reason = ErrorCode.INVALID_REQUEST, 400, ""
    return _api_error(request, code, status) or render(
        request, "400.html", {"reason": reason}, status=status
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception's text is never shown: it is written for developers, in English.
    return _api_error(request, ErrorCode.FORBIDDEN, 403) or render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, ErrorCode.NOT_FOUND, 404) or render(request, "404.html", status=404)


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    # Called from ErrorPageMiddleware, inside CsrfViewMiddleware: the token cookie is set.
    return render(request, "405.html", status=405)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: `500.html` is rendered without the request or any context, so neither a broken
    database nor a broken session can break the error page too."""
    api = _api_error(request, ErrorCode.SERVER_ERROR, 500)
    if api is not None:
        return api
    return HttpResponseServerError(loader.get_template("500.html").render())


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page that has gone stale, or without cookies.
    Django's `reason` is for developers and stays in the log."""
    return _api_error(request, ErrorCode.FORBIDDEN, 403) or render(
        request, "403_csrf.html", status=403
    )
