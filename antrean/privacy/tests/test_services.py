"""The retention job: what it erases, what it keeps (the ledger still verifies), and that it
is idempotent, batched, and safe with several workers at once."""

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from axes.models import AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from antrean.core.personal_data import encrypt, lookup_hash
from antrean.integrity.certificates import certificate_check_upload, certificate_pdf_bytes
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import Certificate, PactSignature
from antrean.notifications.models import InboundMessage, MediaUpload, Message, MessageEvent
from antrean.notifications.models import Status as MessageStatus
from antrean.notifications.services import messages_send_due
from antrean.privacy.services import personal_data_erase_expired, retention_cutoff
from antrean.privacy.tests.conftest import NAME, book_on, days_ago
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.testing.factories import (
    make_office,
    make_officer,
    make_service,
    sign_officer_pact,
)

OLD = 400  # days: past the default retention of 365
RECENT = 30


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("erase_expired_data", *args, stdout=out)
    return out.getvalue()


def raw(model, pk: int, column: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def office():
    return make_office(code="mpp-badung", name="MPP Kabupaten Badung")


@pytest.fixture
def world(office):
    """An old booking with everything that hangs off it, a recent one, and records of both
    ages that belong to no ticket."""
    service = make_service(office)
    old = book_on(service, days_ago(OLD)).ticket
    recent = book_on(service, days_ago(RECENT)).ticket
    # Sent, so the old ticket has a provider id, events and an uploaded media.
    report = messages_send_due(worker_id="uji")
    assert report.sent == 2
    old_certificate = Certificate.objects.get(signature__ticket=old)
    assert MediaUpload.objects.filter(certificate=old_certificate).exists()
    message = Message.objects.get(ticket=old)
    MessageEvent.objects.create(
        message=message, at=timezone.now(), event="failed", detail="131026 +6281200000001"
    )
    for ticket in (old, recent):
        TicketEvent.objects.create(
            ticket=ticket,
            move="call",
            from_status="waiting",
            to_status="called",
            at=timezone.now(),
            service=service,
            note="Dipanggil dulu: ibu Ayu hamil",
        )
        AuditFlag.objects.create(
            office=office,
            kind=AuditFlag.Kind.OUT_OF_ORDER,
            ticket=ticket,
            at=timezone.now(),
            detail="Alasan: ibu Ayu hamil",
            acknowledgement="Benar, ibu Ayu hamil",
        )
    inbound = {}
    for label, age in (("old", OLD), ("recent", RECENT)):
        inbound[label] = InboundMessage.objects.create(
            provider_id=f"wamid.{label}",
            sender="+6281234567890",
            sender_hash=lookup_hash("+6281234567890", purpose="phone"),
            kind="text",
            text="NIK saya 5103014101900001",
            sent_at=timezone.now() - dt.timedelta(days=age),
        )
    officer = make_officer(service.agency)
    old_pledge = sign_officer_pact(officer, office, now=timezone.now() - dt.timedelta(days=OLD))
    new_pledge = sign_officer_pact(officer, office, now=timezone.now())
    return {
        "old": old,
        "recent": recent,
        "old_certificate": old_certificate,
        "old_pdf": certificate_pdf_bytes(old_certificate),
        "inbound": inbound,
        "old_pledge": old_pledge,
        "new_pledge": new_pledge,
    }


@pytest.mark.django_db
def test_an_old_tickets_personal_data_is_erased_and_what_statistics_need_is_kept(
    office, world, client
):
    old, recent = world["old"], world["recent"]
    kept = ("code", "number", "date", "status", "nik_hash", "phone_hash", "service_id", "seq")
    before = Ticket.objects.values(*kept).get(pk=old.pk)
    path = Path(world["old_certificate"].pdf.path)
    assert path.exists()

    report = personal_data_erase_expired()

    assert report.complete and (report.tickets, report.certificates) == (1, 1)
    old.refresh_from_db()
    assert (old.name, old.nik, old.phone) == ("", "", "")
    assert raw(Ticket, old.pk, "name") == "" and raw(Ticket, old.pk, "nik") == ""
    assert old.erased_at is not None
    assert Ticket.objects.values(*kept).get(pk=old.pk) == before

    signature = PactSignature.objects.get(ticket=old)
    assert (signature.client_ip, signature.user_agent) == (None, "")
    assert signature.entry_hash  # the ledger entry itself is untouched

    certificate = Certificate.objects.get(pk=world["old_certificate"].pk)
    assert certificate.pdf.name == "" and certificate.pdf_erased_at is not None
    assert not certificate.is_ready and not path.exists()
    assert certificate.pdf_sha256 == world["old_certificate"].pdf_sha256
    assert not MediaUpload.objects.filter(certificate=certificate).exists()
    # A citizen's own copy still checks out against the record.
    assert certificate_check_upload(world["old_pdf"]).valid

    message = Message.objects.get(ticket=old)
    assert (message.recipient, message.params, message.error_detail) == ("", [], "")
    assert message.recipient_hash and message.provider_id and message.status == "sent"
    assert not MessageEvent.objects.filter(message=message).exclude(detail="").exists()
    assert set(TicketEvent.objects.filter(ticket=old).values_list("note", flat=True)) == {""}
    flag = AuditFlag.objects.get(ticket=old)
    assert (flag.detail, flag.acknowledgement, flag.kind) == ("", "", "out_of_order")

    # The recent booking is untouched.
    recent.refresh_from_db()
    assert recent.name == NAME and recent.nik and recent.phone and recent.erased_at is None
    assert PactSignature.objects.get(ticket=recent).user_agent == "pytest"
    assert certificate_pdf_bytes(Certificate.objects.get(signature__ticket=recent))
    assert Message.objects.get(ticket=recent).recipient
    assert TicketEvent.objects.get(ticket=recent, move="call").note
    assert AuditFlag.objects.get(ticket=recent).acknowledgement

    inbound = {k: InboundMessage.objects.get(pk=v.pk) for k, v in world["inbound"].items()}
    assert (inbound["old"].sender, inbound["old"].text) == ("", "")
    assert inbound["old"].sender_hash == lookup_hash("+6281234567890", purpose="phone")
    assert inbound["recent"].text == "NIK saya 5103014101900001"

    old_pledge = PactSignature.objects.get(pk=world["old_pledge"].pk)
    assert (old_pledge.client_ip, old_pledge.user_agent) == (None, "")
    new_pledge = PactSignature.objects.get(pk=world["new_pledge"].pk)
    assert (new_pledge.client_ip, new_pledge.user_agent) == ("192.0.2.10", "pytest")

    # The ledger still verifies, entry by entry, as the operator's command checks it.
    assert ledger_verify(office=office).ok
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().startswith("OK")

    # The public page: the certificate existed and is valid; its file was erased.
    page = client.get(reverse("integrity:verify", args=[certificate.verification_code]))
    text = page.content.decode()
    assert page.status_code == 200 and "SAH" in text
    assert "dihapus sesuai masa retensi" in text
    assert "N* M*** A** L******" not in text


@pytest.mark.django_db
def test_a_second_run_changes_nothing(world):
    first = personal_data_erase_expired()
    assert first.changed > 0
    snapshot = (
        list(Ticket.objects.order_by("pk").values()),
        list(Certificate.objects.order_by("pk").values()),
        list(Message.objects.order_by("pk").values()),
    )
    second = personal_data_erase_expired()
    assert second.changed == 0
    assert (
        list(Ticket.objects.order_by("pk").values()),
        list(Certificate.objects.order_by("pk").values()),
        list(Message.objects.order_by("pk").values()),
    ) == snapshot


@pytest.mark.django_db
def test_dry_run_counts_and_changes_nothing(world):
    output = run_command("--dry-run")
    assert "Due for erasure" in output
    assert "  tickets: 1\n" in output and "  certificate files: 1\n" in output
    assert "  inbound WhatsApp messages: 1\n" in output
    assert "  officer signatures (address, browser): 1\n" in output
    assert Ticket.objects.get(pk=world["old"].pk).name == NAME
    assert Path(world["old_certificate"].pdf.path).exists()

    output = run_command()
    assert "Erased" in output and "  tickets: 1\n" in output
    assert "  tickets: 0\n" in run_command("--dry-run")


@pytest.mark.django_db
def test_a_pending_message_of_an_erased_ticket_is_cancelled(office):
    service = make_service(office)
    old = book_on(service, days_ago(OLD), render=False).ticket
    assert Message.objects.get(ticket=old).status == MessageStatus.PENDING
    personal_data_erase_expired()
    message = Message.objects.get(ticket=old)
    assert (message.status, message.recipient) == (MessageStatus.CANCELLED, "")
    # Its certificate was never rendered: it is marked erased, and never rendered later.
    from antrean.integrity.certificates import certificate_render

    certificate = Certificate.objects.get(signature__ticket=old)
    assert certificate.is_erased
    assert not certificate_render(certificate_id=certificate.pk).pdf


@pytest.mark.django_db
def test_the_period_is_a_setting_counted_from_the_tickets_date(settings, office):
    service = make_service(office)
    tickets = {age: book_on(service, days_ago(age), render=False).ticket for age in (40, 20)}
    settings.ANTREAN_RETENTION_DAYS = 30
    cutoff, _ = retention_cutoff(now=timezone.now())
    assert cutoff == timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=30)
    assert personal_data_erase_expired().tickets == 1
    assert Ticket.objects.get(pk=tickets[40].pk).is_erased
    assert not Ticket.objects.get(pk=tickets[20].pk).is_erased


