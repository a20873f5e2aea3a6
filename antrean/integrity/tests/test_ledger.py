"""Each office's hash chain of pact signatures: the pure hash, appending, and verification
catching each kind of tampering (a changed, a deleted, a reordered row) by its position."""

import datetime as dt
import hashlib
import importlib
import itertools
import json

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from antrean.booking.services import booking_create
from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.ledger import ledger_entry, ledger_head, ledger_verify
from antrean.integrity.ledger_hash import (
    GENESIS,
    canonical,
    entry_hash,
    format_instant,
    signature_record,
)
from antrean.integrity.models import Audience, Certificate, LedgerHead, PactSignature
from antrean.integrity.services import ClientInfo, pact_in_force, pact_signature_create
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

# --- the pure part --------------------------------------------------------------------------

RECORD = {
    "office_id": 7,
    "seq": 3,
    "prev": "ab" * 32,
    "audience": "citizen",
    "pact_version": 1,
    "pact_sha256": "cd" * 32,
    "signed_at": dt.datetime(2030, 1, 7, 1, 2, 3, 456789, tzinfo=dt.UTC),
    "channel": "web",
    "subject": "ticket:ABCD2345",
    "signer": "ef" * 32,
}


def test_canonical_record_is_sorted_compact_utf8_json():
    record = {"b": 1, "a": "Ñyoman ᬯ", "c": [1, 2]}
    assert canonical(record) == '{"a":"Ñyoman ᬯ","b":1,"c":[1,2]}'.encode()
    assert entry_hash(record) == hashlib.sha256(canonical(record)).hexdigest()
    assert canonical(dict(reversed(record.items()))) == canonical(record)


def test_an_instant_has_one_spelling_whatever_its_zone():
    utc = dt.datetime(2030, 1, 6, 23, 5, 0, 120, tzinfo=dt.UTC)
    wita = utc.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert format_instant(utc) == format_instant(wita) == "2030-01-06T23:05:00.000120Z"


def test_signature_record_names_every_field_and_any_change_changes_the_hash():
    record = signature_record(**RECORD)
    assert record == {
        "v": 1,
        "office": 7,
        "seq": 3,
        "prev": "ab" * 32,
        "audience": "citizen",
        "pact_version": 1,
        "pact_sha256": "cd" * 32,
        "signed_at": "2030-01-07T01:02:03.456789Z",
        "channel": "web",
        "subject": "ticket:ABCD2345",
        "signer": "ef" * 32,
    }
    json.loads(canonical(record))  # valid JSON that anyone can recompute
    base = entry_hash(record)
    changes = {
        "office_id": 8,
        "seq": 4,
        "prev": GENESIS,
        "audience": "officer",
        "pact_version": 2,
        "pact_sha256": "ce" * 32,
        "signed_at": RECORD["signed_at"] + dt.timedelta(microseconds=1),
        "channel": "api",
        "subject": "ticket:ABCD2346",
        "signer": "ee" * 32,
    }
    assert set(changes) == set(RECORD)
    for field, value in changes.items():
        assert entry_hash(signature_record(**{**RECORD, field: value})) != base, field


# --- appending ------------------------------------------------------------------------------

_serial = iter(range(1, 100_000))


def book(slot, **overrides) -> Ticket:
    n = next(_serial)
    request = booking_request(slot, nik=make_nik(n), whatsapp=make_phone(n), **overrides)
    return booking_create(request=request, client=ClientInfo()).ticket


def chain(office) -> list[PactSignature]:
    return list(PactSignature.objects.filter(office=office).order_by("ledger_seq"))


def booked_office(n: int):
    office = make_office()
    slot = make_slot(make_service(office), capacity=50)
    for _ in range(n):
        book(slot)
    return office, slot


