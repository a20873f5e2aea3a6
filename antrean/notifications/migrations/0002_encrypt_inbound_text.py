"""Encrypt what citizens wrote to the office's number, like every other personal data field.

Existing rows are encrypted in place (batches, raw SQL so that the column is read as stored
whatever the field class says). A value that already opens as ciphertext is left alone, so
the migration can be rerun; going back decrypts.
"""

from django.db import migrations, models

import antrean.core.fields

TABLE = "notifications_inboundmessage"
PURPOSE = "inbound-text"
BATCH = 500


def _rows(connection, after: int):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, text FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
            [after, BATCH],
        )
        return cursor.fetchall()


def _convert(connection, change) -> None:
    after = 0
    while rows := _rows(connection, after):
        updates = [(new, pk) for pk, text in rows if (new := change(text or "")) is not None]
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {TABLE} SET text = %s WHERE id = %s", updates)  # noqa: S608
        after = rows[-1][0]


def _is_ciphertext(text: str) -> bool:
    from antrean.core.personal_data import decrypt

    if not text.startswith("enc1:"):
        return False
    try:
        decrypt(text, purpose=PURPOSE)
    except Exception:
        return False  # plain text that happens to start like a ciphertext
    return True


def forwards(apps, schema_editor):
    from django.db import connection as default_connection

    from antrean.core.personal_data import encrypt

    connection = schema_editor.connection if schema_editor else default_connection

    def change(text: str) -> str | None:
        if not text or _is_ciphertext(text):
            return None
        return encrypt(text, purpose=PURPOSE)

    _convert(connection, change)


def backwards(apps, schema_editor):
    from django.db import connection as default_connection

    from antrean.core.personal_data import decrypt

    connection = schema_editor.connection if schema_editor else default_connection

    def change(text: str) -> str | None:
        return decrypt(text, purpose=PURPOSE) if _is_ciphertext(text) else None

    _convert(connection, change)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="inboundmessage",
            name="text",
            field=antrean.core.fields.EncryptedTextField(
                blank=True, purpose=PURPOSE, verbose_name="isi"
            ),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(
                condition=models.Q(("sender", ""), _negated=True),
                fields=["sent_at"],
                name="inbound_not_erased",
            ),
        ),
    ]
