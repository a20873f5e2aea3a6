"""SP4N-LAPOR! (lapor.go.id), the national complaint system: the adapter point.

Its API is documented only to registered agencies, so the default adapter makes no call: it
gives the report in SP4N-LAPOR!'s fields (a file the inspectorate can upload or retype) and a
link to lapor.go.id's form with the title, place and date filled in. An agency with API access adds
an adapter here (`ANTREAN_LAPOR_ADAPTER`) that submits the same fields.
"""

import datetime as dt
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.utils.module_loading import import_string

from antrean.reports.models import Report

LAPOR_URL = "https://www.lapor.go.id/"
CATEGORY = "Pungutan Liar / Gratifikasi"


def export_fields(report: Report, *, now: dt.datetime) -> dict:
    """The fields SP4N-LAPOR!'s form asks for. `anonymous`: the reporter's identity is not
    given (our `identity_to_office` off); `confidential`: the report is not published (always,
    for a report about an officer)."""
    office = report.office
    local = report.created_at.astimezone(office.zone)
    where = office.name + (f", {office.address}" if office.address else "")
    facts = []
    if report.ticket_number:
        facts.append(f"Nomor antrean {report.ticket_number} tanggal {report.ticket_date}")
    if report.service_id:
        facts.append(f"layanan {report.service.name}")
    if report.counter_id:
        facts.append(f"loket {report.counter.number}")
    text = report.text + (("\n\n" + ", ".join(facts) + ".") if facts else "")
    return {
        "title": f"Permintaan imbalan di {office.name}",
        "text": text,
        "category": CATEGORY,
        "location": where,
        "date": local.date().isoformat(),
        "attachments": [
            {
                "name": f"laporan-{report.tracking_code}-{a.pk}.{a.extension}",
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in report.attachments.all()
        ],
        "anonymous": not report.identity_to_office,
        "confidential": True,
        "reference": report.tracking_display,
        "exported_at": now.astimezone(dt.UTC).isoformat(),
    }


class LaporAdapter(Protocol):
    def link(self, report: Report) -> str: ...


class PrefilledLinkAdapter:
    """The default: a link to lapor.go.id with the title, place and date filled in. The
    citizen's text stays out of the address (personal data never goes in a URL): it is in
    the exported file."""

    def link(self, report: Report) -> str:
        fields = export_fields(report, now=report.updated_at)
        query = urlencode(
            {"judul": fields["title"], "lokasi": fields["location"], "tanggal": fields["date"]}
        )
        return f"{LAPOR_URL}?{query}"


def adapter() -> LaporAdapter:
    path = getattr(settings, "ANTREAN_LAPOR_ADAPTER", "")
    return import_string(path)() if path else PrefilledLinkAdapter()
