"""Open data (public, CC BY 4.0): the daily figures of an office per service, as JSON or CSV,
and the catalogue that describes them. Counts only, small cells suppressed
(antrean.stats.open_data); cacheable; limited per client address like the other public
endpoints that can be called in bulk."""

import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from antrean.api.public import _office_get
from antrean.api.schemas import ErrorOut, IsoDate, PlainText
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_ip
from antrean.core.ratelimit import rate_limit_take
from antrean.stats.open_data import (
    DAILY_FIELDS,
    MAX_DAYS,
    RULES,
    SUPPRESS_BELOW,
    catalog,
    office_daily_rows,
    period_refusal,
    rows_csv,
)

router = Router(tags=["Open data"])

_TYPES = {"string": str, "integer": int, "number": float}

DailyRowOut = create_model(
    "OpenDailyRowOut",
    __base__=Schema,
    **{
        field.name: (
            _TYPES[field.type] | None if field.nullable else _TYPES[field.type],
            Field(
                description=" ".join([field.en, RULES[field.rule]["en"] if field.nullable else ""])
            ),
        )
        for field in DAILY_FIELDS
    },
)


class OpenOfficeOut(Schema):
    code: str
    name: str


class OpenDailyOut(Schema):
    office: OpenOfficeOut
    date_from: dt.date = Field(alias="from", examples=["2026-11-01"])
    date_to: dt.date = Field(alias="to", examples=["2026-11-30"])
    licence: str = Field(description="Always CC-BY-4.0.", examples=["CC-BY-4.0"])
    suppressed_below: int = Field(
        description="Cells built from fewer than this many people are null.", examples=[5]
    )
    rows: list[DailyRowOut]  # type: ignore[valid-type]


# Roll-ups are refreshed every ten minutes: a shared cache may keep an answer that long.
DAILY_MAX_AGE = 600
CATALOG_MAX_AGE = 3600


def _limit(request) -> None:
    if not rate_limit_take(
        scope="open-data",
        key=client_ip(request),
        limit=settings.ANTREAN_OPEN_DATA_PER_ADDRESS,
        window=settings.ANTREAN_OPEN_DATA_WINDOW,
    ):
        raise DomainError(ErrorCode.RATE_LIMITED, retry_after=settings.ANTREAN_OPEN_DATA_WINDOW)


def _cacheable(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"  # public data: any site may read it
    return response


_CSV_DOC = {
    "responses": {
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "office_code,agency_code,service_code,date,tickets,…\r\n",
                }
            }
        }
    }
}


@router.get(
    "/open/offices/{code}/daily",
    response={200: OpenDailyOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="getOpenOfficeDaily",
    summary="Open data: an office's figures per service and day",
    by_alias=True,
    openapi_extra=_CSV_DOC,
    description="One row per service and local day of the office in `from`…`to` (at most "
    f"{MAX_DAYS} days, else 422 `invalid_period`, as is `from` after `to`), from the daily "
    "roll-ups: queue numbers by channel, served, no-shows, calls by pledged officers, waiting "
    "percentiles, pacts, survey answers and the service's monthly IKM. Days without activity "
    "have no row. Cells built from fewer than "
    f"{SUPPRESS_BELOW} people are null (empty in CSV); `/api/v1/open/catalog` gives each "
    "field's rule. `format=csv` answers `text/csv`. Licence CC BY 4.0. 404 `not_found` for "
    "an unknown office; 429 `rate_limited` after too many requests from one address.",
)
def get_open_daily(
    request,
    code: PlainText,
    date_from: IsoDate = Query(..., alias="from", description="First local day, YYYY-MM-DD."),
    date_to: IsoDate = Query(..., alias="to", description="Last local day, YYYY-MM-DD."),
    data_format: Literal["json", "csv"] = Query(
        "json", alias="format", description="`json` (default) or `csv`."
    ),
):
    _limit(request)
    office = _office_get(code)
    wrong = period_refusal(date_from, date_to)
    if wrong:
        raise DomainError(ErrorCode.INVALID_PERIOD, field=wrong)
    rows = office_daily_rows(office=office, start=date_from, end=date_to, now=timezone.now())
    if data_format == "csv":
        response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
        filename = f"antrean-{office.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _cacheable(response, DAILY_MAX_AGE)
    body = {
        "office": {"code": office.code, "name": office.name},
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "licence": "CC-BY-4.0",
        "suppressed_below": SUPPRESS_BELOW,
        "rows": rows,
    }
    return _cacheable(JsonResponse(body), DAILY_MAX_AGE)


@router.get(
    "/open/catalog",
    response={200: dict, 429: ErrorOut},
    operation_id="getOpenDataCatalog",
    summary="Open data: the catalogue",
    description="Each open data set: what it holds, its URL and formats, its fields (name, "
    "type, description in Indonesian and English), each field's suppression rule, and the "
    "licence (CC BY 4.0).",
)
def get_open_catalog(request):
    _limit(request)
    return _cacheable(JsonResponse(catalog(base_url=settings.SITE_URL)), CATALOG_MAX_AGE)
