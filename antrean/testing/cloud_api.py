"""A local HTTP server that answers as the WhatsApp Business Cloud API does.

Tests (and `make bench`, and a person trying the cloud gateway by hand) point
`WHATSAPP_API_BASE` at it and let the real client code talk to it over real sockets.

What it serves (shapes from ../shared/domain/REFERENCE.md and Meta's documentation):
- `POST /{version}/{phone_number_id}/messages`: checks `Authorization: Bearer <token>`
  (else HTTP 401, code 190 OAuthException), the phone number id (else HTTP 400, code 100),
  and the template message's JSON shape (else HTTP 400, code 100); answers
  `{"messaging_product":"whatsapp","contacts":[{"input":to,"wa_id":digits}],
  "messages":[{"id":"wamid.…"}]}`.
- `POST /{version}/{phone_number_id}/media`: multipart `file`, `messaging_product=whatsapp`,
  `type` → `{"id": "…"}`.

Every request is recorded (`requests`), and every message it accepted (`accepted`), so a test
can count what reached the "provider" per message (`accepted_per_callback()`).

Failures it can be told to produce, each in the documented Graph API error shape
`{"error":{"message","type","code","error_subcode","fbtrace_id"}}`:
- `fail_share`: a share of calls (seeded random, so a run repeats) fail transiently, cycling
  through 131000 (HTTP 500), 130429 (HTTP 429), 131016 (HTTP 503) and 131056 (HTTP 400: the
  code, not the HTTP status, says it is transient);
- `unreachable`: recipients answered with 131026 (not on WhatsApp, HTTP 400);
- `template_errors`: template name → code (e.g. 132001, template does not exist);
- a wrong token: 190;
- `stall_next(n)`: the next n message requests sleep `stall_seconds` (longer than the client's
  timeout) and are then answered 504 and NOT accepted. That is the definition used here: a
  stalled request is not accepted. With `stall_accepts=True` it is accepted before the stall,
  which models a provider that took the message but whose answer never arrived;
- `delay`: every message request is accepted first and answered `delay` seconds later (a slow
  provider; a client killed in that window has been heard but never learns the id);
  `media_delay` slows media uploads the same way.

It also plays the provider's side of the webhook: `status_payload()` builds the documented
`entry[].changes[].value.statuses[]` body, `signature()` signs it as `X-Hub-Signature-256`,
and `deliver()` / `deliver_with_client()` post it to our app.

Run alone (manual checks, benchmarks):
    python -m antrean.testing.cloud_api --port 8790 --token t --phone-number-id 123
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import random
import secrets
import signal
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from antrean.testing.local_server import LocalServer

TRANSIENT_FAILURES = (
    # (HTTP status, code, message) as the Cloud API answers them
    (500, 131000, "Something went wrong"),
    (429, 130429, "Rate limit hit"),
    (503, 131016, "Service unavailable"),
    (400, 131056, "(Business Account, Consumer Account) pair rate limit hit"),
)
ERROR_TEXT = {
    100: "Invalid parameter",
    190: "Error validating access token: Session has expired",
    131026: "Message undeliverable",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132007: "Template format character policy violated",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is paused",
    132016: "Template is disabled",
    131047: "Re-engagement message",
    131051: "Unsupported message type",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: object  # parsed JSON, the multipart fields, or the raw bytes
    status: int = 0  # the HTTP status answered
    outcome: str = ""  # accepted, uploaded, stalled, or the error code


@dataclass(frozen=True)
class AcceptedMessage:
    wamid: str
    to: str
    template: str
    language: str
    params: list[str]
    header: dict | None  # the header component's document, if any
    biz_opaque_callback_data: str | None
    accepted_at: float
    # An authentication template's copy-code button parameter (the one-time code), if any.
    button: str | None = None


@dataclass(frozen=True)
class UploadedMedia:
    media_id: str
    filename: str
    mime_type: str
    content: bytes
    messaging_product: str


class _Refusal(Exception):
    def __init__(self, status: int, code: int, message: str = "", *, subcode: int | None = None):
        self.status, self.code, self.subcode = status, code, subcode
        self.message = message or ERROR_TEXT.get(code, "Error")
        super().__init__(f"{status} {code}")


def error_body(code: int, message: str = "", *, subcode: int | None = None) -> dict:
    """A Graph API error, as documented."""
    error = {
        "message": message or ERROR_TEXT.get(code, "Error"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_hex(10),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if code in ERROR_TEXT and code != 190:
        error["error_data"] = {"messaging_product": "whatsapp", "details": error["message"]}
    return {"error": error}


@dataclass
class FakeCloudAPI(LocalServer):
    token: str = "test-token"  # noqa: S105 — a test value
    phone_number_id: str = "106540352242922"
    version: str = "v21.0"
    app_secret: str = "test-app-secret"  # noqa: S105 — a test value
    seed: int = 0
    fail_share: float = 0.0
    fail_media: bool = True  # whether fail_share applies to media uploads too
    unreachable: set[str] = field(default_factory=set)  # recipients ("+62…") → 131026
    template_errors: dict[str, int] = field(default_factory=dict)  # name → code
    delay: float = 0.0
    media_delay: float = 0.0
    stall_seconds: float = 2.0
    stall_accepts: bool = False
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self):
        self.requests: list[RecordedRequest] = []
        self.accepted: list[AcceptedMessage] = []
        self.media: dict[str, UploadedMedia] = {}
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)  # noqa: S311 — reproducible failures
        self._failures = itertools.cycle(TRANSIENT_FAILURES)
        self._stalls = 0
        self._raw: list[tuple[str, int, bytes, str]] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What WHATSAPP_API_BASE should be."""
        return self.origin

    def settings(self) -> dict:
        """The WHATSAPP_* settings that point our cloud gateway here."""
        return {
            "WHATSAPP_GATEWAY": "cloud",
            "WHATSAPP_API_BASE": self.base_url,
            "WHATSAPP_API_VERSION": self.version,
            "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "WHATSAPP_ACCESS_TOKEN": self.token,
            "WHATSAPP_APP_SECRET": self.app_secret,
        }

    # --- what the tests ask for -----------------------------------------------------------

    def stall_next(self, count: int = 1) -> None:
        with self._lock:
            self._stalls += count

    def answer_next_raw(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html",
        *,
        endpoint: str = "messages",
    ) -> None:
        """Answer the next request to `endpoint` (messages or media) with exactly this (a
        proxy's HTML 502, an empty 200…), before any check, and accept nothing."""
        with self._lock:
            self._raw.append((endpoint, status, body, content_type))

    def _take_raw(self, path: str) -> tuple[int, bytes, str] | None:
        with self._lock:
            for index, (endpoint, *answer) in enumerate(self._raw):
                if path.rstrip("/").endswith("/" + endpoint):
                    del self._raw[index]
                    return tuple(answer)
        return None

    def accepted_per_callback(self) -> Counter:
        """How many times the provider accepted each of our message ids."""
        with self._lock:
            return Counter(m.biz_opaque_callback_data for m in self.accepted)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/" + endpoint)]

    def accepted_for(self, message_id: int) -> list[AcceptedMessage]:
        with self._lock:
            return [m for m in self.accepted if m.biz_opaque_callback_data == str(message_id)]

    # --- the webhook side -----------------------------------------------------------------

    def status(
        self,
        message: AcceptedMessage,
        status: str,
        *,
        timestamp: int | None = None,
        errors: list[dict] | None = None,
    ) -> dict:
        """One entry of `statuses[]` about a message this server accepted."""
        item = {
            "id": message.wamid,
            "status": status,
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
            "recipient_id": message.to.lstrip("+"),
        }
        if message.biz_opaque_callback_data is not None:
            item["biz_opaque_callback_data"] = message.biz_opaque_callback_data
        if status in ("sent", "delivered"):
            item["conversation"] = {
                "id": secrets.token_hex(16),
                "origin": {"type": "utility"},
            }
            item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
        if errors:
            item["errors"] = errors
        return item

    def status_payload(self, statuses: list[dict] = (), messages: list[dict] = ()) -> dict:
        """The webhook body: entry[].changes[].value.{statuses,messages}[]."""
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "6281100000000",
                "phone_number_id": self.phone_number_id,
            },
        }
        if statuses:
            value["statuses"] = list(statuses)
        if messages:
            value["contacts"] = [
                {"profile": {"name": "Warga"}, "wa_id": m["from"]} for m in messages
            ]
            value["messages"] = list(messages)
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}
            ],
        }

    @staticmethod
    def inbound_text(*, sender_digits: str, text: str, timestamp: int | None = None) -> dict:
        """One entry of `messages[]`: a citizen writing to the office's number."""
        return {
            "from": sender_digits,
            "id": "wamid." + secrets.token_urlsafe(24),
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
            "type": "text",
            "text": {"body": text},
        }

    def signature(self, body: bytes, *, secret: str | None = None) -> str:
        key = (self.app_secret if secret is None else secret).encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    @staticmethod
    def encode(payload: dict) -> bytes:
        return json.dumps(payload, separators=(",", ":")).encode()

    def deliver(self, url: str, payload: dict, *, timeout: float = 10.0) -> int:
        """POST a signed webhook to a running app; returns the HTTP status."""
        body = self.encode(payload)
        request = urllib.request.Request(  # noqa: S310 — a URL the caller gives
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": self.signature(body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def deliver_with_client(self, client, payload: dict, path: str = "/webhooks/whatsapp"):
        """POST a signed webhook through Django's test client; returns the response."""
        body = self.encode(payload)
        return client.generic(
            "POST",
            path,
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=self.signature(body),
        )

    # --- answering ------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _check_auth(self, headers) -> None:
        if headers.get("Authorization", "") != f"Bearer {self.token}":
            raise _Refusal(401, 190, subcode=463)

    def _check_path(self, path: str, endpoint: str) -> None:
        expected = f"/{self.version}/{self.phone_number_id}/{endpoint}"
        if path.rstrip("/") != expected:
            raise _Refusal(
                400,
                100,
                f"Unsupported post request. Object with ID in '{path}' does not exist",
                subcode=33,
            )

    def _maybe_fail_transiently(self) -> None:
        with self._lock:
            failing = self.fail_share and self._random.random() < self.fail_share
            failure = next(self._failures) if failing else None
        if failure:
            status, code, message = failure
            raise _Refusal(status, code, message)

    def answer_messages(self, path: str, headers, raw: bytes, record: RecordedRequest) -> dict:
        self._check_auth(headers)
        self._check_path(path, "messages")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise _Refusal(400, 100, "Invalid JSON") from exc
        record.body = body
        accepted = _parse_template_message(body)
        to = accepted["to"]
        with self._lock:
            stall = self._stalls > 0
            if stall:
                self._stalls -= 1
        if stall:
            record.outcome = "stalled"
            if self.stall_accepts:
                self._accept(accepted)
                record.outcome = "stalled_accepted"
            time.sleep(self.stall_seconds)
            raise _Refusal(504, 131000, "Gateway timeout (stalled)")
        if to in self.unreachable:
            raise _Refusal(400, 131026)
        if accepted["template"] in self.template_errors:
            raise _Refusal(400, self.template_errors[accepted["template"]])
        self._maybe_fail_transiently()
        message = self._accept(accepted)
        record.outcome = "accepted"
        if self.delay:
            time.sleep(self.delay)  # accepted first: a client killed now never learns the id
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": "".join(c for c in to if c.isdigit())}],
            "messages": [{"id": message.wamid}],
        }

    def _accept(self, fields: dict) -> AcceptedMessage:
        message = AcceptedMessage(
            wamid="wamid.HBgN" + secrets.token_urlsafe(30),
            accepted_at=time.time(),
            **fields,
        )
        with self._lock:
            self.accepted.append(message)
        return message

    def answer_media(self, path: str, headers, raw: bytes, record: RecordedRequest) -> dict:
        self._check_auth(headers)
        self._check_path(path, "media")
        fields = _parse_multipart(headers.get("Content-Type", ""), raw)
        record.body = {
            k: (v if isinstance(v, str) else {"filename": v[0], "type": v[1], "size": len(v[2])})
            for k, v in fields.items()
        }
        upload = fields.get("file")
        if (
            fields.get("messaging_product") != "whatsapp"
            or not isinstance(upload, tuple)
            or not isinstance(fields.get("type"), str)
        ):
            raise _Refusal(400, 100, "Param file, messaging_product and type are required")
        if self.fail_media:
            self._maybe_fail_transiently()
        if self.media_delay:
            time.sleep(self.media_delay)
        media_id = str(secrets.randbelow(10**15) + 10**15)
        with self._lock:
            self.media[media_id] = UploadedMedia(
                media_id=media_id,
                filename=upload[0],
                mime_type=fields["type"],
                content=upload[2],
                messaging_product=fields["messaging_product"],
            )
        record.outcome = "uploaded"
        return {"id": media_id}


