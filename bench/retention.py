"""How long the retention job takes to erase N expired tickets, on the database in DATABASE_URL.

Usage: DATABASE_URL=postgres://…/<fresh, migrated db> .venv/bin/python -m bench.retention
           [--tickets 100000] [--batch-size 300] [--json PATH]

Seeds one office with N tickets dated 400–499 days ago, each with what the job touches: a
pact signature chained in the office's ledger (client address and browser), a certificate with
a small stored file (the job deletes it; a real PDF is 12–30 KB, the unlink costs the same),
an outbox message with its history, and two ticket events (one with an officer's note). Then
runs `personal_data_erase_expired` to the end, checks that every ticket was erased and that
`ledger_verify` still passes, and runs the job a second time (nothing left: the cost of the
hourly run on a day without expiries). Seeding is bulk SQL and is not part of the figure.
"""

import argparse
import datetime as dt
import hashlib
import secrets
import tempfile
import time
from pathlib import Path

from bench.common import django_setup, out_dir, write_json
from bench.fixtures import nik_for, phone_for

STEP = 5000


def seed(n: int) -> dict:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from antrean.core.personal_data import encrypt_bytes, lookup_hash
    from antrean.integrity.ledger_hash import GENESIS, entry_hash, signature_record
    from antrean.integrity.models import Audience, Certificate, LedgerHead, PactSignature
    from antrean.integrity.services import pact_in_force
    from antrean.notifications.models import Message, MessageEvent
    from antrean.queueing.models import Ticket, TicketEvent
    from antrean.testing.factories import make_office, make_service

    office = make_office(code=f"retensi-{secrets.token_hex(3)}", name="MPP Retensi")
    service = make_service(office, name="Perekaman KTP-el")
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    pact_sha = rendering.sha256
    today = timezone.now().date()
    media = Path(settings.MEDIA_ROOT)
    folder = media / "certificates" / "bench"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = encrypt_bytes(b"%PDF-1.7 " + b"x" * 1000, purpose="bench")
    prev, seq = GENESIS, 0
    started = time.monotonic()
    for start in range(0, n, STEP):
        rows = range(start, min(start + STEP, n))
        tickets = []
        for i in rows:
            date = today - dt.timedelta(days=400 + i % 100)
            number = i // 100 + 1
            nik, phone = nik_for(i), "+62" + phone_for(i)[1:]
            tickets.append(
                Ticket(
                    code=f"R{i:07d}",
                    office=office,
                    service=service,
                    numbered_service=service,
                    date=date,
                    seq=number,
                    number=f"A-{number:03d}",
                    status="done",
                    channel="web",
                    name=f"Warga Uji {i}",
                    nik=nik,
                    nik_hash=lookup_hash(nik, purpose="nik"),
                    phone=phone,
                    phone_hash=lookup_hash(phone, purpose="phone"),
                    whatsapp_consent=True,
                    token_hash=hashlib.sha256(str(i).encode()).hexdigest(),
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            signatures = []
            for ticket in tickets:
                seq += 1
                signed_at = dt.datetime.combine(
                    ticket.date - dt.timedelta(days=1), dt.time(2), tzinfo=dt.UTC
                )
                record = signature_record(
                    office_id=office.pk,
                    seq=seq,
                    prev=prev,
                    audience=Audience.CITIZEN,
                    pact_version=rendering.pact.version,
                    pact_sha256=pact_sha,
                    signed_at=signed_at,
                    channel="web",
                    subject=f"ticket:{ticket.code}",
                    signer=ticket.nik_hash,
                )
                digest = entry_hash(record)
                signatures.append(
                    PactSignature(
                        office=office,
                        audience=Audience.CITIZEN,
                        rendering=rendering,
                        pact_version=rendering.pact.version,
                        pact_sha256=pact_sha,
                        ticket=ticket,
                        signed_at=signed_at,
                        channel="web",
                        client_ip="198.51.100.7",
                        user_agent="Mozilla/5.0 (Linux; Android 14) bench",
                        ledger_seq=seq,
                        prev_hash=prev,
                        entry_hash=digest,
                    )
                )
                prev = digest
            PactSignature.objects.bulk_create(signatures)
            certificates = []
            for signature in signatures:
                name = f"certificates/bench/R{signature.ledger_seq:07d}.pdf"
                (media / name).write_bytes(stored)
                certificates.append(
                    Certificate(
                        signature=signature,
                        office=office,
                        number=f"BENCH-{office.pk}-{signature.ledger_seq:07d}",
                        verification_code=f"B{office.pk}X{signature.ledger_seq:09d}"[:24],
                        pdf=name,
                        pdf_sha256=secrets.token_hex(32),
                        rendered_at=signature.signed_at,
                    )
                )
            Certificate.objects.bulk_create(certificates)
            messages = Message.objects.bulk_create(
                Message(
                    office=office,
                    ticket=ticket,
                    kind="booking_confirmed",
                    recipient=ticket.phone,
                    recipient_hash=ticket.phone_hash,
                    template_name="antrean_booking_confirmed",
                    params=[ticket.number, service.name, office.name, "Senin", ticket.code],
                    with_certificate=True,
                    status="read",
                    next_attempt_at=timezone.now(),
                    provider_id=f"wamid.bench.{ticket.code}",
                )
                for ticket in tickets
            )
            MessageEvent.objects.bulk_create(
                MessageEvent(message=m, at=timezone.now(), event="sent", detail=m.provider_id)
                for m in messages
            )
            TicketEvent.objects.bulk_create(
                [
                    TicketEvent(
                        ticket=t,
                        move="book",
                        to_status="booked",
                        at=timezone.now(),
                        service=service,
                    )
                    for t in tickets
                ]
                + [
                    TicketEvent(
                        ticket=t,
                        move="call",
                        from_status="waiting",
                        to_status="called",
                        at=timezone.now(),
                        service=service,
                        note="Didahulukan: lansia",
                    )
                    for t in tickets
                ]
            )
    LedgerHead.objects.update_or_create(
        office=office, defaults={"seq": seq, "hash": prev, "updated_at": timezone.now()}
    )
    return {"office": office, "seed_seconds": round(time.monotonic() - started, 1)}


def run(n: int, batch_size: int) -> dict:
    from django.db import connection

    from antrean.integrity.ledger import ledger_verify
    from antrean.privacy.services import personal_data_erase_expired
    from antrean.queueing.models import Ticket

    seeded = seed(n)
    office = seeded["office"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")

    report = personal_data_erase_expired(batch_size=batch_size)
    erased_left = Ticket.objects.filter(office=office, erased_at__isnull=True).count()
    files_left = sum(1 for _ in Path(office_media()).glob("R*.pdf"))
    t0 = time.monotonic()
    chain = ledger_verify(office=office)
    verify_seconds = time.monotonic() - t0
    again = personal_data_erase_expired(batch_size=batch_size)
    return {
        "database": connection.vendor,
        "tickets": n,
        "batch_size": batch_size,
        "seed_seconds": seeded["seed_seconds"],
        "erase_seconds": round(report.seconds, 2),
        "tickets_per_second": round(report.tickets / report.seconds) if report.seconds else None,
        "batches": report.batches,
        "erased": {
            "tickets": report.tickets,
            "certificates": report.certificates,
            "messages": report.messages,
        },
        "unerased_left": erased_left,
        "files_left": files_left,
        "ledger_ok": chain.ok,
        "ledger_entries": chain.entries,
        "ledger_verify_seconds": round(verify_seconds, 2),
        "second_run_seconds": round(again.seconds, 3),
        "second_run_changed": again.changed,
    }


def office_media() -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "certificates" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import os

    os.environ.setdefault("ANTREAN_VAR_DIR", tempfile.mkdtemp(prefix="antrean-retention-"))
    django_setup()
    result = run(args.tickets, args.batch_size)
    print(
        f"retention on {result['database']}: {result['tickets']:,} expired tickets erased in "
        f"{result['erase_seconds']} s ({result['tickets_per_second']:,} tickets/s, "
        f"{result['batches']} batches of {result['batch_size']}); ledger "
        f"{'OK' if result['ledger_ok'] else 'BROKEN'} ({result['ledger_entries']:,} entries, "
        f"{result['ledger_verify_seconds']} s); second run {result['second_run_seconds']} s, "
        f"{result['second_run_changed']} changed; {result['unerased_left']} tickets and "
        f"{result['files_left']} files left"
    )
    write_json(args.json or out_dir() / "retention.json", result)


if __name__ == "__main__":
    main()
