"""Draws under real concurrency (threads released together; on PostgreSQL, the proof):
entries racing the draw either made it into the list the draw read or were refused, never
lost in between; cancellations at once move distinct entries up; one entry per NIK."""

import datetime as dt
from collections import Counter

import pytest

from antrean.booking.services import booking_cancel
from antrean.booking.tests.test_concurrency import run_together
from antrean.catalog.models import Slot
from antrean.draws.models import DrawEntry, DrawStatus, EntryStatus
from antrean.draws.services import (
    EntryResult,
    draw_close,
    draw_enter,
    draw_ledger_steps,
    draw_record,
    draw_verify,
)
from antrean.draws.tests.test_draws import DAY, WEB, during, entry_request
from antrean.queueing.models import Ticket
from antrean.testing.factories import make_nik

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The fixtures of test_draws, for committed rows.
from antrean.draws.tests.test_draws import opened, service  # noqa: E402, F401


def test_one_entry_per_nik_under_a_race(service, opened):  # noqa: F811
    nik = make_nik()
    results = run_together(
        8,
        lambda i: draw_enter(
            request=entry_request(service, nik=nik), client=WEB, now=during(opened)
        ),
    )
    outcomes = Counter("entered" if isinstance(r, EntryResult) else str(r) for r in results)
    assert outcomes == {"entered": 1, "duplicate_entry": 7}


def test_entries_racing_the_draw_are_in_it_or_refused(service, opened):  # noqa: F811
    requests = [entry_request(service) for _ in range(10)]

    def work(i):
        if i == 10:
            return draw_close(draw=opened, now=opened.closes_at)
        # Entries made at the last moment of the window, while the draw is being drawn.
        return draw_enter(
            request=requests[i],
            client=WEB,
            now=opened.closes_at - dt.timedelta(seconds=1),
        )

    results = run_together(11, work)
    entered = [r for r in results[:10] if isinstance(r, EntryResult)]
    refused = [r for r in results[:10] if not isinstance(r, EntryResult)]
    assert all(str(r) == "draw_not_open" for r in refused)
    opened.refresh_from_db()
    assert opened.status == DrawStatus.DRAWN
    # Every acknowledged entry has a rank: it was in the list the draw read.
    ranked = set(DrawEntry.objects.exclude(rank=None).values_list("code", flat=True))
    assert {r.entry.code for r in entered} == ranked
    assert draw_verify(draw_record(opened), ledger=draw_ledger_steps(opened)) == []


def test_cancellations_at_once_move_distinct_entries_up(service, opened):  # noqa: F811
    for _ in range(8):
        draw_enter(request=entry_request(service), client=WEB, now=during(opened))
    draw_close(draw=opened, now=opened.closes_at)
    winners = list(DrawEntry.objects.filter(status=EntryStatus.WON).select_related("ticket"))
    assert len(winners) == 4
    run_together(4, lambda i: booking_cancel(ticket=winners[i].ticket))
    promoted = DrawEntry.objects.filter(status=EntryStatus.WON, reason="promoted")
    assert promoted.count() == 4
    assert len({e.ticket_id for e in promoted}) == 4
    assert sum(Slot.objects.filter(date=DAY).values_list("booked", flat=True)) == 4
    assert Ticket.objects.filter(status="booked").count() == 4
    opened.refresh_from_db()
    assert draw_verify(draw_record(opened), ledger=draw_ledger_steps(opened)) == []
