"""Filing reports and moving them: facts copied from the ticket, checks, limits, permissions."""

import datetime as dt

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import decrypt_bytes
from antrean.reports.models import (
    TRACKING_ALPHABET,
    Outcome,
    Report,
    ReportAttachment,
    ReportStatus,
    ReportStep,
)
from antrean.reports.services import (
    AttachmentIn,
    report_file,
    report_file_from_booking,
    report_move,
    sniff_content_type,
)
from antrean.tenancy.models import Membership, Region
from antrean.testing.factories import (
    make_inspector,
    make_office,
    make_officer,
    make_region,
    make_superuser,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def file_from_booking(desk, **fields):
    values = {
        "code": desk.ticket.code,
        "nik_last4": "4321",
        "client_key": "198.51.100.9",
        "text": "Petugas loket meminta uang Rp50.000 agar berkas cepat selesai.",
        "now": desk.now,
    }
    values.update(fields)
    return report_file_from_booking(**values)


def test_a_report_from_a_ticket_copies_its_facts_and_chains_its_first_step(desk):
    report = file_from_booking(desk, identity_to_office=True, attachments=[AttachmentIn(PNG)])
    report.refresh_from_db()
    assert report.office == desk.office and report.ticket == desk.ticket
    assert (report.service, report.counter, report.officer) == (
        desk.service,
        desk.counter,
        desk.officer,
    )
    assert report.ticket_number == desk.ticket.number
    assert report.called_at == desk.ticket.called_at and report.finished_at is not None
    assert report.identity_to_office is True
    assert report.status == ReportStatus.RECEIVED
    assert len(report.tracking_code) == 12
    assert set(report.tracking_code) <= set(TRACKING_ALPHABET)
    step = ReportStep.objects.get(report=report)
    assert step.kind == ReportStatus.RECEIVED and step.actor is None
    # After the citizen's and the officer's pact signatures: the office's one chain.
    assert step.ledger_seq == 3 and len(step.entry_hash) == 64
    # Encrypted at rest: neither the text nor the file is readable in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM reports_report WHERE id = %s", [report.pk])
        assert "Rp50.000" not in cursor.fetchone()[0]
    attachment = ReportAttachment.objects.get(report=report)
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)
    assert PNG not in bytes(attachment.data)
    assert decrypt_bytes(bytes(attachment.data), purpose="report-attachment") == PNG
    with pytest.raises(InvalidTag):
        decrypt_bytes(bytes(attachment.data), purpose="certificate")


def test_an_office_level_report_has_no_ticket_facts(desk):
    report = report_file(office=desk.office, text="Ada calo di depan pintu masuk meminta uang.")
    assert report.ticket is None and report.officer is None and report.service is None
    assert report.steps.count() == 1


@pytest.mark.parametrize(
    ("code", "last4"), [("ZZZZZZZZ", "4321"), (None, "1234"), (None, ""), (None, "43211")]
)
def test_a_wrong_code_or_nik_ending_gets_one_answer_and_files_nothing(desk, code, last4):
    with pytest.raises(DomainError) as exc:
        file_from_booking(desk, code=code or desk.ticket.code, nik_last4=last4)
    assert exc.value.code == ErrorCode.NOT_FOUND
    assert not Report.objects.exists() and not ReportStep.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "pendek", "x" * 5001])
def test_the_text_is_required(desk, text):
    with pytest.raises(DomainError) as exc:
        file_from_booking(desk, text=text)
    assert exc.value.code == ErrorCode.REPORT_TEXT_REQUIRED
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 20,  # a type we do not take
        b"<html><script>alert(1)</script>",  # whatever the client calls it
        b"",
        b"%PDF-" + b"x" * (5 * 1024 * 1024),  # over 5 MB
    ],
)
def test_attachments_are_recognised_by_their_bytes_and_limited(desk, data):
    with pytest.raises(DomainError) as exc:
        file_from_booking(desk, attachments=[AttachmentIn(data)])
    assert exc.value.code == ErrorCode.ATTACHMENT_REFUSED
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()


def test_sniffing():
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"PK\x03\x04") is None


def test_reports_are_limited_per_ticket(desk, settings):
    settings.ANTREAN_REPORTS_PER_TICKET = 2
    for n in range(2):
        file_from_booking(desk, client_key=f"203.0.113.{n}")
    with pytest.raises(DomainError) as exc:
        file_from_booking(desk, client_key="203.0.113.99")
    assert exc.value.code == ErrorCode.RATE_LIMITED
    assert Report.objects.count() == 2


def test_reports_are_limited_per_address(desk, settings):
    settings.ANTREAN_REPORTS_PER_ADDRESS = 2
    for _ in range(2):
        report_file(office=desk.office, text="Ada pungutan liar di loket.", client_key="192.0.2.5")
    with pytest.raises(DomainError) as exc:
        report_file(office=desk.office, text="Ada pungutan liar di loket.", client_key="192.0.2.5")
    assert exc.value.code == ErrorCode.RATE_LIMITED
    report_file(office=desk.office, text="Ada pungutan liar di loket.", client_key="192.0.2.6")
    assert Report.objects.count() == 3


