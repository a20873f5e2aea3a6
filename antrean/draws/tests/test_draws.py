"""Places released by a draw (issue 14, part 3): the window, one entry per NIK, the
commitment and the reveal in the ledger, the draw's order from the public record, winners
booked, the wait list moving up, and verification that fails on any change."""

import datetime as dt
import hashlib
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from antrean.booking.services import booking_cancel
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.draws.models import Draw, DrawEntry, DrawStatus, DrawStep, EntryStatus
from antrean.draws.services import (
    DrawEntryRequest,
    draw_close,
    draw_enter,
    draw_ledger_steps,
    draw_open,
    draw_order,
    draw_record,
    draw_verify,
    draw_window,
    draws_close_due,
    draws_open_due,
    entry_get,
    entry_hash_of,
    waitlist_position,
)
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import Audience, Channel, PactSignature
from antrean.integrity.services import ClientInfo, pact_in_force
from antrean.queueing.models import Ticket
from antrean.testing.factories import make_nik, make_office, make_phone, make_service, make_slot

pytestmark = pytest.mark.django_db

WEB = ClientInfo(channel=Channel.WEB, ip="198.51.100.40", user_agent="pytest")
DAY = dt.date(2030, 3, 18)  # a Monday; the factories' offices open every day, in WITA


@pytest.fixture
def service():
    office = make_office()
    service = make_service(office, prefix="P", release_mode="draw")
    for hour in (9, 10):
        make_slot(service, date=DAY, start=dt.time(hour), end=dt.time(hour + 1), capacity=2)
    return service


@pytest.fixture
def opened(service):
    opens_at, _closes = draw_window(service, DAY)
    return draw_open(service=service, date=DAY, now=opens_at)


def during(draw) -> dt.datetime:
    return draw.opens_at + dt.timedelta(hours=1)


def entry_request(service, **overrides) -> DrawEntryRequest:
    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    values = {
        "service_id": service.pk,
        "date": DAY,
        "name": "Ni Made Ayu Lestari",
        "nik": make_nik(),
        "whatsapp": make_phone(),
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
        "whatsapp_consent": True,
    }
    values.update(overrides)
    return DrawEntryRequest(**values)


def enter(draw, service, n: int):
    return [
        draw_enter(request=entry_request(service), client=WEB, now=during(draw)) for _ in range(n)
    ]


def snapshot():
    return {
        "entries": sorted(DrawEntry.objects.values_list("pk", "status")),
        "tickets": Ticket.objects.count(),
        "signatures": PactSignature.objects.count(),
        "slots": sorted(Slot.objects.values_list("pk", "booked")),
    }


# --- The window and the commitment ------------------------------------------------------------


def test_the_window_is_in_the_offices_local_time(service):
    opens_at, closes_at = draw_window(service, DAY)
    # 7 and 6 days ahead at 07:00 WITA (UTC+8).
    assert opens_at == dt.datetime(2030, 3, 10, 23, 0, tzinfo=dt.UTC)
    assert closes_at == dt.datetime(2030, 3, 11, 23, 0, tzinfo=dt.UTC)


def test_opening_commits_to_a_secret_seed_in_the_ledger(service):
    opens_at, _ = draw_window(service, DAY)
    assert draws_open_due(now=opens_at - dt.timedelta(seconds=1)) == 0
    assert draws_open_due(now=opens_at) == 1
    assert draws_open_due(now=opens_at + dt.timedelta(minutes=5)) == 0  # idempotent
    draw = Draw.objects.get()
    assert draw.status == DrawStatus.OPEN and draw.seed == ""
    assert hashlib.sha256(draw.seed_sealed.encode()).hexdigest() == draw.commitment
    step = DrawStep.objects.get(draw=draw, kind="open")
    assert step.commitment == draw.commitment and step.seed == ""
    assert ledger_verify(office=service.office).ok
    # Public before the draw: the commitment, never the seed.
    record = draw_record(draw)
    assert record["commitment"] == draw.commitment and record["seed"] is None
    assert draw.seed_sealed not in str(record)


# --- Entering ------------------------------------------------------------------------------------


def test_one_entry_per_nik(service, opened):
    nik = make_nik()
    result = draw_enter(request=entry_request(service, nik=nik), client=WEB, now=during(opened))
    assert result.entry.entry_hash == entry_hash_of(opened.pk, result.entry.code)
    assert entry_get(code=result.entry.code, token=result.token) == result.entry
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        draw_enter(request=entry_request(service, nik=nik), client=WEB, now=during(opened))
    assert caught.value.code == ErrorCode.DUPLICATE_ENTRY
    assert snapshot() == before


