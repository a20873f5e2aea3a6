"""Report steps in the office's chain: tampering with a report or a step is caught."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import PactSignature
from antrean.reports.models import Outcome, ReportAttachment, ReportStatus, ReportStep
from antrean.reports.services import AttachmentIn, report_file, report_move
from antrean.testing.factories import make_booking, make_slot

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def verify(office):
    return ledger_verify(office=office)


def command_output(office):
    out = io.StringIO()
    try:
        call_command("verify_ledger", office=office.code, stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def filed(desk):
    report = report_file(
        office=desk.office,
        ticket=desk.ticket,
        text="Petugas meminta imbalan agar berkas didahulukan.",
        attachments=[AttachmentIn(PNG)],
        now=desk.now,
    )
    # Signatures and report steps interleave in one chain.
    make_booking(make_slot(desk.service, start=dt.time(11), end=dt.time(12)))
    report_move(report=report, by=desk.inspector, to=ReportStatus.UNDER_REVIEW, now=desk.now)
    return report


def test_signatures_and_report_steps_interleave_in_one_chain_that_verifies(desk, filed):
    kinds = sorted(
        [(s.ledger_seq, "signature") for s in PactSignature.objects.filter(office=desk.office)]
        + [(s.ledger_seq, "report") for s in ReportStep.objects.filter(office=desk.office)]
    )
    assert [k for _seq, k in kinds] == ["signature", "signature", "report", "signature", "report"]
    assert [seq for seq, _k in kinds] == [1, 2, 3, 4, 5]
    result = verify(desk.office)
    assert result.ok and result.entries == 5


def test_the_command_verifies_the_chain_with_report_steps(desk, filed):
    code, output = command_output(desk.office)
    assert code == 0 and f"OK   {desk.office.code}: 5 entries" in output


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_edited_report_text_breaks_the_chain(desk, filed):
    other = type(filed).objects.get(pk=filed.pk)
    other.text = "Tidak ada apa-apa."
    other.save(update_fields=["text"])  # a valid ciphertext of another text
    result = verify(desk.office)
    assert not result.ok and result.bad_seq == 3
    assert result.bad_entry == f"report_step {filed.steps.first().pk}"
    assert "changed" in result.problem


@pytest.mark.parametrize(
    ("column", "value"),
    [("identity_to_office", True), ("officer_id", None), ("counter_id", None)],
)
def test_edited_ticket_facts_or_anonymity_break_the_chain(desk, filed, column, value):
    _raw(f"UPDATE reports_report SET {column} = %s WHERE id = %s", [value, filed.pk])  # noqa: S608
    assert not verify(desk.office).ok


def test_a_deleted_attachment_breaks_the_chain(desk, filed):
    ReportAttachment.objects.filter(report=filed).delete()
    assert not verify(desk.office).ok


def test_a_deleted_step_breaks_the_chain(desk, filed):
    last = filed.steps.order_by("ledger_seq").last()
    _raw("DELETE FROM reports_reportstep WHERE id = %s", [last.pk])
    result = verify(desk.office)
    assert not result.ok
    assert "removed" in result.problem or "missing" in result.problem


def test_a_deleted_report_breaks_the_chain(desk, filed):
    _raw("DELETE FROM reports_reportattachment WHERE report_id = %s", [filed.pk])
    _raw("DELETE FROM reports_reportstep WHERE report_id = %s", [filed.pk])
    _raw("DELETE FROM reports_report WHERE id = %s", [filed.pk])
    result = verify(desk.office)
    assert not result.ok and "entry #3 is missing" in result.problem


def test_an_edited_step_breaks_the_chain(desk, filed):
    report_move(
        report=filed,
        by=desk.inspector,
        to=ReportStatus.CLOSED,
        outcome=Outcome.NOT_SUBSTANTIATED,
        reason="Tidak ditemukan bukti pendukung.",
        now=desk.now,
    )
    closing = filed.steps.order_by("ledger_seq").last()
    _raw(
        "UPDATE reports_reportstep SET outcome = %s WHERE id = %s",
        [Outcome.SUBSTANTIATED, closing.pk],
    )
    result = verify(desk.office)
    assert not result.ok and result.bad_seq == closing.ledger_seq


def test_the_command_fails_on_a_tampered_report(desk, filed):
    _raw("UPDATE reports_report SET identity_to_office = %s WHERE id = %s", [True, filed.pk])
    code, output = command_output(desk.office)
    assert code != 0 and "report_step" in output


# --- The status copy against the latest chained step -----------------------------------------


def test_an_edited_status_copy_is_named_by_verify(desk, filed):
    from antrean.reports.models import Report

    Report.objects.filter(pk=filed.pk).update(
        status=ReportStatus.CLOSED, outcome=Outcome.NOT_SUBSTANTIATED
    )

    result = verify(desk.office)

    assert not result.ok
    assert result.bad_entry == f"report {filed.pk}"
    assert filed.tracking_display in result.problem and "under_review" in result.problem
    code, output = command_output(desk.office)
    assert code == 1 and f"report {filed.pk}" in output


def test_a_report_without_any_step_is_named_by_verify(desk, filed):
    from antrean.reports.models import Report

    forged = Report.objects.create(
        office=desk.office,
        tracking_code="FORGED000000",
        channel="web",
        text="Laporan yang tidak pernah dicatat di buku besar.",
        created_at=desk.now,
        updated_at=desk.now,
    )

    result = verify(desk.office)

    assert not result.ok and result.bad_entry == f"report {forged.pk}"
    assert "no step" in result.problem


def test_an_edited_kept_hash_is_named_before_erasure_could_hide_it(desk, filed):
    from antrean.reports.models import Report

    Report.objects.filter(pk=filed.pk).update(personal_hash="0" * 64)

    result = verify(desk.office)

    assert not result.ok and "kept hash" in result.problem


def test_moves_follow_the_chained_step_not_the_copy(desk, filed):
    from antrean.core.errors import DomainError
    from antrean.reports.models import Report

    # Someone sets the copy to closed: the inspectorate can still close it for real.
    Report.objects.filter(pk=filed.pk).update(status=ReportStatus.CLOSED)
    report_move(
        report=Report.objects.get(pk=filed.pk),
        by=desk.inspector,
        to=ReportStatus.CLOSED,
        outcome=Outcome.SUBSTANTIATED,
        reason="Terbukti dari rekaman kamera dan keterangan saksi.",
        now=desk.now,
    )
    # And a copy set back to "received" does not reopen a closed report.
    Report.objects.filter(pk=filed.pk).update(status=ReportStatus.RECEIVED, outcome="")
    with pytest.raises(DomainError) as refused:
        report_move(
            report=Report.objects.get(pk=filed.pk),
            by=desk.inspector,
            to=ReportStatus.UNDER_REVIEW,
            now=desk.now,
        )
    assert refused.value.code.value == "invalid_transition"
    assert ReportStep.objects.filter(report=filed).count() == 3
