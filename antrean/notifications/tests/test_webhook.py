"""The provider's side of the webhook, played by the local Cloud API server: the verification
handshake, the signature checked on the raw body before parsing, and statuses that arrive
twice, out of order, or about messages we do not know."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antrean.core.personal_data import decrypt, lookup_hash
from antrean.notifications import webhook
from antrean.notifications.models import (
    ErrorCategory,
    InboundMessage,
    Message,
    MessageEvent,
    Status,
    StatusReceipt,
    UnreachableNumber,
)
from antrean.notifications.services import messages_send_due
from antrean.notifications.tests.conftest import (
    VERIFY_TOKEN,
    WEBHOOK_SECRET,
    book,
    point_gateway_at,
    render_certificate_of,
)
from antrean.notifications.webhook import signature_valid
from antrean.testing.factories import make_service, make_slot

pytestmark = pytest.mark.django_db

URL = "/webhooks/whatsapp"
T0 = 1_780_000_000  # a fixed provider timestamp (seconds)


def at(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


@pytest.fixture
def sent(cloud_api):
    """One booking_confirmed message, sent through the cloud gateway: (message, accepted)."""
    slot = make_slot(make_service(), capacity=10)
    render_certificate_of(book(slot, consent=True).ticket)
    assert messages_send_due(worker_id="uji").sent == 1
    message = Message.objects.get()
    (accepted,) = cloud_api.accepted
    return message, accepted


def snapshot():
    return {
        "messages": list(
            Message.objects.order_by("pk").values(
                "status", "provider_id", "sent_at", "delivered_at", "read_at", "failed_at"
            )
        ),
        "events": MessageEvent.objects.count(),
        "receipts": StatusReceipt.objects.count(),
        "inbound": InboundMessage.objects.count(),
        "unreachable": UnreachableNumber.objects.count(),
    }


def post(client, api, statuses=(), messages=()):
    response = api.deliver_with_client(client, api.status_payload(statuses, messages))
    assert response.status_code == 200, response.content
    return response


# --- handshake ------------------------------------------------------------------------------


def test_handshake_with_the_right_token_echoes_the_raw_challenge(client, cloud_api):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_with_a_wrong_token_or_mode_is_forbidden(client, cloud_api, params):
    response = client.get(URL, params)

    assert response.status_code == 403
    assert b"1" not in response.content


def test_handshake_is_forbidden_while_no_verify_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""

    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )

    assert response.status_code == 403


# --- signature ------------------------------------------------------------------------------


def test_signature_is_checked_against_the_raw_body():
    body = b'{"a": 1}'
    good = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()

    assert signature_valid(app_secret="k", body=body, header=good)
    assert signature_valid(app_secret="k", body=body, header=good.upper().replace("SHA", "sha"))
    assert not signature_valid(app_secret="k", body=b'{"a":1}', header=good)  # re-serialised
    assert not signature_valid(app_secret="other", body=body, header=good)
    assert not signature_valid(app_secret="k", body=body, header=good[7:])  # no prefix
    assert not signature_valid(app_secret="k", body=body, header=None)
    assert not signature_valid(app_secret="", body=body, header=good)


def test_post_without_or_with_a_wrong_signature_is_forbidden_and_changes_nothing(
    client, cloud_api, sent
):
    message, accepted = sent
    payload = cloud_api.status_payload([cloud_api.status(accepted, "read", timestamp=T0)])
    body = cloud_api.encode(payload)
    before = snapshot()

    unsigned = client.generic("POST", URL, body, content_type="application/json")
    wrong_secret = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body, secret="bukan-rahasia"),
    )
    other_body = client.generic(
        "POST",
        URL,
        json.dumps(payload, indent=1).encode(),  # same JSON, other bytes
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
    )

    assert [r.status_code for r in (unsigned, wrong_secret, other_body)] == [403, 403, 403]
    assert snapshot() == before
    # The right signature is accepted.
    signed = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
    )
    assert signed.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.READ


def test_signature_is_checked_before_the_body_is_parsed(client, cloud_api):
    body = b'{"entry": [ not json'

    wrong = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body, secret="bukan-rahasia"),
    )
    right = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
    )

    assert wrong.status_code == 403
    assert right.status_code == 400


def test_post_is_forbidden_while_no_app_secret_is_configured(client, cloud_api, settings):
    settings.WHATSAPP_APP_SECRET = ""
    body = cloud_api.encode(cloud_api.status_payload())

    response = client.generic(
        "POST", URL, body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body, secret=""),
    )  # fmt: skip

    assert response.status_code == 403


def test_an_oversized_body_is_refused(client, cloud_api):
    body = b'{"x":"' + b"a" * (1024 * 1024 + 10) + b'"}'

    response = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
    )

    assert response.status_code == 413


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_http_delivery_to_the_running_app(live_server, cloud_api, sent):
    message, accepted = sent

    status = cloud_api.deliver(
        live_server.url + URL,
        cloud_api.status_payload([cloud_api.status(accepted, "delivered", timestamp=T0)]),
    )

    assert status == 200
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == (Status.DELIVERED, at(T0))


# --- statuses -------------------------------------------------------------------------------


def test_sent_delivered_read_update_status_and_times(client, cloud_api, sent):
    message, accepted = sent
    our_sent_at = message.sent_at

    post(client, cloud_api, [cloud_api.status(accepted, "sent", timestamp=T0)])
    message.refresh_from_db()
    assert (message.status, message.sent_at) == (Status.SENT, our_sent_at)  # ours is kept

    post(client, cloud_api, [cloud_api.status(accepted, "delivered", timestamp=T0 + 5)])
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == (Status.DELIVERED, at(T0 + 5))

    post(client, cloud_api, [cloud_api.status(accepted, "read", timestamp=T0 + 60)])
    message.refresh_from_db()
    assert (message.status, message.read_at) == (Status.READ, at(T0 + 60))
    assert message.delivered_at == at(T0 + 5)

    events = list(message.events.order_by("pk").values_list("event", flat=True))
    assert events == ["queued", "sent", "webhook_sent", "webhook_delivered", "webhook_read"]


def test_duplicates_are_applied_once(client, cloud_api, sent):
    message, accepted = sent
    delivered = cloud_api.status(accepted, "delivered", timestamp=T0)

    post(client, cloud_api, [delivered, delivered])
    post(client, cloud_api, [delivered])

    message.refresh_from_db()
    assert (message.status, message.delivered_at) == (Status.DELIVERED, at(T0))
    assert StatusReceipt.objects.filter(provider_id=accepted.wamid).count() == 1
    assert message.events.filter(event="webhook_delivered").count() == 1


def test_read_before_delivered_then_delivered_never_moves_back(client, cloud_api, sent):
    message, accepted = sent

    post(client, cloud_api, [cloud_api.status(accepted, "read", timestamp=T0 + 60)])
    message.refresh_from_db()
    assert message.status == Status.READ
    assert message.read_at == at(T0 + 60)
    assert message.delivered_at is not None  # read implies delivered

    post(client, cloud_api, [cloud_api.status(accepted, "delivered", timestamp=T0 + 5)])
    post(client, cloud_api, [cloud_api.status(accepted, "sent", timestamp=T0)])
    message.refresh_from_db()
    assert message.status == Status.READ


def test_delivered_and_read_in_one_payload_in_reverse_order(client, cloud_api, sent):
    message, accepted = sent

    post(
        client,
        cloud_api,
        [
            cloud_api.status(accepted, "read", timestamp=T0 + 60),
            cloud_api.status(accepted, "delivered", timestamp=T0 + 5),
            cloud_api.status(accepted, "sent", timestamp=T0),
        ],
    )

    message.refresh_from_db()
    assert message.status == Status.READ


def test_failed_after_read_is_ignored(client, cloud_api, sent):
    message, accepted = sent
    post(client, cloud_api, [cloud_api.status(accepted, "read", timestamp=T0)])

    post(
        client,
        cloud_api,
        [
            cloud_api.status(
                accepted,
                "failed",
                timestamp=T0 + 1,
                errors=[{"code": 131000, "title": "Something went wrong"}],
            )
        ],
    )

    message.refresh_from_db()
    assert message.status == Status.READ
    assert (message.failed_at, message.error_code) == (None, "")


def test_failed_updates_the_message_with_the_reason(client, cloud_api, sent):
    message, accepted = sent
    error = {
        "code": 131049,
        "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    }

    post(
        client,
        cloud_api,
        [cloud_api.status(accepted, "failed", timestamp=T0, errors=[error])],
    )

    message.refresh_from_db()
    assert (message.status, message.failed_at) == (Status.FAILED, at(T0))
    assert (message.error_code, message.error_category) == ("131049", ErrorCategory.PERMANENT)
    assert "healthy ecosystem" in message.error_detail
    assert not UnreachableNumber.objects.exists()


def test_a_late_sent_does_not_undo_the_providers_failure(client, cloud_api, sent):
    message, accepted = sent
    failed = cloud_api.status(accepted, "failed", timestamp=T0 + 1, errors=[{"code": 131049}])

    post(client, cloud_api, [failed, cloud_api.status(accepted, "sent", timestamp=T0)])

    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_failed_not_on_whatsapp_marks_the_number(client, cloud_api, sent):
    message, accepted = sent

    post(
        client,
        cloud_api,
        [cloud_api.status(accepted, "failed", timestamp=T0, errors=[{"code": 131026}])],
    )

    message.refresh_from_db()
    assert (message.status, message.error_category) == (
        Status.FAILED,
        ErrorCategory.NOT_ON_WHATSAPP,
    )
    assert UnreachableNumber.objects.filter(phone_hash=message.recipient_hash).exists()


def test_unknown_ids_and_statuses_are_ignored_with_200(client, cloud_api, sent):
    _, accepted = sent
    before = snapshot()
    stranger = {
        "id": "wamid.tidak-dikenal",
        "status": "delivered",
        "timestamp": str(T0),
        "recipient_id": "6281200000000",
    }
    foreign = stranger | {"id": "wamid.lain", "biz_opaque_callback_data": "sistem-lain"}
    missing = stranger | {"id": "wamid.hilang", "biz_opaque_callback_data": "999999999"}
    odd = cloud_api.status(accepted, "deleted", timestamp=T0)

    post(client, cloud_api, [stranger, foreign, missing, odd])
    for payload in ({}, {"entry": []}, {"entry": [{"changes": [{"field": "other"}]}]}):
        body = cloud_api.encode(payload)
        response = client.generic(
            "POST", URL, body, content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
        )  # fmt: skip
        assert response.status_code == 200

    after = snapshot()
    assert after["messages"] == before["messages"]
    assert after["events"] == before["events"]


def test_inbound_text_is_stored_with_the_sender_encrypted(client, cloud_api):
    text = "Halo, saya mau tanya syarat KTP. NIK saya 5103014101900001"
    inbound = cloud_api.inbound_text(sender_digits="6281234567890", text=text, timestamp=T0)

    post(client, cloud_api, messages=[inbound])
    post(client, cloud_api, messages=[inbound])  # redelivered

    stored = InboundMessage.objects.get()
    assert stored.provider_id == inbound["id"]
    assert stored.sender == "+6281234567890"
    assert stored.sender_hash == lookup_hash("+6281234567890", purpose="phone")
    assert (stored.kind, stored.text, stored.sent_at) == ("text", text, at(T0))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sender, text FROM {InboundMessage._meta.db_table} WHERE id = %s",  # noqa: S608
            [stored.pk],
        )
        raw_sender, raw_text = cursor.fetchone()
    assert "81234567890" not in raw_sender
    assert raw_sender.startswith("enc1:")
    # What the citizen wrote is personal data too: encrypted under its own purpose.
    assert "5103014101900001" not in raw_text and "syarat" not in raw_text
    assert raw_text.startswith("enc1:")
    assert decrypt(raw_text, purpose="inbound-text") == text


# --- reconciling by our id --------------------------------------------------------------------


def test_a_status_for_a_message_we_never_recorded_settles_it_by_our_id(client, cloud_api, sent):
    message, accepted = sent
    # As after a crash between the provider's answer and our record.
    Message.objects.filter(pk=message.pk).update(
        status=Status.AMBIGUOUS, provider_id=None, sent_at=None
    )

    post(client, cloud_api, [cloud_api.status(accepted, "delivered", timestamp=T0)])

    message.refresh_from_db()
    assert (message.status, message.provider_id) == (Status.DELIVERED, accepted.wamid)
    assert message.sent_at == at(T0)
    assert message.events.filter(event="reconciled", detail=accepted.wamid).exists()


def test_a_timed_out_request_the_provider_did_accept_is_sent_twice_and_counted(
    client, cloud_api, settings
):
    """The limit of retrying after a timeout: the provider may have accepted the request it
    never answered. The retry then sends a second copy; the first copy's statuses (they carry
    our id) reveal it, and it is recorded once as a duplicate."""
    point_gateway_at(settings, cloud_api, WHATSAPP_TIMEOUT=0.3)
    cloud_api.stall_seconds = 1.0
    cloud_api.stall_accepts = True
    cloud_api.stall_next()
    slot = make_slot(make_service(), capacity=10)
    render_certificate_of(book(slot, consent=True).ticket)

    assert messages_send_due(worker_id="uji").retried == 1
    assert messages_send_due(worker_id="uji", now=timezone.now() + dt.timedelta(hours=1)).sent == 1

    message = Message.objects.get()
    first, second = cloud_api.accepted
    assert cloud_api.accepted_per_callback() == {str(message.pk): 2}
    assert message.provider_id == second.wamid

    post(client, cloud_api, [cloud_api.status(first, "delivered", timestamp=T0)])
    post(client, cloud_api, [cloud_api.status(first, "read", timestamp=T0 + 1)])
    post(client, cloud_api, [cloud_api.status(second, "delivered", timestamp=T0)])

    message.refresh_from_db()
    assert (message.status, message.provider_id) == (Status.DELIVERED, second.wamid)
    assert list(message.events.filter(event="duplicate").values_list("detail", flat=True)) == [
        first.wamid
    ]


def test_webhook_uses_the_configured_app_secret(client, cloud_api, sent, settings):
    _, accepted = sent
    settings.WHATSAPP_APP_SECRET = "rahasia-baru"
    body = cloud_api.encode(
        cloud_api.status_payload([cloud_api.status(accepted, "read", timestamp=T0)])
    )

    old = client.generic(
        "POST", URL, body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body, secret=WEBHOOK_SECRET),
    )  # fmt: skip
    new = client.generic(
        "POST", URL, body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body, secret="rahasia-baru"),
    )  # fmt: skip

    assert (old.status_code, new.status_code) == (403, 200)


# --- payloads that are JSON but not what the Cloud API sends --------------------------------
# A valid signature says who sent the body, not that its shape is right. Whatever JSON it
# holds, the answer is 200 (nothing to do) or a coded 4xx with a JSON body, never a 500.


def deliver_raw(client, cloud_api, body: bytes):
    return client.generic(
        "POST", URL, body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=cloud_api.signature(body),
    )  # fmt: skip


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == code
    assert body["message"]


def _status_item(**fields) -> dict:
    return {"id": "wamid.x", "status": "read", "timestamp": str(T0)} | fields


def _shaped(statuses=None, messages=None) -> dict:
    value = {}
    if statuses is not None:
        value["statuses"] = statuses
    if messages is not None:
        value["messages"] = messages
    return {"entry": [{"changes": [{"value": value}]}]}


WRONG_SHAPES = [
    5,
    "entry",
    None,
    [],
    [{"entry": []}],
    {"entry": 5},
    {"entry": "x"},
    {"entry": {"changes": []}},
    {"entry": [5]},
    {"entry": [{"changes": 5}]},
    {"entry": [{"changes": [[]]}]},
    {"entry": [{"changes": [{"value": []}]}]},
    {"entry": [{"changes": [{"value": "x"}]}]},
    _shaped(statuses=5),
    _shaped(statuses=[5]),
    _shaped(statuses=[{"status": "read"}]),
    _shaped(statuses=[_status_item(id=5)]),
    _shaped(statuses=[_status_item(id="")]),
    _shaped(statuses=[_status_item(status=["read"])]),
    _shaped(statuses=[_status_item(biz_opaque_callback_data=12)]),
    _shaped(statuses=[_status_item(errors={"code": 131026})]),
    _shaped(messages={"id": "x"}),
    _shaped(messages=[{"id": "wamid.y"}]),
    _shaped(messages=[{"id": "wamid.y", "from": 6281234567890}]),
    _shaped(messages=[{"id": "wamid.y", "from": "62812", "type": 1}]),
    _shaped(messages=[{"id": "wamid.y", "from": "62812", "text": "halo"}]),
    _shaped(messages=[{"id": "wamid.y", "from": "62812", "text": {"body": 5}}]),
]


@pytest.mark.parametrize("payload", WRONG_SHAPES)
def test_a_signed_payload_of_the_wrong_shape_is_refused_with_422(client, cloud_api, payload):
    before = snapshot()

    response = deliver_raw(client, cloud_api, json.dumps(payload).encode())

    assert_refused(response, 422, "invalid_request")
    assert snapshot() == before


NUL_PAYLOADS = [
    # The status id reaches a query, the message text a row: PostgreSQL refuses both.
    _shaped(statuses=[_status_item(id="wamid.\u0000")]),
    _shaped(statuses=[_status_item(status="read\u0000")]),
    _shaped(statuses=[_status_item(biz_opaque_callback_data="1\u0000")]),
    _shaped(statuses=[_status_item(status="failed", errors=[{"title": "a\u0000b"}])]),
    _shaped(messages=[{"id": "wamid.y", "from": "62812", "text": {"body": "halo\u0000"}}]),
    _shaped(messages=[{"id": "wamid.\u0000", "from": "62812", "type": "text"}]),
    {"entry": [], "\u0000": 1},
]


@pytest.mark.parametrize("payload", NUL_PAYLOADS)
def test_a_nul_character_anywhere_in_the_payload_is_refused(client, cloud_api, sent, payload):
    before = snapshot()

    response = deliver_raw(client, cloud_api, json.dumps(payload).encode())

    assert_refused(response, 422, "invalid_request")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,  # deeper than the JSON parser recurses
        b'{"entry": [' * 5_000 + b"]}" * 5_000,
        b"\xff\xfe{",
        b"",
        b'{"entry": []} {"entry": []}',
    ],
)
def test_a_signed_body_that_cannot_be_parsed_is_400_malformed_json(client, cloud_api, body):
    assert_refused(deliver_raw(client, cloud_api, body), 400, "malformed_json")


def test_refusals_before_parsing_are_json_too(client, cloud_api):
    body = cloud_api.encode(cloud_api.status_payload())

    unsigned = client.generic("POST", URL, body, content_type="application/json")
    handshake = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "salah"})
    too_large = client.generic(
        "POST", URL, b"{}", content_type="application/json", CONTENT_LENGTH=str(2 * 1024**2)
    )

    assert_refused(unsigned, 403, "forbidden")
    assert_refused(handshake, 403, "forbidden")
    assert_refused(too_large, 413, "request_too_large")


@pytest.mark.usefixtures("sent")
def test_callback_data_that_cannot_be_our_id_is_ignored(client, cloud_api):
    """Our id travels as biz_opaque_callback_data; other digits (too long for a bigint, or
    not ASCII) must not reach int() or the database."""
    before = snapshot()
    for opaque in ("9" * 5000, "99999999999999999999", "\u00b2", "\u0661"):
        stranger = _status_item(id=f"wamid.{len(opaque)}", biz_opaque_callback_data=opaque)
        post(client, cloud_api, [stranger])
    after = snapshot()
    assert after["messages"] == before["messages"]


def test_a_long_error_code_from_the_provider_is_cut_to_the_column(client, cloud_api, sent):
    message, accepted = sent
    failed = cloud_api.status(
        accepted, "failed", timestamp=T0, errors=[{"code": "9" * 300, "title": "x" * 5000}]
    )

    post(client, cloud_api, [failed])

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.error_code == "9" * 20


# Any JSON value: what json.loads can return (NaN and infinities included).
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["read", "sent", "delivered", "failed", "text", "0", "1", "\u0000"])
)
# Keys are often the Cloud API's own, so that wrong shapes sit where the parser looks.
_CLOUD_API_KEYS = (
    *("entry", "changes", "value", "statuses", "messages", "id", "status", "from", "type"),
    *("text", "body", "errors", "code", "biz_opaque_callback_data", "timestamp"),
)
_keys = st.sampled_from(_CLOUD_API_KEYS) | st.text(max_size=10)
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_is_total_over_any_json_value(payload):
    try:
        statuses, inbound = webhook.parse(payload)
    except webhook.WebhookRefused as refused:
        assert refused.code.status in (400, 422)
        return
    for update in statuses:
        assert isinstance(update.provider_id, str) and "\x00" not in update.provider_id
        assert isinstance(update.status, str) and isinstance(update.errors, list)
        assert update.opaque is None or isinstance(update.opaque, str)
    for item in inbound:
        assert all(isinstance(v, str) for v in (item.provider_id, item.sender, item.kind))
        assert isinstance(item.text, str) and "\x00" not in item.text


def _meta_shaped(leaf, ids):
    """Payloads shaped like the Cloud API's, any part of which may be any JSON value."""

    def some(strategy):
        return strategy | leaf

    status = st.fixed_dictionaries(
        {},
        optional={
            "id": some(ids),
            "status": some(st.sampled_from(["sent", "delivered", "read", "failed", "deleted"])),
            "timestamp": leaf,
            "biz_opaque_callback_data": some(st.text("0123456789", max_size=25)),
            "errors": some(st.lists(some(st.fixed_dictionaries({}, optional={"code": leaf})))),
        },
    )
    message = st.fixed_dictionaries(
        {},
        optional={
            "id": some(ids),
            "from": some(st.text("0123456789+", max_size=25)),
            "type": leaf,
            "text": some(st.fixed_dictionaries({}, optional={"body": leaf})),
            "timestamp": leaf,
        },
    )
    value = st.fixed_dictionaries(
        {},
        optional={
            "statuses": some(st.lists(some(status), max_size=3)),
            "messages": some(st.lists(some(message), max_size=3)),
        },
    )
    change = st.fixed_dictionaries({}, optional={"value": some(value), "field": leaf})
    entry = st.fixed_dictionaries(
        {}, optional={"changes": some(st.lists(some(change), max_size=2))}
    )
    return some(
        st.fixed_dictionaries({}, optional={"entry": some(st.lists(some(entry), max_size=2))})
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_signed_json_is_200_or_a_coded_4xx(client, cloud_api, sent, data):
    """Through the view and the database (PostgreSQL refuses NUL, bigint overflows and
    over-long values where SQLite would not): never a 500."""
    _, accepted = sent
    ids = st.sampled_from([accepted.wamid, "wamid.lain"]) | st.text(max_size=130)
    payload = data.draw(_meta_shaped(json_values, ids))

    response = deliver_raw(client, cloud_api, json.dumps(payload).encode())

    if response.status_code != 200:
        assert_refused(response, response.status_code, response.json()["error"])
        assert response.status_code in (400, 422)
