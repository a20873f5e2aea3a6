"""The public satisfaction index (IKM) of an office: aggregates only, never a response."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from antrean.api.public import _office_get
from antrean.api.schemas import MAX_ID, ErrorOut, IsoDate, PlainText
from antrean.catalog.models import Service
from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.models import ANONYMITY_MIN
from antrean.feedback.questionnaire import ELEMENTS
from antrean.feedback.selectors import MAX_PERIOD_DAYS, ikm_aggregate, whole_months

router = Router(tags=["Satisfaction"])

_NRR_EXAMPLE = {element.code: 3.5 for element in ELEMENTS}


class IkmOut(Schema):
    date_from: dt.date = Field(
        alias="from",
        description="First day of the period the figures cover: the first day of the "
        "requested `from`'s month.",
        examples=["2025-01-01"],
    )
    date_to: dt.date = Field(
        alias="to",
        description="Last day of the period the figures cover: the last day of the requested "
        "`to`'s month.",
        examples=["2025-03-31"],
    )
    responses: int = Field(description="Survey responses in the period.", examples=[6])
    population: int = Field(
        description="Tickets served to the end in the same office (or service) and period.",
        examples=[120],
    )
    minimum_sample: int = Field(
        description="Respondents the Krejcie–Morgan table asks for that population.",
        examples=[92],
    )
    nrr: dict[str, float] | None = Field(
        description="Mean answer (1–4) per element `u1`…`u9`, rounded to 2 decimals for "
        f"display. Null below {ANONYMITY_MIN} responses.",
        examples=[_NRR_EXAMPLE],
    )
    ikm: float | None = Field(
        description="25 × the mean of the unrounded NRRs, rounded half up to 2 decimals "
        f"(25–100). Null below {ANONYMITY_MIN} responses.",
        examples=[87.5],
    )
    grade: str | None = Field(description="A, B, C or D.", examples=["B"])
    label: str | None = Field(
        description="The grade's label in the request's language.", examples=["Baik"]
    )


@router.get(
    "/offices/{code}/ikm",
    response={200: IkmOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="getOfficeIkm",
    summary="The office's satisfaction index (IKM) over a period",
    by_alias=True,
    description="Aggregates of the satisfaction survey (PermenPANRB 14/2017) over whole "
    "calendar months of the office's local days: `from`…`to` is widened to the first day of "
    "`from`'s month and the last day of `to`'s month (the answer's `from` and `to`), at most "
    f"twelve months ({MAX_PERIOD_DAYS} days) once widened, otherwise 422 `invalid_period`; "
    "for the whole office or one of its services (`service_id`; another office's service is "
    f"404 `not_found`). Below {ANONYMITY_MIN} responses, or when any month of the period "
    f"holds between 1 and {ANONYMITY_MIN - 1} responses, only the counts are given: `nrr`, "
    "`ikm`, `grade` and `label` are null, so that no one's answers can be read, not even by "
    "subtracting two periods.",
)
def get_office_ikm(
    request,
    code: PlainText,
    date_from: IsoDate = Query(..., alias="from", description="First local day, YYYY-MM-DD."),
    date_to: IsoDate = Query(..., alias="to", description="Last local day, YYYY-MM-DD."),
    service_id: int | None = Query(None, description="One service of the office."),
):
    office = _office_get(code)
    service = None
    if service_id is not None:
        if 1 <= service_id <= MAX_ID:
            service = Service.objects.filter(pk=service_id, agency__office=office).first()
        if service is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="service_id")
    start, end = whole_months(date_from, date_to)
    aggregate = ikm_aggregate(office=office, start=start, end=end, service=service)
    result = aggregate.result
    return {
        "from": start,
        "to": end,
        "responses": aggregate.responses,
        "population": aggregate.population,
        "minimum_sample": aggregate.minimum_sample,
        "nrr": {key: float(value) for key, value in result.nrr.items()} if result else None,
        "ikm": float(result.ikm) if result else None,
        "grade": result.grade.letter if result else None,
        "label": str(result.grade.label) if result else None,
    }
