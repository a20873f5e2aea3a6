"""Publish the national default pacts (version 1), so every new install can take bookings."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from antrean.integrity.defaults import default_text

    PactText = apps.get_model("integrity", "PactText")
    for audience in ("citizen", "officer"):
        if PactText.objects.filter(office__isnull=True, audience=audience).exists():
            continue
        title, body = default_text(audience)
        PactText.objects.create(
            office=None,
            audience=audience,
            version=1,
            language="id",
            title=title,
            body=body,
            published_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
