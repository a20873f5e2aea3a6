"""Data migrations of the notifications app, run on rows as an older version stored them."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from antrean.core.personal_data import lookup_hash
from antrean.notifications.models import InboundMessage

pytestmark = pytest.mark.django_db

TABLE = InboundMessage._meta.db_table


def _raw_text(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_existing_inbound_texts_are_encrypted_in_place_and_can_be_decrypted_back():
    rows = [
        InboundMessage.objects.create(
            provider_id=f"wamid.{n}",
            sender="+6281234567890",
            sender_hash=lookup_hash("+6281234567890", purpose="phone"),
            kind="text",
            text="",
            sent_at="2026-01-05T01:00:00Z",
        )
        for n in range(3)
    ]
    plain = ["NIK saya 5103014101900001", "", "enc1:not really a ciphertext"]
    with connection.cursor() as cursor:  # as the column was before the migration: plain
        for row, text in zip(rows, plain, strict=True):
            cursor.execute(f"UPDATE {TABLE} SET text = %s WHERE id = %s", [text, row.pk])  # noqa: S608

    migration = importlib.import_module(
        "antrean.notifications.migrations.0002_encrypt_inbound_text"
    )
    migration.forwards(django_apps, None)
    once = [_raw_text(row.pk) for row in rows]
    migration.forwards(django_apps, None)  # a second run changes nothing

    assert [_raw_text(row.pk) for row in rows] == once
    assert once[0].startswith("enc1:") and "5103014101900001" not in once[0]
    assert once[1] == ""
    assert once[2] != plain[2] and once[2].startswith("enc1:")
    assert [InboundMessage.objects.get(pk=row.pk).text for row in rows] == plain

    migration.backwards(django_apps, None)
    assert [_raw_text(row.pk) for row in rows] == plain