@pytest.mark.parametrize("when", ["before", "after"])
def test_no_entry_outside_the_window(service, opened, when):
    now = opened.opens_at - dt.timedelta(seconds=1) if when == "before" else opened.closes_at
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        draw_enter(request=entry_request(service), client=WEB, now=now)
    assert caught.value.code == ErrorCode.DRAW_NOT_OPEN
    assert snapshot() == before


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"nik": "12345"}, ErrorCode.INVALID_NIK),
        ({"whatsapp": "021555"}, ErrorCode.INVALID_PHONE),
        ({"pact_agreed": False}, ErrorCode.PACT_REQUIRED),
        ({"date": DAY + dt.timedelta(days=1)}, ErrorCode.DRAW_NOT_OPEN),
    ],
)
def test_bad_entries_change_nothing(service, opened, override, code):
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        draw_enter(request=entry_request(service, **override), client=WEB, now=during(opened))
    assert caught.value.code == code
    assert snapshot() == before


def test_an_entry_holds_no_place_and_no_signature(service, opened):
    enter(opened, service, 3)
    assert Ticket.objects.count() == 0 and PactSignature.objects.count() == 0
    assert sum(Slot.objects.values_list("booked", flat=True)) == 0


# --- Drawing -----------------------------------------------------------------------------------


def test_the_draw_books_the_places_in_the_order_the_seed_gives(service, opened):
    results = enter(opened, service, 7)
    draw = draw_close(draw=opened, now=opened.closes_at)
    assert draw.status == DrawStatus.DRAWN and draw.places == 4
    assert hashlib.sha256(draw.seed.encode()).hexdigest() == draw.commitment
    order = draw_order(draw.seed, [r.entry.entry_hash for r in results])
    entries = {e.entry_hash: e for e in DrawEntry.objects.filter(draw=draw)}
    assert [entries[h].rank for h in order] == list(range(1, 8))
    statuses = [entries[h].status for h in order]
    assert statuses == [EntryStatus.WON] * 4 + [EntryStatus.WAITLISTED] * 3
    # Winners fill the day's slots from the earliest; each a booking like any other.
    tickets = Ticket.objects.order_by("slot__start", "seq")
    assert [t.slot.start.hour for t in tickets] == [9, 9, 10, 10]
    assert PactSignature.objects.count() == 4
    assert all(entries[h].ticket is not None for h in order[:4])
    # Winners' identity now lives on the ticket only; the wait list keeps theirs to move up.
    assert all(entries[h].nik == "" for h in order[:4])
    assert all(entries[h].nik != "" for h in order[4:])
    assert [waitlist_position(entries[h]) for h in order[4:]] == [1, 2, 3]
    # The winner's token reads the booking.
    winner = next(r for r in results if r.entry.entry_hash == order[0])
    assert entry_get(code=winner.entry.code, token=winner.token).ticket.code
    assert ledger_verify(office=service.office).ok
    assert draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)) == []
    # Idempotent.
    assert draw_close(draw=draw, now=draw.closes_at + dt.timedelta(hours=1)).places == 4
    assert Ticket.objects.count() == 4


def test_the_worker_draws_when_the_window_closes(service, opened):
    enter(opened, service, 2)
    assert draws_close_due(now=opened.closes_at - dt.timedelta(seconds=1)) == 0
    assert draws_close_due(now=opened.closes_at) == 1
    assert Ticket.objects.count() == 2


def test_fewer_entries_than_places_all_win(service, opened):
    enter(opened, service, 3)
    draw = draw_close(draw=opened, now=opened.closes_at)
    assert Counter(DrawEntry.objects.values_list("status", flat=True)) == {EntryStatus.WON: 3}
    assert draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)) == []


def test_a_winner_who_cannot_be_booked_is_passed_over(service, opened, settings):
    settings.ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY = 1
    nik = make_nik()
    # The same NIK already has a booking elsewhere that day: its daily limit is reached.
    other = make_slot(make_service(make_office(), prefix="Q"), date=DAY, capacity=3)
    from antrean.booking.services import booking_create
    from antrean.testing.factories import booking_request

    booking_create(request=booking_request(other, nik=nik), client=WEB)
    results = enter(opened, service, 4)
    results.append(
        draw_enter(request=entry_request(service, nik=nik), client=WEB, now=during(opened))
    )
    draw = draw_close(draw=opened, now=opened.closes_at)
    passed = DrawEntry.objects.get(nik_hash=results[-1].entry.nik_hash)
    statuses = Counter(DrawEntry.objects.values_list("status", flat=True))
    if passed.rank <= 4:
        assert passed.status == EntryStatus.REFUSED and passed.reason == "nik_daily_limit"
        assert statuses == {EntryStatus.WON: 4, EntryStatus.REFUSED: 1}
    else:
        assert statuses == {EntryStatus.WON: 4, EntryStatus.WAITLISTED: 1}
    assert draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)) == []


