"""Writes about tickets: numbering (the queue life's moves come with the queue engine)."""

import datetime as dt

from django.db import connection

from antrean.catalog.models import Service
from antrean.queueing.models import TicketSequence


def ticket_number_next(*, service: Service, date: dt.date) -> int:
    """Take the next number of (service, date). Must run inside the transaction that creates
    the ticket: the row lock taken here serialises numbering per service and day, and a
    rollback gives the number back, so numbers are unique and gapless.
    """
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        # Both SQLite (≥ 3.35) and PostgreSQL speak ON CONFLICT and RETURNING.
        cursor.execute(
            f"INSERT INTO {table} (service_id, date, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (service_id, date) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [service.pk, date],
        )
        (seq,) = cursor.fetchone()
    return seq


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}-{seq:03d}"
