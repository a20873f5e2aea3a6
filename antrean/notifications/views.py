"""The Cloud API webhook, and the staff inbox that shows what the console gateway "sent"."""

import json
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from antrean.core.errors import DomainError, ErrorCode, error_json
from antrean.integrity.views import pdf_response
from antrean.notifications import webhook
from antrean.notifications.selectors import (
    inbox_conversations,
    inbox_offices,
    message_certificate,
)
from antrean.notifications.services import console_reply, inbound_handle, webhook_status
from antrean.queueing.views import staff_required
from antrean.tenancy import permissions

MAX_WEBHOOK_BYTES = 1024 * 1024


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    """The Cloud API's calls: the subscription handshake (GET) and signed event batches
    (POST). Answers 200 when there is nothing (more) to do; every refusal is a coded 4xx
    with a JSON body `{"error", "message"}`, never a 500."""
    if request.method == "GET":
        mode = request.GET.get("hub.mode")
        token = request.GET.get("hub.verify_token", "")
        expected = settings.WHATSAPP_VERIFY_TOKEN
        if mode == "subscribe" and expected and secrets.compare_digest(token, expected):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return error_json(ErrorCode.FORBIDDEN)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # read below, up to the limit
    if length > MAX_WEBHOOK_BYTES:
        return error_json(ErrorCode.REQUEST_TOO_LARGE)
    raw = request.read(MAX_WEBHOOK_BYTES + 1)
    if len(raw) > MAX_WEBHOOK_BYTES:
        return error_json(ErrorCode.REQUEST_TOO_LARGE)
    if not webhook.signature_valid(
        app_secret=settings.WHATSAPP_APP_SECRET,
        body=raw,
        header=request.headers.get("X-Hub-Signature-256"),
    ):
        return error_json(ErrorCode.FORBIDDEN)
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return error_json(ErrorCode.MALFORMED_JSON)
    try:
        statuses, inbound = webhook.parse(payload)
    except webhook.WebhookRefused as refused:
        return error_json(refused.code)
    for update in statuses:
        webhook_status(
            provider_id=update.provider_id,
            status=update.status,
            at=update.at,
            opaque=update.opaque,
            errors=update.errors,
        )
    for item in inbound:
        inbound_handle(
            provider_id=item.provider_id,
            sender_digits=item.sender,
            kind=item.kind,
            text=item.text,
            at=item.at,
        )
    return HttpResponse("ok", content_type="text/plain")


@staff_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """The messages of the account's offices (or agency), grouped by recipient, drawn like a
    phone conversation."""
    return _inbox_page(request)


def _inbox_page(request: HttpRequest, *, reply: dict | None = None, status: int = 200):
    if not permissions.scope_of(request.user).is_staff_anywhere:
        raise PermissionDenied
    office_code = request.GET.get("kantor") or None
    if office_code is not None and not (
        permissions.offices_in_scope(request.user).filter(code=office_code).exists()
    ):
        raise PermissionDenied  # another office's messages
    return render(
        request,
        "notifications/inbox.html",
        status=status,
        context={
            "conversations": inbox_conversations(user=request.user, office_code=office_code),
            "offices": inbox_offices(user=request.user),
            "office_code": office_code,
            "can_reply": settings.WHATSAPP_GATEWAY == "console",
            "reply": reply,
        },
    )


@staff_required
@require_http_methods(["POST"])
def inbox_reply(request: HttpRequest) -> HttpResponse:
    """The console gateway's stand-in for a citizen's phone: a developer sends a WhatsApp
    message "from" a number, handled as the webhook would handle it (a proof of number, a
    report, or a plain message). Refused unless the console gateway is in use."""
    try:
        outcome = console_reply(
            user=request.user,
            sender=request.POST.get("nomor", ""),
            text=request.POST.get("teks", ""),
        )
    except DomainError as error:
        return _inbox_page(request, reply={"error": error.message}, status=error.code.status)
    return _inbox_page(request, reply={"outcome": outcome})


@staff_required
@require_safe
def inbox_certificate(request: HttpRequest, message_id: int) -> HttpResponse:
    """The certificate PDF a message carries, as the citizen received it (staff of the
    message's office or agency only)."""
    certificate = message_certificate(user=request.user, message_id=message_id)
    if certificate is None:
        raise Http404
    return pdf_response(certificate)