@pytest.mark.django_db
def test_appends_number_each_office_chain_from_one_and_link_each_to_the_one_before():
    office_a = make_office()
    office_b = make_office()
    slot_a = make_slot(make_service(office_a), capacity=50)
    slot_b = make_slot(make_service(office_b), capacity=50)
    for slot in (slot_a, slot_b, slot_a, slot_a, slot_b):  # interleaved
        book(slot)

    for office, n in ((office_a, 3), (office_b, 2)):
        entries = chain(office)
        assert [e.ledger_seq for e in entries] == list(range(1, n + 1))
        assert entries[0].prev_hash == GENESIS
        for before, after in itertools.pairwise(entries):
            assert after.prev_hash == before.entry_hash
        for entry in entries:
            subject = f"ticket:{entry.ticket.code}"
            record = signature_record(
                office_id=office.pk,
                seq=entry.ledger_seq,
                prev=entry.prev_hash,
                audience=entry.audience,
                pact_version=entry.pact_version,
                pact_sha256=entry.pact_sha256,
                signed_at=entry.signed_at,
                channel=entry.channel,
                subject=subject,
                signer=entry.ticket.nik_hash,
            )
            assert entry.entry_hash == entry_hash(record)
        head = LedgerHead.objects.get(office=office)
        assert (head.seq, head.hash) == (n, entries[-1].entry_hash)
        assert head.updated_at == entries[-1].signed_at
        report = ledger_verify(office=office)
        assert report.ok and (report.entries, report.head_seq) == (n, n)
        assert report.head_hash == entries[-1].entry_hash
    # The two chains share no link.
    hashes_a = {e.entry_hash for e in chain(office_a)}
    assert not hashes_a & {e.entry_hash for e in chain(office_b)}


@pytest.mark.django_db
def test_the_chain_records_no_personal_data():
    office = make_office()
    slot = make_slot(make_service(office))
    ticket = book(slot, name="Ni Ketut Rahasia")
    entry = chain(office)[0]
    record = json.dumps(
        signature_record(
            office_id=office.pk,
            seq=1,
            prev=GENESIS,
            audience=entry.audience,
            pact_version=entry.pact_version,
            pact_sha256=entry.pact_sha256,
            signed_at=entry.signed_at,
            channel=entry.channel,
            subject=f"ticket:{ticket.code}",
            signer=ticket.nik_hash,
        )
    )
    assert "Rahasia" not in record and ticket.nik not in record and ticket.phone not in record
    assert ticket.nik_hash and ticket.nik_hash != ticket.nik


@pytest.mark.django_db
def test_officer_signatures_join_the_same_office_chain():
    office, _slot = booked_office(1)
    officer = get_user_model().objects.create_user(username="petugas-1")
    with transaction.atomic():
        signature = pact_signature_create(
            rendering=pact_in_force(office=office, audience=Audience.OFFICER),
            office=office,
            client=ClientInfo(channel="counter"),
            officer=officer,
        )
    assert signature.ledger_seq == 2
    assert signature.prev_hash == chain(office)[0].entry_hash
    assert ledger_verify(office=office).ok
    assert ledger_head(office=office).hash == signature.entry_hash


@pytest.mark.django_db
def test_a_refused_booking_leaves_the_chain_and_its_head_untouched():
    office = make_office()
    slot = make_slot(make_service(office), capacity=1)
    book(slot)
    head_before = ledger_head(office=office)
    with pytest.raises(DomainError) as refused:
        book(slot)
    assert refused.value.code == ErrorCode.SLOT_FULL
    assert ledger_head(office=office) == head_before
    assert PactSignature.objects.filter(office=office).count() == 1
    # The next one continues the chain without a gap.
    other = make_slot(slot.service, start=dt.time(10), end=dt.time(11))
    book(other)
    assert [e.ledger_seq for e in chain(office)] == [1, 2]
    assert ledger_verify(office=office).ok


@pytest.mark.django_db
def test_empty_chain_verifies_and_has_the_genesis_head():
    office = make_office()
    report = ledger_verify(office=office)
    assert report.ok and (report.entries, report.head_seq, report.head_hash) == (0, 0, GENESIS)
    head = ledger_head(office=office)
    assert (head.seq, head.hash, head.at) == (0, GENESIS, None)
    assert ledger_entry(office=office, seq=1) is None


# --- tampering ------------------------------------------------------------------------------


