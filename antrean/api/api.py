"""The public API (django-ninja), mounted at /api/; OpenAPI document at /api/openapi.json.

Every answer under /api/, errors included, is JSON: ninja's own plain-text answers (405) and
Django's HTML 404 page are replaced here, so clients never have to parse HTML.
"""

import asyncio
import functools

from django.conf import settings
from django.http import Http404
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from antrean.api.certificates import router as certificates_router
from antrean.api.dashboard import router as dashboard_router
from antrean.api.draws import router as draws_router
from antrean.api.errors import error_response, register_error_handlers
from antrean.api.ikm import router as ikm_router
from antrean.api.open_data import router as open_data_router
from antrean.api.privacy import router as privacy_router
from antrean.api.public import router as public_router
from antrean.api.reports import router as reports_router
from antrean.api.staff import router as staff_router
from antrean.api.surveys import router as surveys_router
from antrean.core.errors import ErrorCode

DESCRIPTION = """\
Book a queue number at an Indonesian public service office (Mal Pelayanan Publik). A number
cannot be taken without agreeing to the office's integrity pact (pakta integritas): fetch it
from `/v1/offices/{code}/pact`, show it in full, and send back its `version` and `sha256`.

Every error is `{"error": "<code>", "message": "<text>"}` (sometimes with `"field"`); switch on
`error`, show `message`. Messages are in Indonesian, or English with `Accept-Language: en`.
Times are local to the office; `zone` is its label (WIB, WITA, WIT).
"""


def _too_large(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is not None and length > limit


def _json_errors(view):
    """Refuse oversized bodies up front and answer a wrong method in JSON."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if _too_large(request):
            return error_response(ErrorCode.REQUEST_TOO_LARGE)
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view, which only exists to be reversed
            return error_response(ErrorCode.NOT_FOUND)
        if response.status_code == 405 and response.get("Content-Type") != "application/json":
            allowed = response.get("Allow", "")
            response = error_response(ErrorCode.METHOD_NOT_ALLOWED)
            response["Allow"] = allowed
        return response

    return wrapped


@csrf_exempt
def _not_found(request, *args, **kwargs):
    if _too_large(request):
        return error_response(ErrorCode.REQUEST_TOO_LARGE)
    return error_response(ErrorCode.NOT_FOUND)


# Statuses the API layer itself answers, whatever the endpoint does: the NUL middleware and
# body parsing (400), the size check above (413), the catch-all handler (500), input
# validation (422, on operations that take input) and the Bearer check (401). The document
# lists them on every operation they apply to, so that every status a client can get is in it.
_LAYER_STATUSES = {
    400: "Malformed request: a body that is not valid JSON (`malformed_json`) or not the "
    "multipart it claims to be, or a NUL character in the path, the query or a header "
    "(`invalid_request`).",
    413: "The request body is larger than the API accepts (`request_too_large`).",
    500: "Unexpected error (`server_error`).",
}
_INPUT_STATUSES = {
    422: "A parameter or body field does not match this operation's schema "
    "(`invalid_request`, with `field`), or a rule of the service refused the request (its "
    "code says which).",
}
_AUTH_STATUSES = {
    401: "Missing, invalid or expired Bearer token (`bad_credentials`).",
}


def _error_out() -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def _layer_statuses(operation: dict) -> dict[int, str]:
    statuses = dict(_LAYER_STATUSES)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.update(_INPUT_STATUSES)
    if operation.get("security"):
        statuses.update(_AUTH_STATUSES)
    return statuses


class AntreanAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in _layer_statuses(operation).items():
                    # Integer keys, as ninja writes the endpoints' own responses.
                    response = responses.setdefault(status, {"content": _error_out()})
                    response["description"] = description
        return schema

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        patterns = [
            URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern) and not asyncio.iscoroutinefunction(p.callback)
            else p
            for p in patterns
        ]
        # Last: any other path under /api/ is a JSON 404, whatever the method.
        patterns.append(re_path(r"^.*$", _not_found, name="not-found"))
        return patterns, app_name, namespace


api = AntreanAPI(
    title="Antrean API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
)
register_error_handlers(api)
api.add_router("/v1/", public_router)
api.add_router("/v1/", certificates_router)
api.add_router("/v1/", staff_router)
api.add_router("/v1/", privacy_router)
api.add_router("/v1/", surveys_router)
api.add_router("/v1/", ikm_router)
api.add_router("/v1/", reports_router)
api.add_router("/v1/", open_data_router)
api.add_router("/v1/", dashboard_router)
api.add_router("/v1/", draws_router)
