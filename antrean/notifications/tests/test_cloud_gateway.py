"""The cloud gateway's requests and answers, against the local server that answers as the
Cloud API does: the URL, the token, the template's JSON, the media upload, and how every kind
of error is classified for the worker."""

import socket

import pytest

from antrean.notifications.gateway import Document, GatewayError, OutgoingMessage, get_gateway
from antrean.notifications.gateways.cloud import CloudGateway, classify
from antrean.notifications.models import ErrorCategory
from antrean.notifications.tests.conftest import point_gateway_at
from antrean.testing.cloud_api import FakeCloudAPI

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def outgoing(**overrides) -> OutgoingMessage:
    values = {
        "message_id": 4711,
        "to": "+6281234567890",
        "template": "antrean_booking_confirmed",
        "language": "id",
        "params": ["A-001", "Perekaman KTP-el", "MPP Badung", "Senin, 2 Maret 2026", "7K3M-9QXA"],
        "document_media_id": "1234567890123456",
        "document_filename": "piagam-MPP-20260302-000001.pdf",
    }
    return OutgoingMessage(**(values | overrides))


def test_send_posts_the_documented_template_message(cloud_api, settings):
    result = get_gateway().send(outgoing())

    assert isinstance(get_gateway(), CloudGateway)
    (request,) = cloud_api.requests
    assert request.method == "POST"
    assert request.path == f"/v21.0/{cloud_api.phone_number_id}/messages"
    assert request.headers["Authorization"] == f"Bearer {cloud_api.token}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "messaging_product": "whatsapp",
        "to": "+6281234567890",
        "type": "template",
        "biz_opaque_callback_data": "4711",
        "template": {
            "name": "antrean_booking_confirmed",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "header",
                    "parameters": [
                        {
                            "type": "document",
                            "document": {
                                "id": "1234567890123456",
                                "filename": "piagam-MPP-20260302-000001.pdf",
                            },
                        }
                    ],
                },
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "A-001"},
                        {"type": "text", "text": "Perekaman KTP-el"},
                        {"type": "text", "text": "MPP Badung"},
                        {"type": "text", "text": "Senin, 2 Maret 2026"},
                        {"type": "text", "text": "7K3M-9QXA"},
                    ],
                },
            ],
        },
    }
    (accepted,) = cloud_api.accepted
    assert result.provider_id == accepted.wamid
    assert result.provider_id.startswith("wamid.")
    assert accepted.biz_opaque_callback_data == "4711"
    assert accepted.params == outgoing().params  # in order


def test_request_goes_to_the_configured_base_version_and_number(settings):
    with FakeCloudAPI(version="v23.0", phone_number_id="999000111", token="lain") as api:
        point_gateway_at(settings, api)
        get_gateway().send(outgoing(document_media_id=None))

    (request,) = api.requests
    assert request.path == "/v23.0/999000111/messages"
    assert request.headers["Authorization"] == "Bearer lain"
    components = request.body["template"]["components"]
    assert [c["type"] for c in components] == ["body"]  # no header without a document


def test_base_url_with_a_trailing_slash(settings):
    with FakeCloudAPI() as api:
        point_gateway_at(settings, api, WHATSAPP_API_BASE=api.base_url + "/")
        get_gateway().send(outgoing())

    assert api.requests[0].path == f"/v21.0/{api.phone_number_id}/messages"


def test_media_upload_is_multipart_with_file_product_and_type(cloud_api):
    media_id = get_gateway().upload_media(
        Document(filename="piagam-X-1.pdf", content=PDF, cache_key=1)
    )

    (request,) = cloud_api.requests
    assert request.path == f"/v21.0/{cloud_api.phone_number_id}/media"
    assert request.headers["Authorization"] == f"Bearer {cloud_api.token}"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert request.body["messaging_product"] == "whatsapp"
    assert request.body["type"] == "application/pdf"
    stored = cloud_api.media[media_id]
    assert (stored.filename, stored.mime_type, stored.content) == (
        "piagam-X-1.pdf",
        "application/pdf",
        PDF,
    )


# --- classification -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [130429, 131000, 131016, 131056])
def test_throughput_and_temporary_codes_are_transient(code):
    assert classify(code, 400) == ErrorCategory.TRANSIENT
    assert classify(code, 500) == ErrorCategory.TRANSIENT


@pytest.mark.parametrize("code", [*range(132000, 132017), 190])
def test_template_and_token_codes_are_configuration_errors(code):
    assert classify(code, 400) == ErrorCategory.CONFIG
    assert classify(code, 401) == ErrorCategory.CONFIG


def test_not_on_whatsapp_is_its_own_category():
    assert classify(131026, 400) == ErrorCategory.NOT_ON_WHATSAPP


@pytest.mark.parametrize("code", [100, 131008, 131009, 131047, 131051, 131052, 133010, 132017])
def test_other_codes_are_permanent(code):
    assert classify(code, 400) == ErrorCategory.PERMANENT


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_without_a_code_are_transient(status):
    assert classify(None, status) == ErrorCategory.TRANSIENT


@pytest.mark.parametrize("status", [400, 404, 413])
def test_client_errors_without_a_code_are_permanent(status):
    assert classify(None, status) == ErrorCategory.PERMANENT


# --- errors as the server answers them ---------------------------------------------------------


