"""Shapes of what the public API reads and writes: the contract other clients rely on.

Input schemas check only types; the domain's rules (NIK, phone, name, pact) stay in the
services, so the API and the citizen's pages refuse the same things with the same codes.
"""

import datetime as dt
import re
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from antrean.queueing.models import Priority

# Ids and versions larger than this cannot be stored by either database.
MAX_ID = 2**63 - 1

# No text the API reads may hold a NUL character: PostgreSQL can neither store nor compare
# one. The pattern is both the check (422 `invalid_request`) and what the OpenAPI document
# says; the middleware refuses a NUL in the path, query or headers before (400).
NO_NUL = r"^[^\x00]*$"

Text = Annotated[StrictStr, StringConstraints(pattern=NO_NUL)]
# The same for a path segment, a query parameter or a header (always text there).
PlainText = Annotated[str, StringConstraints(pattern=NO_NUL)]


def _integral(value):
    """JSON Schema counts 1105.0 as the integer 1105; so does the API (1105.5 stays refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Every id and version in a request body: a JSON integer, written 12 or 12.0, from 1 to MAX_ID.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value):
    # pydantic alone would also read `0` (a Unix time) or `2026-03-02T00:00` as a date.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "Date must be YYYY-MM-DD.")
    return value


# A calendar date, `YYYY-MM-DD` and nothing else (JSON Schema's `format: date`).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


class ErrorOut(Schema):
    error: str = Field(
        description="Stable error code to switch on (e.g. `slot_full`, `invalid_nik`).",
        examples=["slot_full"],
    )
    message: str = Field(
        description="Human-readable explanation in the request's language (Indonesian by "
        "default, English with `Accept-Language: en`).",
        examples=["Kuota jadwal ini sudah penuh. Silakan pilih jadwal lain."],
    )
    field: str | None = Field(
        None,
        description="The request field the error belongs to, when there is one.",
        examples=["slot_id"],
    )


class OfficeOut(Schema):
    code: str = Field(description="Office code, used in URLs.", examples=["mpp-badung"])
    name: str = Field(examples=["Mal Pelayanan Publik Kabupaten Badung"])
    timezone: str = Field(description="IANA time zone.", examples=["Asia/Makassar"])
    zone: str = Field(description="Zone label shown on clocks.", examples=["WITA"])
    region_code: str = Field(description="Kemendagri region code.", examples=["51.03"])


class OfficeRef(Schema):
    code: str = Field(examples=["mpp-badung"])
    name: str = Field(examples=["Mal Pelayanan Publik Kabupaten Badung"])


class AgencyOut(Schema):
    code: str = Field(examples=["disdukcapil"])
    name: str = Field(examples=["Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung"])
    short_name: str = Field(examples=["Disdukcapil"])


class ServiceOut(Schema):
    id: int = Field(examples=[12])
    code: str = Field(examples=["ktp-el"])
    name: str = Field(examples=["Perekaman KTP-el"])
    agency: AgencyOut
    prefix: str = Field(description="Letter(s) in front of queue numbers.", examples=["A"])
    fee: int = Field(description="Official fee in rupiah; 0 means free.", examples=[0])
    fee_note: str = Field(description="Legal basis of the fee.", examples=[""])
    duration_minutes: int = Field(description="Typical time to serve one citizen.", examples=[15])
    requirements: list[str] = Field(
        description="Documents and conditions, one per item.",
        examples=[["Fotokopi Kartu Keluarga", "Sudah berusia 17 tahun"]],
    )


class ServiceRef(Schema):
    id: int = Field(examples=[12])
    code: str = Field(examples=["ktp-el"])
    name: str = Field(examples=["Perekaman KTP-el"])


class SlotOut(Schema):
    id: int = Field(description="Pass as `slot_id` to book.", examples=[345])
    start: str = Field(description="Local time, HH:MM.", examples=["09:00"])
    end: str = Field(description="Local time, HH:MM.", examples=["10:00"])
    capacity: int = Field(examples=[10])
    remaining: int = Field(
        description="Places that can be booked now: of those released so far, when the "
        "service releases a day's places in parts.",
        examples=[7],
    )
    next_release_at: dt.datetime | None = Field(
        None,
        description="When more of this slot's places are released (UTC); null when all are.",
    )
    bookable: bool = Field(
        description="Whether a booking can be made now: open day, not started, before the "
        "office's same-day cutoff, places left.",
        examples=[True],
    )


class DrawWindowOut(Schema):
    id: int | None = Field(
        description="The draw (`GET /draws/{id}`); null until its window opens.", examples=[12]
    )
    opens_at: dt.datetime = Field(description="UTC: requests are taken from then …")
    closes_at: dt.datetime = Field(description="… until then, when the places are drawn.")
    status: str = Field(
        description="`not_open` (before the window), `open` (taking requests) or `drawn`.",
        examples=["open"],
    )


class DaySlotsOut(Schema):
    date: dt.date = Field(examples=["2026-03-02"])
    open: bool = Field(description="False on a closed day (holiday, weekend).", examples=[True])
    reason: str = Field(description="Why the office is closed; empty when open.", examples=[""])
    mode: str = Field(
        "first_come",
        description="`first_come`: book a slot (`POST /bookings`). `draw`: the day's online "
        "places are drawn among the requests made during `draw` (`POST /draw-entries`); "
        "once drawn, places nobody won are booked first come.",
        examples=["first_come"],
    )
    draw: DrawWindowOut | None = Field(None, description="The day's draw, in `draw` mode.")
    slots: list[SlotOut]


class PactOut(Schema):
    version: int = Field(
        description="Version of the base text: the national one (`scope` national) or the "
        "office's own full text (`scope` office). Send it back with the booking.",
        examples=[1],
    )
    scope: str = Field(
        "national", description="Whose text `version` numbers: `national` or `office`."
    )
    clauses_version: int | None = Field(
        None,
        description="Version of the office's additional clauses appended to the national "
        "text (part of `text` and of `sha256`); null when the office adds none.",
        examples=[None],
    )
    sha256: str = Field(
        description="SHA-256 of the exact UTF-8 text; send it back with the booking.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    language: str = Field(examples=["id"])
    title: str = Field(examples=["Pakta Integritas Pengguna Layanan"])
    text: str = Field(description="The full text the citizen must be shown before agreeing.")


class BookingIn(Schema):
    slot_id: Id = Field(examples=[345])
    name: Text = Field(description="2 to 100 characters, any script.", examples=["Ni Made Ayu"])
    nik: Text = Field(
        description="16-digit Nomor Induk Kependudukan.", examples=["5103014101900001"]
    )
    whatsapp: Text = Field(
        description="Indonesian mobile number; stored as E.164.", examples=["081234567890"]
    )
    pact_version: Id = Field(description="`version` from the office's pact.", examples=[1])
    pact_sha256: Text = Field(
        max_length=200,
        description="`sha256` from the office's pact.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    pact_agreed: StrictBool = Field(
        description="Must be `true`: the citizen read the pact and agreed to it.",
        examples=[True],
    )
    whatsapp_consent: StrictBool = Field(
        False, description="Whether messages about this booking may be sent by WhatsApp."
    )


class BookingCreatedOut(Schema):
    code: str = Field(description="Booking code.", examples=["7K3M9QXA"])
    number: str = Field(description="Queue number.", examples=["A-001"])
    status: str = Field(examples=["booked"])
    office: OfficeRef
    service: ServiceRef
    date: dt.date = Field(examples=["2026-03-02"])
    start: str = Field(description="Local time, HH:MM.", examples=["09:00"])
    end: str = Field(description="Local time, HH:MM.", examples=["10:00"])
    zone: str = Field(description="Zone label of the times.", examples=["WITA"])
    token: str = Field(
        description="Secret that lets its holder read and cancel this booking (send it as "
        "`X-Booking-Token`). Returned only once, here; it cannot be recovered."
    )
    status_url: str = Field(description="The booking's own page, for the citizen.")


class SignatureOut(Schema):
    version: int = Field(examples=[1])
    sha256: str
    signed_at: dt.datetime = Field(description="UTC.")


class BookingOut(Schema):
    code: str = Field(examples=["7K3M9QXA"])
    number: str = Field(examples=["A-001"])
    status: str = Field(
        description="booked, waiting, called, serving, done, no_show, cancelled or expired.",
        examples=["booked"],
    )
    office: OfficeRef
    service: ServiceRef
    date: dt.date = Field(examples=["2026-03-02"])
    start: str | None = Field(description="Local time, HH:MM.", examples=["09:00"])
    end: str | None = Field(description="Local time, HH:MM.", examples=["10:00"])
    zone: str = Field(examples=["WITA"])
    name_masked: str = Field(examples=["N* M*** A***"])
    nik_masked: str = Field(examples=["5103********0001"])
    whatsapp_masked: str = Field(examples=["+62812****7890"])
    pact: SignatureOut | None
    survey_url: str | None = Field(
        None,
        description="The satisfaction survey (SKM) of this ticket, once it is `done`; null "
        "before. Valid 7 days after service; answer it once.",
        examples=["https://antrean.example.go.id/survei/3q2-Xc9ZbA1mK0pLr7sTuVwx/"],
    )


class ProofOut(Schema):
    text: str = Field(
        description="The message the citizen sends from the booking's WhatsApp number to the "
        "office's number to prove it.",
        examples=["ANTREAN 7K3M-9QXA"],
    )
    whatsapp_link: str | None = Field(
        description="`wa.me` link that opens WhatsApp with `text` written to the office's "
        "number; null when the office's number is not configured (use the one-time code).",
        examples=["https://wa.me/6281234567890?text=ANTREAN%207K3M-9QXA"],
    )
    otp_sends_left: int = Field(
        description="How many more one-time codes may be sent for this hold.", examples=[3]
    )


class HoldOut(Schema):
    hold_code: str = Field(description="The hold's code.", examples=["7K3M9QXA"])
    status: str = Field(
        description="`held` (waiting for proof of the number), `confirmed` (see `booking`) "
        "or `expired` (the place was released; book again).",
        examples=["held"],
    )
    expires_at: dt.datetime = Field(description="UTC. The place is released then.")
    proof: ProofOut | None = Field(description="How to prove the number while `held`.")
    booking: BookingOut | None = Field(
        None, description="The booking, once `confirmed` (read it with the same token)."
    )


class HoldCreatedOut(HoldOut):
    token: str = Field(
        description="Secret that lets its holder read the hold, ask for a code, confirm it and, "
        "once confirmed, read and cancel the booking (`X-Booking-Token`). Returned only once."
    )


class OtpSentOut(Schema):
    otp_expires_at: dt.datetime = Field(description="UTC. The code stops working then.")
    otp_sends_left: int = Field(examples=[2])


class OtpIn(Schema):
    otp: Text = Field(max_length=20, description="The six digits received by WhatsApp.")


class DrawEntryIn(Schema):
    service_id: Id = Field(examples=[7])
    date: IsoDate = Field(
        description="The service day, YYYY-MM-DD.",
        examples=["2026-03-09"],
        json_schema_extra={"pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    )
    name: Text = Field(description="2 to 100 characters, any script.", examples=["Ni Made Ayu"])
    nik: Text = Field(description="16-digit NIK.", examples=["5103014101900001"])
    whatsapp: Text = Field(description="Indonesian mobile number.", examples=["081234567890"])
    pact_version: Id = Field(description="`version` from the office's pact.", examples=[1])
    pact_sha256: Text = Field(max_length=200, description="`sha256` from the office's pact.")
    pact_agreed: StrictBool = Field(description="Must be `true`.", examples=[True])
    whatsapp_consent: StrictBool = Field(False)


class DrawEntryOut(Schema):
    entry_code: str = Field(description="The request code.", examples=["7K3M9QXA"])
    status: str = Field(
        description="`entered` (waiting for the draw), `won` (see `booking`), `waitlisted` "
        "(see `waitlist_position`) or `refused` (won, but no booking could be made: `reason`).",
        examples=["entered"],
    )
    draw_id: int = Field(examples=[12])
    entry_hash: str = Field(
        description="This entry's line in the draw's public record (SHA-256 of "
        '"<draw id>:<entry code>").'
    )
    closes_at: dt.datetime = Field(description="UTC: when the places are drawn.")
    rank: int | None = Field(None, description="Place in the draw's order, once drawn.")
    waitlist_position: int | None = Field(None, description="1: the next to move up.")
    reason: str = Field("", description="Why a won entry could not be booked.")
    booking: BookingOut | None = Field(
        None, description="The booking, once won (read and cancel it with the same token)."
    )


class DrawEntryCreatedOut(DrawEntryOut):
    token: str = Field(
        description="Secret that reads this entry and, if it wins, its booking "
        "(`X-Booking-Token`). Returned only once."
    )


class DrawResultLine(Schema):
    rank: int
    hash: str
    outcome: str = Field(description="What the draw decided: won, refused or waitlisted.")


class DrawOut(Schema):
    id: int
    office: str = Field(description="Office code.")
    service: str
    date: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    status: str = Field(description="`open` or `drawn`.")
    commitment: str = Field(description="SHA-256 of the seed, published when the window opened.")
    seed: str | None = Field(description="The seed, revealed at the draw; null before.")
    places: int | None = Field(description="Places drawn; null before the draw.")
    entries: list[str] = Field(description="Every entry's hash, sorted.")
    result: list[DrawResultLine] = Field(
        description='The order: entry hashes sorted by SHA-256 of "<seed>:<hash>".'
    )
    winners: list[str]


# --- Staff and queue (issue 5) -------------------------------------------------------------


class TokenIn(Schema):
    username: Text = Field(max_length=150, examples=["disdukcapil"])
    password: Text = Field(max_length=1024)
    otp: Text | None = Field(
        None,
        max_length=40,
        description="Two-factor code: the current 6-digit code of the account's authenticator "
        "app, or one unused recovery code. Required for admin roles (office, agency and "
        "national admins, superusers) and for any account that turned two-factor sign-in on; "
        "officers without it leave it out. Each code is accepted once.",
        examples=["492039"],
    )


class UserOut(Schema):
    username: str = Field(examples=["disdukcapil"])
    name: str = Field(description="Full name, or the username when none is set.")


class AgencyRef(Schema):
    code: str = Field(examples=["disdukcapil"])
    name: str = Field(examples=["Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung"])


class MembershipOut(Schema):
    role: str = Field(
        description="officer, agency_admin, office_admin or national_admin.",
        examples=["officer"],
    )
    office: OfficeRef | None
    agency: AgencyRef | None


class TokenOut(Schema):
    token: str = Field(
        description="Send as `Authorization: Bearer <token>` on staff calls. Returned only "
        "once; only its hash is stored."
    )
    expires_at: dt.datetime = Field(description="UTC; log in again after it.")
    user: UserOut
    memberships: list[MembershipOut]


class CounterServiceOut(Schema):
    id: int = Field(examples=[12])
    code: str = Field(examples=["ktp-el"])
    name: str = Field(examples=["Perekaman KTP-el"])
    prefix: str = Field(examples=["A"])


class CurrentNumberOut(Schema):
    number: str = Field(examples=["A-007"])
    status: str = Field(description="called, serving or on_hold.", examples=["called"])


class CounterOut(Schema):
    id: int = Field(examples=[3])
    number: int = Field(description="Counter number announced when calling.", examples=[3])
    name: str = Field(examples=["Loket 3"])
    agency: AgencyRef
    services: list[CounterServiceOut]
    current: CurrentNumberOut | None = Field(description="The number at this counter now, or null.")


class OfficerPactOut(Schema):
    version: int = Field(examples=[1])
    scope: str = Field(
        "national", description="Whose text `version` numbers: `national` or `office`."
    )
    clauses_version: int | None = Field(
        None, description="Version of the office's clauses after the national text, or null."
    )
    sha256: str = Field(description="SHA-256 of the exact text; send it back to sign.")
    language: str = Field(examples=["id"])
    title: str = Field(examples=["Pakta Integritas Petugas Layanan"])
    text: str = Field(description="The full text the officer must be shown before agreeing.")
    signed_today: bool = Field(description="Whether the officer signed today (office time).")
    signed_at: dt.datetime | None = Field(description="UTC time of today's signature.")
    ledger_seq: int | None = Field(
        description="Position of today's signature in the office's ledger."
    )


class OfficerPactIn(Schema):
    office: Text | None = Field(
        None,
        max_length=40,
        description="Office code; may be left out when the account belongs to one office.",
        examples=["mpp-badung"],
    )
    pact_version: Id = Field(examples=[1])
    pact_sha256: Text = Field(max_length=200)
    pact_agreed: StrictBool = Field(description="Must be `true`.", examples=[True])


class CheckInIn(Schema):
    code: Text = Field(
        max_length=32, description="Booking code (or the content of its QR).", examples=["7K3M9QXA"]
    )
    nik_last4: Text = Field(
        max_length=8, description="The last 4 digits of the booker's NIK.", examples=["0001"]
    )


class PositionOut(Schema):
    ahead: int = Field(description="Tickets called before this one, as the queue is now.")
    minutes: int = Field(description="Rough wait estimate.")


class CheckedInOut(Schema):
    id: int
    code: str = Field(examples=["7K3M9QXA"])
    number: str = Field(examples=["A-007"])
    service: ServiceRef
    status: str = Field(examples=["waiting"])
    position: PositionOut


class WalkInIn(Schema):
    service_id: Id = Field(examples=[12])
    name: Text = Field(description="2 to 100 characters.", examples=["I Wayan Sudarma"])
    pact_version: Id = Field(description="`version` of the office's citizen pact.", examples=[1])
    pact_sha256: Text = Field(max_length=200)
    pact_agreed: StrictBool = Field(
        description="Must be `true`: the citizen read the pact and agreed to it."
    )
    priority: Literal[tuple(Priority.values)] = Field(
        "",
        description="Priority group: empty, `lansia`, `disabilitas`, `ibu_hamil` or `anak`.",
        examples=[""],
    )


class WalkInOut(Schema):
    id: int
    code: str = Field(examples=["7K3M9QXA"])
    number: str = Field(examples=["A-012"])
    service: ServiceRef
    status: str = Field(examples=["waiting"])
    token: str = Field(description="Secret for the citizen's status page; shown only here.")
    status_url: str = Field(description="The ticket's own page, for the citizen (print as QR).")


class CounterRef(Schema):
    id: int = Field(examples=[3])
    number: int = Field(examples=[3])
    name: str = Field(examples=["Loket 3"])


class StaffTicketOut(Schema):
    id: int
    number: str = Field(examples=["A-007"])
    service: ServiceRef
    status: str = Field(examples=["called"])
    counter: CounterRef | None
    priority: str = Field(description="Priority group, empty for none.", examples=[""])
    channel: str = Field(description="web, api, kiosk or counter.", examples=["web"])
    name_masked: str = Field(examples=["N* M*** A***"])
    pact_signed: bool = Field(description="Whether the citizen signed the integrity pact.")
    arrived_at: dt.datetime | None = Field(description="UTC check-in or walk-in time.")
    called_at: dt.datetime | None
    started_at: dt.datetime | None


class StaffTicketReadOut(StaffTicketOut):
    survey_url: str | None = Field(
        description="Once the ticket is `done`: its satisfaction survey, to open on the "
        "counter's feedback tablet or show as a QR. Null before."
    )


class TicketMoveOut(Schema):
    ticket: StaffTicketOut


class CounterIn(Schema):
    counter_id: Id = Field(description="The counter the officer is working at.", examples=[3])


class TransferIn(CounterIn):
    service_id: Id = Field(description="Another service of the same office.", examples=[14])


class CallIn(Schema):
    ticket_id: Id
    reason: Text = Field(
        max_length=500,
        description="Why this ticket goes out of order (at least 5 characters); recorded and "
        "flagged for the office's audit.",
    )


class QueueOut(Schema):
    service: ServiceRef
    waiting: int
    estimate_minutes: int = Field(description="Estimated wait for the last one in the queue.")


class OfficerStateOut(Schema):
    pact_signed_today: bool
    signed_at: dt.datetime | None


class CounterStateOut(Schema):
    counter: CounterRef
    current: StaffTicketOut | None
    queues: list[QueueOut]
    officer: OfficerStateOut


class WaitOut(Schema):
    service_id: int
    waiting: int = Field(description="Tickets waiting now.")
    open_counters: int = Field(description="Counters that called someone recently (at least 1).")
    minutes_per_ticket: float = Field(description="Average of recent service times.")
    minutes: int = Field(description="Estimated wait for someone joining the queue now.")


# --- Satisfaction survey (issue 12) --------------------------------------------------------

_Answer = Annotated[StrictInt, BeforeValidator(_integral)]


class SurveyChoiceOut(Schema):
    value: int | str = Field(examples=[4])
    label: str = Field(examples=["Sangat sesuai"])


class SurveyQuestionOut(Schema):
    code: str = Field(description="`u1` … `u9`, the official element numbers.", examples=["u1"])
    name: str = Field(examples=["Persyaratan"])
    question: str
    answers: list[SurveyChoiceOut] = Field(description="Values 1 to 4 with their labels.")


class SurveyProfileOut(Schema):
    sex: list[SurveyChoiceOut]
    age_band: list[SurveyChoiceOut]
    education: list[SurveyChoiceOut]
    occupation: list[SurveyChoiceOut]


class SurveyOut(Schema):
    status: Literal["open", "survey_not_open", "survey_expired", "survey_already_answered"] = Field(
        description="`open` when it can be answered now; else the error code a POST gets."
    )
    message: str | None = Field(description="Why it cannot be answered now (else null).")
    office: OfficeRef
    service: ServiceRef
    expires_at: dt.datetime | None = Field(description="UTC; null until the service is done.")
    questions: list[SurveyQuestionOut] = Field(description="The nine elements, in order.")
    profile: SurveyProfileOut = Field(description="Allowed values of the profile fields.")
    suggestion_max_length: int = Field(examples=[1000])


class SurveyIn(Schema):
    answers: dict[str, _Answer] = Field(
        description="`u1` … `u9`, each 1 to 4 (all nine required).",
        examples=[{f"u{n}": 4 for n in range(1, 10)}],
    )
    sex: Text = Field(max_length=20, description="`L` or `P`.", examples=["P"])
    age_band: Text = Field(
        max_length=20,
        description="`<=20`, `21-30`, `31-40`, `41-50`, `51-60` or `>60`.",
        examples=["31-40"],
    )
    education: Text = Field(
        max_length=20,
        description="`sd`, `smp`, `sma`, `diploma`, `s1`, `s2` or `s3`.",
        examples=["s1"],
    )
    occupation: Text = Field(
        max_length=20,
        description="`pns`, `tni`, `polri`, `swasta`, `wirausaha`, `pelajar` or `lainnya`.",
        examples=["swasta"],
    )
    suggestion: Text = Field("", max_length=1000, description="Optional, free text.")


class SurveyRecordedOut(Schema):
    status: Literal["answered"]
    message: str = Field(examples=["Terima kasih atas penilaian Anda."])
