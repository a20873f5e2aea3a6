"""Offices that already sign a full text of their own keep it: they get the `own` mode.

Before the national template could be extended, an office's published full text replaced the
national one by itself. The mode is now explicit (`PactPolicy`); without this step those
offices would silently fall back to the national text.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    PactText = apps.get_model("integrity", "PactText")
    PactPolicy = apps.get_model("integrity", "PactPolicy")
    offices = (
        PactText.objects.filter(office__isnull=False, published_at__isnull=False)
        .values_list("office_id", flat=True)
        .distinct()
    )
    for office_id in offices:
        PactPolicy.objects.get_or_create(office_id=office_id, defaults={"mode": "own"})


class Migration(migrations.Migration):
    dependencies = [("integrity", "0006_pact_extension_and_csr_keys")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