def _parse_template_message(body) -> dict:
    """The fields of a template message, or the Cloud API's 400 (code 100) when malformed."""

    def bad(what: str):
        return _Refusal(400, 100, f"Invalid parameter: {what}")

    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise bad("messaging_product must be whatsapp")
    to = body.get("to")
    if not isinstance(to, str) or not to.lstrip("+").isdigit():
        raise bad("to")
    if body.get("type") != "template":
        raise bad("type (only template messages are expected)")
    template = body.get("template")
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        raise bad("template.name")
    language = template.get("language")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        raise bad("template.language.code")
    components = template.get("components", [])
    if not isinstance(components, list):
        raise bad("template.components")
    params: list[str] = []
    header = None
    button = None
    for component in components:
        kind = component.get("type") if isinstance(component, dict) else None
        if kind not in ("header", "body", "button"):
            raise bad("template.components[].type")
        parameters = component.get("parameters")
        if not isinstance(parameters, list) or not parameters:
            raise bad("template.components[].parameters")
        if kind == "button":
            # Authentication templates: the copy-code (url) button at index 0 carries the code.
            if component.get("sub_type") != "url" or str(component.get("index")) != "0":
                raise bad("button sub_type must be url at index 0")
            first = parameters[0]
            if not isinstance(first, dict) or first.get("type") != "text":
                raise bad("button parameter must be text")
            button = first.get("text")
            if not isinstance(button, str) or not 1 <= len(button) <= 15:
                raise bad("button parameter text (at most 15 characters)")
            continue
        for parameter in parameters:
            if not isinstance(parameter, dict):
                raise bad("parameter")
            if component["type"] == "body":
                if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                    raise bad("body parameters must be text")
                params.append(parameter["text"])
            else:
                document = parameter.get("document")
                if parameter.get("type") != "document" or not isinstance(document, dict):
                    raise bad("header parameter must be a document")
                if bool(document.get("id")) == bool(document.get("link")):
                    raise bad("document needs exactly one of id or link")
                header = document
    opaque = body.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
        raise bad("biz_opaque_callback_data")
    return {
        "to": to,
        "template": template["name"],
        "language": language["code"],
        "params": params,
        "header": header,
        "biz_opaque_callback_data": opaque,
        "button": button,
    }