@pytest.mark.django_db
def test_works_in_batches_and_a_time_budget_leaves_the_rest_for_the_next_run(office):
    service = make_service(office)
    for _ in range(7):
        book_on(service, days_ago(OLD), render=False)

    spent = personal_data_erase_expired(batch_size=3, time_budget=0)
    assert not spent.complete and spent.tickets == 0

    report = personal_data_erase_expired(batch_size=3)
    assert report.tickets == 7 and report.complete
    assert report.batches >= 3  # 3 + 3 + 1 tickets, then the other kinds of record
    assert not Ticket.objects.filter(erased_at__isnull=True).exists()


@pytest.mark.django_db
def test_old_staff_sign_in_records_go(world):
    fresh = AccessLog.objects.create(user_agent="ua", ip_address="192.0.2.1", username="a")
    stale = AccessLog.objects.create(user_agent="ua", ip_address="192.0.2.2", username="b")
    AccessLog.objects.filter(pk=stale.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=OLD)
    )
    assert personal_data_erase_expired().login_records == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.django_db
def test_sessions_lose_expired_rows_and_stale_sealed_personal_data():
    now = timezone.now()
    stale_at = (now - dt.timedelta(days=2)).isoformat()
    sealed = encrypt('{"name": "Ni Made Ayu"}', purpose="kiosk-session")

    kiosk = SessionStore()
    kiosk["kiosk_preview"] = {"sealed": sealed, "at": stale_at}  # abandoned walk-in
    kiosk["kiosk_issued"] = {"sealed": sealed, "at": now.isoformat()}  # in use
    kiosk["booking_owned"] = ["ABCD2345"]
    kiosk.create()
    expired = SessionStore()
    expired["booking_identity"] = {"sealed": sealed, "at": now.isoformat()}
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=now - dt.timedelta(minutes=1)
    )

    report = personal_data_erase_expired()

    assert (report.sessions_deleted, report.sessions_scrubbed) == (1, 1)
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    left = SessionStore(session_key=kiosk.session_key).load()
    assert set(left) == {"kiosk_issued", "booking_owned"}

    # Looking into every session is done once a day (by one of the workers), or when asked.
    later = SessionStore()
    later["booking_identity"] = {"sealed": sealed, "at": stale_at}
    later.create()
    assert personal_data_erase_expired().sessions_scrubbed == 0
    assert personal_data_erase_expired(scrub_sessions=True).sessions_scrubbed == 1
    assert "booking_identity" not in SessionStore(session_key=later.session_key).load()