def test_wrong_nik_endings_are_limited_too(desk, settings):
    settings.ANTREAN_REPORTS_PER_TICKET = 3
    for _ in range(3):
        with pytest.raises(DomainError):
            file_from_booking(desk, nik_last4="0000")
    with pytest.raises(DomainError) as exc:
        file_from_booking(desk)  # the right ending, too late
    assert exc.value.code == ErrorCode.RATE_LIMITED


# --- Moves ---------------------------------------------------------------------------------


def test_the_inspectorate_moves_a_report_to_review_then_closes_it(desk):
    report = file_from_booking(desk)
    later = desk.now + dt.timedelta(days=1)
    step = report_move(report=report, by=desk.inspector, to=ReportStatus.UNDER_REVIEW, now=later)
    assert step.ledger_seq == 4 and step.actor == desk.inspector
    report_move(
        report=report,
        by=desk.inspector,
        to=ReportStatus.CLOSED,
        outcome=Outcome.REFERRED_SABER_PUNGLI,
        reason="Bukti cukup; diteruskan ke Satgas Saber Pungli daerah.",
        now=later + dt.timedelta(days=2),
    )
    report.refresh_from_db()
    assert (report.status, report.outcome) == (ReportStatus.CLOSED, Outcome.REFERRED_SABER_PUNGLI)
    assert report.updated_at == later + dt.timedelta(days=2)
    assert list(report.steps.values_list("kind", flat=True)) == [
        "received",
        "under_review",
        "closed",
    ]
    assert report.steps.last().reason.startswith("Bukti cukup")


def test_a_province_inspectorate_reaches_its_regencies_offices(desk):
    province, _ = Region.objects.get_or_create(
        code="51", defaults={"name": "Provinsi Bali", "level": Region.Level.PROVINCE}
    )
    desk.region.parent = province
    desk.region.save()
    report = file_from_booking(desk)
    report_move(report=report, by=make_inspector(province), to=ReportStatus.UNDER_REVIEW)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.UNDER_REVIEW


@pytest.mark.parametrize(
    ("first", "to", "outcome", "reason", "code"),
    [
        (None, "closed", "", "Alasan yang cukup panjang.", ErrorCode.INVALID_REQUEST),
        (None, "closed", "bogus", "Alasan yang cukup panjang.", ErrorCode.INVALID_REQUEST),
        (None, "closed", Outcome.SUBSTANTIATED, "pendek", ErrorCode.REASON_REQUIRED),
        (None, "received", "", "", ErrorCode.INVALID_REQUEST),
        (None, "opened", "", "", ErrorCode.INVALID_REQUEST),
        (None, "under_review", Outcome.SUBSTANTIATED, "", ErrorCode.INVALID_REQUEST),
        ("under_review", "under_review", "", "", ErrorCode.INVALID_TRANSITION),
        ("closed", "under_review", "", "", ErrorCode.INVALID_TRANSITION),
        ("closed", "closed", Outcome.SUBSTANTIATED, "Alasan lagi.", ErrorCode.INVALID_TRANSITION),
    ],
)
def test_invalid_moves_are_refused_and_change_nothing(desk, first, to, outcome, reason, code):
    report = file_from_booking(desk)
    if first:
        report_move(
            report=report,
            by=desk.inspector,
            to=first,
            outcome=Outcome.NOT_SUBSTANTIATED if first == "closed" else "",
            reason="Tidak ada bukti yang cukup." if first == "closed" else "",
        )
    before = (Report.objects.get(pk=report.pk).status, ReportStep.objects.count())
    with pytest.raises(DomainError) as exc:
        report_move(report=report, by=desk.inspector, to=to, outcome=outcome, reason=reason)
    assert exc.value.code == code
    assert (Report.objects.get(pk=report.pk).status, ReportStep.objects.count()) == before


def _others(desk):
    other_region = make_region(code="51.71", name="Kota Denpasar")
    national = make_officer(desk.agency, role="officer", username="nasional")
    Membership.objects.filter(user=national).update(
        role=Membership.Role.NATIONAL_ADMIN, office=None, agency=None
    )
    return {
        "officer concerned": desk.officer,
        "office admin": make_officer(desk.agency, role=Membership.Role.OFFICE_ADMIN),
        "agency admin": make_officer(desk.agency, role=Membership.Role.AGENCY_ADMIN),
        "national admin": national,
        "superuser": make_superuser(),
        "other region's inspectorate": make_inspector(other_region),
        "inspectorate of another office's region": make_inspector(
            make_office(region=other_region).region
        ),
    }


def test_nobody_but_the_regions_inspectorate_moves_a_report(desk):
    report = file_from_booking(desk)
    head = desk.office.ledger_head.seq
    for who, user in _others(desk).items():
        with pytest.raises(DomainError) as exc:
            report_move(report=report, by=user, to=ReportStatus.UNDER_REVIEW)
        assert exc.value.code == ErrorCode.FORBIDDEN, who
        report.refresh_from_db()
        assert report.status == ReportStatus.RECEIVED, who
        assert ReportStep.objects.count() == 1, who
        desk.office.ledger_head.refresh_from_db()
        assert desk.office.ledger_head.seq == head, who