# --- The wait list -------------------------------------------------------------------------------


def test_a_cancellation_moves_the_wait_list_up(service, opened):
    enter(opened, service, 6)
    draw = draw_close(draw=opened, now=opened.closes_at)
    first_waiting = DrawEntry.objects.filter(status=EntryStatus.WAITLISTED).order_by("rank")[0]
    winner = DrawEntry.objects.filter(status=EntryStatus.WON).order_by("rank")[0]
    booking_cancel(ticket=winner.ticket)
    first_waiting.refresh_from_db()
    assert first_waiting.status == EntryStatus.WON and first_waiting.ticket is not None
    assert first_waiting.ticket.slot_id == winner.ticket.slot_id  # the freed place
    assert Slot.objects.get(pk=winner.ticket.slot_id).booked == 2
    second = DrawEntry.objects.get(status=EntryStatus.WAITLISTED)
    assert waitlist_position(second) == 1
    # The record still says what the draw decided; verification holds.
    assert draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)) == []
    assert ledger_verify(office=service.office).ok


def test_the_wait_list_forgets_its_identity_once_the_day_has_passed(service, opened):
    from antrean.draws.services import draws_forget_due

    enter(opened, service, 6)
    draw = draw_close(draw=opened, now=opened.closes_at)
    waiting = DrawEntry.objects.filter(status=EntryStatus.WAITLISTED)
    assert waiting.count() == 2 and all(entry.nik for entry in waiting)
    on_the_day = dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC)
    assert draws_forget_due(now=on_the_day) == 0
    assert draws_forget_due(now=on_the_day + dt.timedelta(days=1)) == 2
    assert all(
        (e.name, e.nik, e.phone) == ("", "", "")
        for e in DrawEntry.objects.filter(status=EntryStatus.WAITLISTED)
    )
    # The public record is unchanged and still verifies.
    assert draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)) == []


# --- Verification ------------------------------------------------------------------------------


def test_verification_fails_on_a_changed_seed_entry_list_or_result(service, opened):
    enter(opened, service, 6)
    draw = draw_close(draw=opened, now=opened.closes_at)
    record, ledger = draw_record(draw), draw_ledger_steps(draw)
    assert draw_verify(record, ledger=ledger) == []

    changed_seed = record | {"seed": "0" * 64}
    assert "the seed does not match the commitment" in draw_verify(changed_seed)

    added = record | {"entries": [*record["entries"], "f" * 64]}
    assert draw_verify(added, ledger=ledger)

    dropped = record | {"entries": record["entries"][1:]}
    assert draw_verify(dropped, ledger=ledger)

    swapped = dict(record)
    swapped["result"] = [dict(line) for line in record["result"]]
    swapped["result"][0]["outcome"], swapped["result"][-1]["outcome"] = (
        swapped["result"][-1]["outcome"],
        swapped["result"][0]["outcome"],
    )
    assert draw_verify(swapped, ledger=ledger)


def test_verify_draw_command(service, opened, capsys):
    enter(opened, service, 5)
    draw = draw_close(draw=opened, now=opened.closes_at)
    call_command("verify_draw", str(draw.pk))
    assert "OK" in capsys.readouterr().out
    # An entry slipped into the list after the draw: the command fails.
    DrawEntry.objects.filter(draw=draw).order_by("rank").last()
    DrawStep.objects.filter(draw=draw, kind="drawn").update(seed="1" * 64)
    with pytest.raises(SystemExit) as exited:
        call_command("verify_draw", str(draw.pk))
    assert exited.value.code != 0


def test_draw_close_command_is_refused_outside_debug(service, opened, settings):
    settings.DEBUG = False
    with pytest.raises(SystemExit):
        call_command(
            "draw_close",
            office=service.office.code,
            service=service.code,
            date=DAY.isoformat(),
        )
    assert Draw.objects.get().status == DrawStatus.OPEN
    call_command(
        "draw_close",
        office=service.office.code,
        service=service.code,
        date=DAY.isoformat(),
        force=True,
    )
    assert Draw.objects.get().status == DrawStatus.DRAWN


def test_the_order_does_not_depend_on_who_came_first():
    hashes = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(50)]
    seed = "ab" * 32
    assert draw_order(seed, hashes) == draw_order(seed, list(reversed(hashes)))
    assert draw_order(seed, hashes) != draw_order("cd" * 32, hashes)


def test_no_draw_for_a_first_come_service():
    office = make_office()
    service = make_service(office, prefix="F")
    make_slot(service, date=DAY)
    opens_at, _ = draw_window(service, DAY)
    assert draws_open_due(now=opens_at) == 0
    assert timezone.now()  # (time is injected everywhere above)
