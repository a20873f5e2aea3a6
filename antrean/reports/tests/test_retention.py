"""The retention job and reports: closed reports lose the reporter's text, contact and files
once closed for the period; open ones are kept; the office's chain still verifies; and the
citizen's "Data saya" export never shows a report."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from antrean.integrity.ledger import ledger_verify
from antrean.notifications.models import Message
from antrean.notifications.services import message_queue_report_received
from antrean.privacy.selectors import personal_data_export
from antrean.privacy.services import personal_data_erase_expired
from antrean.reports.models import Outcome, Report, ReportAttachment, ReportStatus
from antrean.reports.services import AttachmentIn, report_file, report_move
from antrean.testing.signin import sign_in

DAYS = 365
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
TEXT = "Petugas meminta Rp 50.000 agar berkas saya didahulukan."
CONTACT = "0812-3456-7890"


@pytest.fixture(autouse=True)
def period(settings):
    settings.ANTREAN_RETENTION_DAYS = DAYS


def file(desk, *, at):
    return report_file(
        office=desk.office,
        ticket=desk.ticket,
        text=TEXT,
        contact=CONTACT,
        attachments=[AttachmentIn(PNG)],
        now=at,
    )


def close(desk, report, *, at):
    return report_move(
        report=report,
        by=desk.inspector,
        to=ReportStatus.CLOSED,
        outcome=Outcome.SUBSTANTIATED,
        reason="Terbukti dari keterangan saksi dan rekaman kamera.",
        now=at,
    )


@pytest.fixture
def two(desk):
    """A report closed on the day it was filed, and one still under review."""
    closed = file(desk, at=desk.now)
    close(desk, closed, at=desk.now + dt.timedelta(hours=2))
    open_ = file(desk, at=desk.now + dt.timedelta(hours=1))
    report_move(report=open_, by=desk.inspector, to=ReportStatus.UNDER_REVIEW, now=desk.now)
    return closed, open_


def test_a_closed_report_is_erased_after_the_period_and_an_open_one_is_kept(desk, two):
    closed, open_ = two
    later = desk.now + dt.timedelta(days=DAYS + 1)

    result = personal_data_erase_expired(now=later, scrub_sessions=False)

    assert result.reports == 1
    closed.refresh_from_db()
    assert (closed.text, closed.contact, closed.erased_at) == ("", "", later)
    attachment = ReportAttachment.objects.get(report=closed)
    assert bytes(attachment.data) == b"" and len(attachment.sha256) == 64
    # Facts and the chained steps stay.
    assert closed.officer == desk.officer and closed.steps.count() == 2
    open_.refresh_from_db()
    assert (open_.text, open_.contact, open_.erased_at) == (TEXT, CONTACT, None)
    assert bytes(ReportAttachment.objects.get(report=open_).data) != b""
    # The chain still verifies after erasure.
    assert ledger_verify(office=desk.office).ok
    # Idempotent: a second run finds nothing.
    assert personal_data_erase_expired(now=later, scrub_sessions=False).reports == 0


def test_nothing_is_erased_before_the_period_counted_from_closing(desk):
    report = file(desk, at=desk.now)
    close(desk, report, at=desk.now + dt.timedelta(days=300))

    early = personal_data_erase_expired(
        now=desk.now + dt.timedelta(days=DAYS + 1), scrub_sessions=False
    )
    assert early.reports == 0
    report.refresh_from_db()
    assert report.text == TEXT and report.erased_at is None

    dry = personal_data_erase_expired(
        now=desk.now + dt.timedelta(days=300 + DAYS + 1), dry_run=True
    )
    assert dry.reports == 1
    report.refresh_from_db()
    assert report.text == TEXT  # a dry run only counts


def test_a_status_copy_set_to_closed_does_not_get_an_open_report_erased(desk, two):
    _closed, open_ = two
    Report.objects.filter(pk=open_.pk).update(status=ReportStatus.CLOSED)

    personal_data_erase_expired(now=desk.now + dt.timedelta(days=DAYS * 3), scrub_sessions=False)

    open_.refresh_from_db()
    assert open_.text == TEXT and open_.erased_at is None


def test_after_erasure_the_facts_are_still_covered_and_erasure_cannot_be_faked(desk, two):
    closed, open_ = two
    personal_data_erase_expired(now=desk.now + dt.timedelta(days=DAYS + 1), scrub_sessions=False)

    # An erased report's facts are still covered by the chain.
    Report.objects.filter(pk=closed.pk).update(ticket_number="Z-999")
    broken = ledger_verify(office=desk.office)
    assert not broken.ok and "changed" in broken.problem
    Report.objects.filter(pk=closed.pk).update(ticket_number=desk.ticket.number)
    assert ledger_verify(office=desk.office).ok

    # Marking an open report erased (to swap its text unseen) is named.
    Report.objects.filter(pk=open_.pk).update(erased_at=desk.now, text="", contact="")
    faked = ledger_verify(office=desk.office)
    assert not faked.ok and "still open" in faked.problem
    assert faked.bad_entry == f"report {open_.pk}"


def test_an_erased_report_that_holds_text_again_is_named(desk, two):
    closed, _open = two
    personal_data_erase_expired(now=desk.now + dt.timedelta(days=DAYS + 1), scrub_sessions=False)

    Report.objects.filter(pk=closed.pk).update(text="Teks yang disisipkan kemudian.")

    result = ledger_verify(office=desk.office)
    assert not result.ok and "still holds" in result.problem


def test_the_pages_after_erasure(client, desk, two):
    closed, _open = two
    personal_data_erase_expired(now=desk.now + dt.timedelta(days=DAYS + 1), scrub_sessions=False)
    attachment = ReportAttachment.objects.get(report=closed)

    sign_in(client, desk.inspector)
    page = client.get(reverse("reports:inspectorate_detail", args=[closed.tracking_code]))
    body = page.content.decode()
    assert page.status_code == 200 and TEXT not in body and CONTACT not in body
    assert "dihapus" in body and "Terbukti" in body
    download = reverse(
        "reports:inspectorate_attachment", args=[closed.tracking_code, attachment.pk]
    )
    assert download not in body and client.get(download).status_code == 404
    export = reverse("reports:inspectorate_export", args=[closed.tracking_code])
    assert export not in body and client.get(export).status_code == 404
    listed = client.get("/api/v1/reports/" + closed.tracking_display).json()
    assert listed["status"] == "closed"


def test_the_receipt_of_a_lapor_message_loses_its_number_after_the_period(desk):
    message = message_queue_report_received(
        office=desk.office, recipient="+6281234567890", tracking_code="ABCD-2345-WXYZ"
    )
    Message.objects.filter(pk=message.pk).update(created_at=desk.now)

    personal_data_erase_expired(now=desk.now + dt.timedelta(days=30), scrub_sessions=False)
    message.refresh_from_db()
    assert message.recipient == "+6281234567890"

    result = personal_data_erase_expired(
        now=desk.now + dt.timedelta(days=DAYS + 1), scrub_sessions=False
    )
    message.refresh_from_db()
    assert result.messages >= 1 and (message.recipient, message.params) == ("", [])


def test_the_citizens_data_export_never_shows_a_report(desk, two):
    """ "Data saya" is opened with the booking code and the NIK, which the officer who served
    the ticket may know: listing reports there would tell the officer who reported. A
    reporter follows a report by its tracking code only."""
    closed, open_ = two
    message_queue_report_received(
        office=desk.office, recipient=desk.ticket.phone or "+6281234567890", tracking_code="X"
    )

    exported = json.dumps(personal_data_export(ticket=desk.ticket, now=desk.now))

    for report in (closed, open_):
        assert report.tracking_code not in exported
        assert report.tracking_display not in exported
    assert TEXT not in exported and CONTACT not in exported
    assert "report" not in exported.lower() and "laporan" not in exported.lower()