def assert_broken_at(office, seq: int, words: str, **kwargs):
    report = ledger_verify(office=office, **kwargs)
    assert not report.ok
    assert report.bad_seq == seq, report.problem
    assert words in report.problem, report.problem
    return report


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("pact_sha256", "0" * 64), ("channel", "kiosk"), ("pact_version", 9), ("audience", "officer")],
)
def test_a_changed_signature_is_named(field, value):
    office, _slot = booked_office(5)
    PactSignature.objects.filter(office=office, ledger_seq=3).update(**{field: value})
    report = assert_broken_at(office, 3, "#3 was changed")
    assert report.entries == 2  # the two before it are sound
    assert report.bad_signature_id == chain(office)[2].pk


@pytest.mark.django_db
def test_a_changed_signing_time_is_named():
    office, _slot = booked_office(4)
    entry = chain(office)[1]
    PactSignature.objects.filter(pk=entry.pk).update(
        signed_at=entry.signed_at - dt.timedelta(seconds=1)
    )
    assert_broken_at(office, 2, "#2 was changed")


@pytest.mark.django_db
def test_a_ticket_given_to_another_person_is_named():
    office, _slot = booked_office(4)
    entry = chain(office)[3]
    Ticket.objects.filter(pk=entry.ticket_id).update(nik_hash="f" * 64)
    assert_broken_at(office, 4, "#4 was changed")


@pytest.mark.django_db
def test_a_rewritten_hash_breaks_the_next_link():
    # A forger who recomputes entry 2's hash after changing it still breaks entry 3's link.
    office, _slot = booked_office(4)
    entry = chain(office)[1]
    PactSignature.objects.filter(pk=entry.pk).update(channel="api")
    entry.refresh_from_db()
    record = signature_record(
        office_id=office.pk,
        seq=2,
        prev=entry.prev_hash,
        audience=entry.audience,
        pact_version=entry.pact_version,
        pact_sha256=entry.pact_sha256,
        signed_at=entry.signed_at,
        channel="api",
        subject=f"ticket:{entry.ticket.code}",
        signer=entry.ticket.nik_hash,
    )
    PactSignature.objects.filter(pk=entry.pk).update(entry_hash=entry_hash(record))
    assert_broken_at(office, 3, "#3 does not follow")