# --- several workers at once ----------------------------------------------------------------


# serialized_rollback: the pacts seeded by migrations must outlive this test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_workers_at_once_erase_each_ticket_once(office):
    service = make_service(office)
    for _ in range(24):
        book_on(service, days_ago(OLD), render=False)
    reports, errors = [], []
    start = threading.Barrier(3)

    def worker():
        try:
            start.wait()
            reports.append(personal_data_erase_expired(batch_size=4))
        except Exception as exc:  # pragma: no cover — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r.tickets for r in reports) == 24  # each erased once, by one of them
    assert sum(r.certificates for r in reports) == 24
    assert not Ticket.objects.filter(erased_at__isnull=True).exists()
    assert ledger_verify(office=office).ok


@pytest.mark.django_db
def test_after_erasure_downloads_answer_not_found_instead_of_pending(office, client, admin_client):
    result = book_on(make_service(office), days_ago(OLD))
    code = result.ticket.code
    messages_send_due(worker_id="uji")
    message = Message.objects.get(ticket=result.ticket)
    inbox_pdf = reverse("notifications:inbox_certificate", args=[message.pk])
    assert admin_client.get(inbox_pdf).status_code == 200
    personal_data_erase_expired()
    assert admin_client.get(inbox_pdf).status_code == 404  # the staff inbox too

    client.get(f"/antrean/{code}/?t={result.token}")  # the private link: this browser owns it
    page = client.get(f"/antrean/{code}/")
    assert page.status_code == 200
    assert "dihapus sesuai masa retensi" in page.content.decode()
    assert b'http-equiv="refresh"' not in page.content  # nothing is "being prepared"
    download = client.get(f"/antrean/{code}/piagam.pdf")
    assert download.status_code == 404
    assert "dihapus sesuai masa retensi" in download.content.decode()
    api = client.get(
        f"/api/v1/bookings/{code}/certificate.pdf", headers={"X-Booking-Token": result.token}
    )
    assert (api.status_code, api.json()["error"]) == (404, "not_found")