def _parse_multipart(content_type: str, raw: bytes) -> dict:
    """name → str for plain fields, (filename, content type, bytes) for files."""
    if not content_type.startswith("multipart/form-data"):
        raise _Refusal(400, 100, "multipart/form-data expected")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            fields[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode()
    return fields


class _Handler(BaseHTTPRequestHandler):
    api: FakeCloudAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `requests` instead
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        record = RecordedRequest(
            method="POST", path=path, headers=dict(self.headers.items()), body=raw
        )
        self.api._record(record)
        raw_answer = self.api._take_raw(path)
        if raw_answer:
            record.status, record.outcome = raw_answer[0], "raw"
            self._send(raw_answer[0], raw_answer[1], raw_answer[2])
            return
        try:
            if path.endswith("/messages"):
                answer = self.api.answer_messages(path, self.headers, raw, record)
            elif path.endswith("/media"):
                answer = self.api.answer_media(path, self.headers, raw, record)
            else:
                raise _Refusal(400, 100, f"Unknown path components: {path}", subcode=2500)
            status = 200
        except _Refusal as refusal:
            status = refusal.status
            answer = error_body(refusal.code, refusal.message, subcode=refusal.subcode)
            record.outcome = record.outcome or str(refusal.code)
        record.status = status
        self._send_json(status, answer)

    def do_GET(self):
        self.api._record(
            RecordedRequest(method="GET", path=self.path, headers=dict(self.headers), body=b"")
        )
        self._send_json(400, error_body(100, "Unsupported get request"))

    def _send_json(self, status: int, answer: dict) -> None:
        self._send(status, json.dumps(answer).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout, a killed worker): nothing to tell it


FakeCloudAPI.handler = _Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--phone-number-id", default="106540352242922")
    parser.add_argument("--version", default="v21.0")
    parser.add_argument("--app-secret", default="test-app-secret")
    parser.add_argument("--fail-share", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    api = FakeCloudAPI(
        token=args.token,
        phone_number_id=args.phone_number_id,
        version=args.version,
        app_secret=args.app_secret,
        fail_share=args.fail_share,
        delay=args.delay,
        port=args.port,
    ).start()
    print(f"Fake Cloud API on {api.base_url}", flush=True)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # a background job ignores SIGINT
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            with api._lock:
                new = api.requests[seen:]
                seen = len(api.requests)
            for request in new:
                # Let the answer be recorded before it is printed.
                time.sleep(0.05)
                body = request.body
                if isinstance(body, bytes):
                    body = f"<{len(body)} bytes>"
                print(
                    json.dumps(
                        {
                            "path": request.path,
                            "status": request.status,
                            "outcome": request.outcome,
                            "body": body,
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()


if __name__ == "__main__":
    main()