def send_error(api: FakeCloudAPI, message: OutgoingMessage | None = None) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        get_gateway().send(message or outgoing())
    return caught.value


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (131000, ErrorCategory.TRANSIENT),
        (130429, ErrorCategory.TRANSIENT),
        (131016, ErrorCategory.TRANSIENT),
        (131056, ErrorCategory.TRANSIENT),
        (132000, ErrorCategory.CONFIG),
        (132001, ErrorCategory.CONFIG),
        (132015, ErrorCategory.CONFIG),
        (132016, ErrorCategory.CONFIG),
        (131047, ErrorCategory.PERMANENT),
        (131051, ErrorCategory.PERMANENT),
    ],
)
def test_error_answers_are_classified_by_their_code(cloud_api, code, category):
    cloud_api.template_errors["antrean_booking_confirmed"] = code

    error = send_error(cloud_api)

    assert (error.category, error.code) == (category, str(code))
    assert error.detail.startswith("HTTP 400: ")
    assert cloud_api.requests[0].status == 400
    assert not cloud_api.accepted


def test_every_transient_failure_the_server_injects_is_classified_transient(cloud_api):
    cloud_api.fail_share = 1.0

    errors = [send_error(cloud_api) for _ in range(4)]

    assert [(e.code, e.category) for e in errors] == [
        ("131000", ErrorCategory.TRANSIENT),
        ("130429", ErrorCategory.TRANSIENT),
        ("131016", ErrorCategory.TRANSIENT),
        ("131056", ErrorCategory.TRANSIENT),
    ]
    assert [r.status for r in cloud_api.requests] == [500, 429, 503, 400]
    assert not cloud_api.accepted


def test_wrong_token_is_a_configuration_error(cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_ACCESS_TOKEN="kedaluwarsa")

    error = send_error(cloud_api)

    assert (error.category, error.code) == (ErrorCategory.CONFIG, "190")
    request = cloud_api.requests[0]
    assert request.status == 401
    assert request.headers["Authorization"] == "Bearer kedaluwarsa"


def test_not_on_whatsapp(cloud_api):
    cloud_api.unreachable.add("+6281234567890")

    error = send_error(cloud_api)

    assert (error.category, error.code) == (ErrorCategory.NOT_ON_WHATSAPP, "131026")


def test_unknown_phone_number_id_is_permanent(cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_PHONE_NUMBER_ID="000")

    error = send_error(cloud_api)

    assert (error.category, error.code) == (ErrorCategory.PERMANENT, "100")


def test_an_html_502_from_a_proxy_is_transient(cloud_api):
    cloud_api.answer_next_raw(502, b"<html><body>Bad Gateway</body></html>")

    error = send_error(cloud_api)

    assert (error.category, error.code, error.detail) == (
        ErrorCategory.TRANSIENT,
        "502",
        "HTTP 502",
    )


def test_a_success_without_a_message_id_is_transient_and_may_have_been_sent(cloud_api):
    cloud_api.answer_next_raw(200, b"{}", "application/json")

    error = send_error(cloud_api)

    assert (error.category, error.code, error.sent) == (
        ErrorCategory.TRANSIENT,
        "bad_response",
        True,
    )


def test_media_errors_are_classified_too(cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_ACCESS_TOKEN="salah")

    with pytest.raises(GatewayError) as caught:
        get_gateway().upload_media(Document(filename="p.pdf", content=PDF, cache_key=1))

    assert (caught.value.category, caught.value.code) == (ErrorCategory.CONFIG, "190")
    assert not cloud_api.media


def test_a_refused_connection_is_transient_and_not_sent(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WHATSAPP_GATEWAY = "cloud"
    settings.WHATSAPP_API_BASE = f"http://127.0.0.1:{port}"
    from antrean.notifications.gateway import reset_gateway

    reset_gateway()
    try:
        with pytest.raises(GatewayError) as caught:
            get_gateway().send(outgoing())
    finally:
        reset_gateway()

    assert (caught.value.category, caught.value.code, caught.value.sent) == (
        ErrorCategory.TRANSIENT,
        "network",
        False,
    )


def test_a_stalled_request_times_out_as_transient_and_is_not_accepted(cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_TIMEOUT=0.3)
    cloud_api.stall_seconds = 1.0
    cloud_api.stall_next()

    error = send_error(cloud_api)

    assert (error.category, error.code) == (ErrorCategory.TRANSIENT, "timeout")
    assert error.sent is True  # the client cannot know whether it was heard
    assert not cloud_api.accepted
    # The next request is answered normally.
    assert get_gateway().send(outgoing()).provider_id == cloud_api.accepted[0].wamid


def test_malformed_requests_are_refused_by_the_fake_as_the_api_would(cloud_api):
    """The fake checks the shape, so a broken payload from our client would not pass."""
    import httpx

    headers = {"Authorization": f"Bearer {cloud_api.token}"}
    url = f"{cloud_api.base_url}/v21.0/{cloud_api.phone_number_id}/messages"
    good = {
        "messaging_product": "whatsapp",
        "to": "+6281234567890",
        "type": "template",
        "template": {"name": "t", "language": {"code": "id"}, "components": []},
    }
    broken = [
        good | {"messaging_product": "sms"},
        good | {"type": "text"},
        good | {"to": "nomor"},
        good | {"template": {"name": "t", "components": []}},
        good | {"template": {"name": "t", "language": {"code": "id"}, "components": [{}]}},
    ]
    for body in broken:
        response = httpx.post(url, json=body, headers=headers)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == 100
        assert set(error) >= {"message", "type", "code", "fbtrace_id"}
    assert httpx.post(url, json=good, headers=headers).status_code == 200
    assert len(cloud_api.accepted) == 1
