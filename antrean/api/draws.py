"""The draw's API (docs/draws.md): enter a draw, read one's entry, and read a draw's public
record. Thin endpoints over antrean.draws.services."""

import re

from ninja import Header, Router
from ninja.responses import Status

from antrean.api.public import _booking_out
from antrean.api.schemas import (
    DrawEntryCreatedOut,
    DrawEntryIn,
    DrawEntryOut,
    DrawOut,
    ErrorOut,
    PlainText,
)
from antrean.booking.services import booking_get
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.draws.models import Draw, DrawEntry
from antrean.draws.services import (
    DrawEntryRequest,
    draw_enter,
    draw_record,
    entry_get,
    waitlist_position,
)
from antrean.integrity.models import Channel

router = Router()
_CODE = re.compile(r"[-0-9A-Za-z]{1,32}")
_TOKEN_HELP = "The `token` returned with the entry."  # noqa: S105 (not a secret)


def _entry_out(entry: DrawEntry, token: str) -> dict:
    booking = None
    if entry.ticket_id:
        booking = _booking_out(booking_get(code=entry.ticket.code, token=token))
    return {
        "entry_code": entry.code,
        "status": entry.status,
        "draw_id": entry.draw_id,
        "entry_hash": entry.entry_hash,
        "closes_at": entry.draw.closes_at,
        "rank": entry.rank,
        "waitlist_position": waitlist_position(entry),
        "reason": entry.reason if entry.status == "refused" else "",
        "booking": booking,
    }


@router.post(
    "/draw-entries",
    response={
        202: DrawEntryCreatedOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    tags=["Draws"],
    operation_id="enterDraw",
    summary="Enter the draw of a service's day",
    description="For a day whose slots read mode `draw`, during its window: one "
    "request per NIK (409 `duplicate_entry`), with the identity, pact and consent a booking "
    "needs. The places are drawn at `closes_at`; read the entry with its token then. 409 "
    "`draw_not_open` outside the window.",
)
def enter_draw(request, payload: DrawEntryIn):
    result = draw_enter(
        request=DrawEntryRequest(**payload.dict()),
        client=client_info(request, channel=Channel.API),
    )
    return Status(202, {**_entry_out(result.entry, result.token), "token": result.token})


@router.get(
    "/draw-entries/{code}",
    response={200: DrawEntryOut, 403: ErrorOut, 404: ErrorOut},
    tags=["Draws"],
    operation_id="getDrawEntry",
    summary="Read one's draw entry",
    description="`entered`, `won` (with the booking), `waitlisted` (with the position) or "
    "`refused`. `entry_hash` is this entry's line in the draw's public record.",
)
def get_draw_entry(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_TOKEN_HELP),
):
    if not _CODE.fullmatch(code):
        raise DomainError(ErrorCode.NOT_FOUND)
    return _entry_out(entry_get(code=code, token=token), token)


@router.get(
    "/draws/{draw_id}",
    response={200: DrawOut, 404: ErrorOut},
    tags=["Draws"],
    operation_id="getDraw",
    summary="A draw's public record",
    description="The commitment (from the window's opening), the seed (from the draw), every "
    "entry's hash, the places and the order. Anyone can recompute the order: the entry "
    "hashes sorted by SHA-256 of `<seed>:<hash>`, the first `places` that could be booked "
    "winning; `manage.py verify_draw` does it and also checks the office's ledger.",
)
def get_draw(request, draw_id: int):
    draw = None
    if 1 <= draw_id <= 2**63 - 1:
        draw = Draw.objects.select_related("office", "service").filter(pk=draw_id).first()
    if draw is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return draw_record(draw)
