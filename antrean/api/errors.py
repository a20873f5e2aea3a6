"""Every API error has one shape: `{"error": code, "message": text[, "field": name]}`.

The codes are antrean.core.errors.ErrorCode; the message is rendered at response time, so it
follows the request's language (LocaleMiddleware has already activated it).
"""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from antrean.core.errors import DomainError, ErrorCode, error_json

logger = logging.getLogger(__name__)


# The shape is shared with the webhook and the middleware, which sit below the API.
error_response = error_json


# ninja raises HttpError itself for a few client mistakes; 400 is an unparsable body.
_HTTP_ERROR_CODES = {
    400: ErrorCode.MALFORMED_JSON,
    401: ErrorCode.FORBIDDEN,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.REQUEST_TOO_LARGE,
}


def _validation_field(loc: tuple | list) -> str | None:
    """`("body", "payload", "nik")` → `nik`; `("query", "date")` → `date`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        # The second element is the endpoint's parameter name, not something a client sends.
        return ".".join(parts[2:]) or None
    return ".".join(parts[1:]) or None


def _validation_message(kind: str, field: str | None) -> str:
    if field is None:
        return _("Isi permintaan harus berupa objek JSON dengan kolom yang diminta.")
    values = {"field": field}
    if kind == "missing":
        return _("Kolom %(field)s wajib diisi.") % values
    if kind.startswith("date"):
        return _("Kolom %(field)s harus berupa tanggal dengan format YYYY-MM-DD.") % values
    if kind.startswith("int"):
        return _("Kolom %(field)s harus berupa bilangan bulat.") % values
    if kind.startswith("bool"):
        return _("Kolom %(field)s harus bernilai true atau false.") % values
    if kind == "string_pattern_mismatch":
        # The patterns only keep NUL characters and malformed codes out (see schemas.Text).
        return _("Isi kolom %(field)s tidak sesuai.") % values
    if kind.startswith("string"):
        return _("Kolom %(field)s harus berupa teks.") % values
    if kind in ("greater_than_equal", "less_than_equal", "too_long", "too_short"):
        return _("Isi kolom %(field)s di luar batas yang diizinkan.") % values
    return _("Isi kolom %(field)s tidak sesuai.") % values


def on_domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    response = error_response(exc.code, message=exc.message, field=exc.field)
    if exc.retry_after is not None:
        response["Retry-After"] = str(max(1, exc.retry_after))
    return response


def on_validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    # The first problem is enough for a client to fix its request; the rest follow next time.
    first = exc.errors[0] if exc.errors else {}
    field = _validation_field(first.get("loc", ()))
    return error_response(
        ErrorCode.INVALID_REQUEST,
        message=_validation_message(str(first.get("type", "")), field),
        field=field,
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    code = _HTTP_ERROR_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    return error_response(code, status=exc.status_code)


def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> JsonResponse:
    return error_response(ErrorCode.REQUEST_TOO_LARGE)


def on_bad_request(
    request: HttpRequest, exc: SuspiciousOperation | BadRequest | MultiPartParserError
) -> JsonResponse:
    # What Django itself answers with 400 (an unparsable multipart body, too many fields…);
    # without these, the catch-all below would turn them into a 500.
    return error_response(ErrorCode.INVALID_REQUEST, status=400)


def on_not_found(request: HttpRequest, exc: Http404) -> JsonResponse:
    return error_response(ErrorCode.NOT_FOUND)


def on_unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    # Never echo the exception: it may hold request data. The traceback goes to the log,
    # whose filter masks NIKs and phone numbers.
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return error_response(ErrorCode.SERVER_ERROR)


def register_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_large)
    api.add_exception_handler(SuspiciousOperation, on_bad_request)
    api.add_exception_handler(BadRequest, on_bad_request)
    api.add_exception_handler(MultiPartParserError, on_bad_request)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_unexpected)