def _delete_raw(signature: PactSignature) -> None:
    """Delete as someone with database access would, past the app's protections."""
    certificates, signatures = Certificate._meta.db_table, PactSignature._meta.db_table
    with connection.cursor() as cursor:  # table names are our models', not input
        cursor.execute(f"DELETE FROM {certificates} WHERE signature_id = %s", [signature.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {signatures} WHERE id = %s", [signature.pk])  # noqa: S608


@pytest.mark.django_db
def test_a_deleted_row_in_the_middle_is_named():
    office, _slot = booked_office(5)
    _delete_raw(chain(office)[2])
    report = assert_broken_at(office, 4, "#3 is missing")
    assert report.entries == 2


@pytest.mark.django_db
def test_a_deleted_first_row_is_named():
    office, _slot = booked_office(3)
    _delete_raw(chain(office)[0])
    assert_broken_at(office, 2, "#1 is missing")


@pytest.mark.django_db
def test_a_deleted_last_row_is_named_by_the_head():
    office, _slot = booked_office(4)
    _delete_raw(chain(office)[3])
    report = assert_broken_at(office, 4, "the head says #4 but the chain ends at #3")
    assert report.entries == 3


@pytest.mark.django_db
def test_a_deleted_last_row_with_a_rewound_head_is_caught_by_the_published_head():
    office, _slot = booked_office(4)
    published = ledger_head(office=office)
    entries = chain(office)
    _delete_raw(entries[3])
    LedgerHead.objects.filter(office=office).update(seq=3, hash=entries[2].entry_hash)
    assert ledger_verify(office=office).ok  # the chain alone cannot tell
    assert_broken_at(
        office,
        4,
        "published head #4 is not in the chain",
        expected_head=(published.seq, published.hash),
    )


@pytest.mark.django_db
def test_two_rows_swapped_are_named():
    office, _slot = booked_office(5)
    entries = chain(office)
    second, third = entries[1], entries[2]
    # Through a spare position, because (office, position) is unique.
    PactSignature.objects.filter(pk=second.pk).update(ledger_seq=999)
    PactSignature.objects.filter(pk=third.pk).update(ledger_seq=2)
    PactSignature.objects.filter(pk=second.pk).update(ledger_seq=3)
    report = assert_broken_at(office, 2, "#2 does not follow")
    assert report.bad_signature_id == third.pk


@pytest.mark.django_db
def test_two_rows_swapped_with_their_links_are_named():
    # Swapping positions and previous hashes together still breaks: the position is hashed.
    office, _slot = booked_office(5)
    entries = chain(office)
    second, third = entries[1], entries[2]
    PactSignature.objects.filter(pk=second.pk).update(ledger_seq=999, prev_hash="x")
    PactSignature.objects.filter(pk=third.pk).update(ledger_seq=2, prev_hash=second.prev_hash)
    PactSignature.objects.filter(pk=second.pk).update(ledger_seq=3, prev_hash=third.prev_hash)
    assert_broken_at(office, 2, "#2 was changed")


@pytest.mark.django_db
def test_tampering_in_one_office_leaves_the_others_sound():
    office_a, _ = booked_office(3)
    office_b, _ = booked_office(3)
    PactSignature.objects.filter(office=office_a, ledger_seq=2).update(channel="api")
    assert not ledger_verify(office=office_a).ok
    assert ledger_verify(office=office_b).ok


# --- published heads ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_old_published_head_still_matches_the_grown_chain():
    office, slot = booked_office(2)
    published = ledger_head(office=office)
    book(slot)
    book(slot)
    report = ledger_verify(office=office, expected_head=(published.seq, published.hash))
    assert report.ok and report.head_seq == 4
    assert ledger_entry(office=office, seq=2).entry_hash == published.hash


@pytest.mark.django_db
def test_a_wrong_published_head_is_reported():
    office, _slot = booked_office(3)
    published = ledger_head(office=office)
    assert_broken_at(office, 3, "#3 differs from the published head", expected_head=(3, "e" * 64))
    # A head from the future (beyond the chain) is not in it.
    assert_broken_at(
        office, 7, "published head #7 is not in the chain", expected_head=(7, published.hash)
    )


@pytest.mark.django_db
def test_rewriting_history_after_publishing_is_caught_by_the_published_head():
    # A forger rewrites entry 2 and recomputes every hash after it, and the head: the chain is
    # self-consistent again, but no longer matches the head the office published.
    office, _slot = booked_office(4)
    published = ledger_head(office=office)
    prev = chain(office)[0].entry_hash
    for entry in chain(office)[1:]:
        channel = "api" if entry.ledger_seq == 2 else entry.channel
        record = signature_record(
            office_id=office.pk,
            seq=entry.ledger_seq,
            prev=prev,
            audience=entry.audience,
            pact_version=entry.pact_version,
            pact_sha256=entry.pact_sha256,
            signed_at=entry.signed_at,
            channel=channel,
            subject=f"ticket:{entry.ticket.code}",
            signer=entry.ticket.nik_hash,
        )
        new_hash = entry_hash(record)
        # Clear the link first: (office, prev_hash) is unique.
        PactSignature.objects.filter(pk=entry.pk).update(prev_hash="")
        PactSignature.objects.filter(pk=entry.pk).update(
            channel=channel, prev_hash=prev, entry_hash=new_hash
        )
        prev = new_hash
    LedgerHead.objects.filter(office=office).update(hash=prev)
    assert ledger_verify(office=office).ok
    assert_broken_at(
        office,
        4,
        "#4 differs from the published head",
        expected_head=(published.seq, published.hash),
    )


# --- the migration that chained signatures made before the ledger ---------------------------


@pytest.mark.django_db
def test_migration_chains_earlier_signatures_exactly_as_appending_does():
    office, _slot = booked_office(3)
    before = [(e.pk, e.ledger_seq, e.prev_hash, e.entry_hash) for e in chain(office)]
    PactSignature.objects.filter(office=office).update(ledger_seq=None, prev_hash="", entry_hash="")
    LedgerHead.objects.filter(office=office).delete()

    migration = importlib.import_module(
        "antrean.integrity.migrations.0004_chain_existing_signatures"
    )
    migration.forwards(django_apps, None)

    assert [(e.pk, e.ledger_seq, e.prev_hash, e.entry_hash) for e in chain(office)] == before
    assert ledger_verify(office=office).ok
