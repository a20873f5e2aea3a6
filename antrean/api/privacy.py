"""The citizen's right of access over the API (UU PDP 27/2022): everything held about one
booking, for whoever knows its code and the full NIK it was booked with.

The NIK travels only in the body. Attempts are limited per client address and per booking
code, counted before anything is looked up; a wrong code and a wrong NIK get the same answer.
"""

from ninja import Field, Router, Schema

from antrean.api.schemas import ErrorOut, Text
from antrean.core.http import client_ip
from antrean.privacy.selectors import personal_data_export
from antrean.privacy.services import personal_data_access_check

router = Router(tags=["Personal data"])


class MyDataIn(Schema):
    nik: Text = Field(
        max_length=40,
        description="The full 16-digit NIK the booking was made with.",
        examples=["5103014101900001"],
    )


class MyOfficeRef(Schema):
    code: str
    name: str


class MyServiceRef(Schema):
    code: str
    name: str


class MySlotTimes(Schema):
    start: str = Field(description="Local time, HH:MM.", examples=["09:00"])
    end: str = Field(description="Local time, HH:MM.", examples=["10:00"])


class MyTicketOut(Schema):
    code: str
    number: str
    status: str
    status_label: str
    channel: str
    priority: str
    office: MyOfficeRef
    agency: str
    service: MyServiceRef
    date: str = Field(description="Local date, YYYY-MM-DD.")
    slot: MySlotTimes | None
    zone: str
    name: str = Field(description="Full name; empty once erased under the retention policy.")
    nik: str = Field(description="Full NIK; empty once erased.")
    whatsapp: str = Field(description="E.164 number; empty once erased or never given.")
    whatsapp_consent: bool
    nik_hash: str = Field(description="Keyed hash of the NIK (kept after erasure).")
    whatsapp_hash: str = Field(description="Keyed hash of the number (kept after erasure).")
    created_at: str | None
    arrived_at: str | None
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    cancelled_at: str | None
    counter: int | None


class MyEventOut(Schema):
    move: str
    move_label: str
    from_status: str
    to_status: str
    at: str | None
    service: str
    counter: int | None
    note: str


class MyLedgerPosition(Schema):
    office: str
    seq: int | None
    prev_hash: str
    entry_hash: str


class MySignatureOut(Schema):
    pact_title: str
    pact_version: int
    pact_sha256: str
    pact_text: str = Field(description="The exact text agreed to (its sha256 is pact_sha256).")
    signed_at: str | None
    channel: str
    client_ip: str | None = Field(description="Empty once erased.")
    user_agent: str = Field(description="Empty once erased.")
    ledger: MyLedgerPosition


class MyCertificateOut(Schema):
    number: str
    status: str = Field(description="valid | revoked")
    verification_url: str
    pdf_sha256: str
    rendered_at: str | None
    file: str = Field(description="available | pending | erased")
    file_erased_at: str | None
    revoked_at: str | None
    revoked_reason: str


class MyMessageOut(Schema):
    kind: str
    kind_label: str
    to: str = Field(description="E.164 number; empty once erased.")
    text: str = Field(description="The message as sent; empty once erased.")
    with_certificate: bool
    status: str
    status_label: str
    created_at: str | None
    sent_at: str | None
    delivered_at: str | None
    read_at: str | None
    failed_at: str | None


class MyRetentionOut(Schema):
    days: int = Field(description="ANTREAN_RETENTION_DAYS.", examples=[365])
    erase_from: str = Field(description="First day the personal data is erased, YYYY-MM-DD.")
    erased_at: str | None
    erased: list[str] = Field(description="What has been erased (export keys).")


class MyDataOut(Schema):
    generated_at: str
    ticket: MyTicketOut
    events: list[MyEventOut]
    pact_signature: MySignatureOut | None
    certificate: MyCertificateOut | None
    messages: list[MyMessageOut]
    retention: MyRetentionOut


@router.post(
    "/bookings/{code}/my-data",
    response={200: MyDataOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="getMyData",
    summary="Everything held about a booking, for its owner (right of access)",
    description='Body `{"nik": "<16 digits>"}`: the NIK the booking was made with. Answers '
    "the booking, its history, pact signature and ledger position, certificate, WhatsApp "
    "messages as sent, and what the retention policy has erased, with full values. "
    "400 `malformed_json` for a body that is not JSON; 404 `not_found` when the code or the "
    "NIK does not match (the same answer for either); 422 `invalid_request` for a missing or "
    "non-text `nik`, `invalid_nik` for one that is not a well-formed NIK; 429 `rate_limited` "
    "after too many attempts from one client address (an hour) or for one code (a day).",
)
def my_data(request, code: str, payload: MyDataIn):
    ticket = personal_data_access_check(code=code, nik=payload.nik, client_ip=client_ip(request))
    return personal_data_export(ticket=ticket)
