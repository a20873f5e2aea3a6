"""The public transparency pages: no sign-in, no personal data, readable without JavaScript.

Thin: read the figures (antrean.stats.selectors) and render. The open data behind them is the
API's (`/api/v1/open/…`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from antrean.core.errors import ErrorCode
from antrean.stats import selectors


@require_safe
def transparency_index(request: HttpRequest) -> HttpResponse:
    rows = selectors.transparency_index(now=timezone.now())
    return render(
        request,
        "stats/transparency_index.html",
        {
            "rows": rows,
            "quarter": rows[0].quarter if rows else None,
            "public_min": selectors.PUBLIC_MIN,
        },
    )


@require_safe
def transparency_office(request: HttpRequest, office_code: str) -> HttpResponse:
    office = selectors.public_office(code=office_code)
    if office is None:
        return render(
            request,
            "booking/not_found.html",
            {"message": ErrorCode.NOT_FOUND.message},
            status=404,
        )
    now = timezone.now()
    return render(
        request,
        "stats/transparency_office.html",
        {
            "office": office,
            "page": selectors.office_transparency(office=office, now=now),
            # A wall-clock time: the template must not convert it to the server's zone.
            "local_time": office.local_now(now).time(),
            "public_min": selectors.PUBLIC_MIN,
        },
    )
