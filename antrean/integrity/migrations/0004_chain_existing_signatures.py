"""Chain signatures made before the ledger existed (development databases of issue 2).

They are appended in the order they were signed, exactly as integrity.ledger would have.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from antrean.integrity.ledger_hash import GENESIS, entry_hash, signature_record

    PactSignature = apps.get_model("integrity", "PactSignature")
    LedgerHead = apps.get_model("integrity", "LedgerHead")
    unchained = PactSignature.objects.filter(ledger_seq__isnull=True).select_related("ticket")
    for office_id in unchained.values_list("office_id", flat=True).distinct():
        head, _ = LedgerHead.objects.get_or_create(
            office_id=office_id, defaults={"seq": 0, "hash": GENESIS}
        )
        for signature in unchained.filter(office_id=office_id).order_by("signed_at", "pk"):
            if signature.ticket_id:
                subject = f"ticket:{signature.ticket.code}"
                signer = signature.ticket.nik_hash or f"name:{signature.ticket_id}"
            else:
                subject = f"officer:{signature.officer_id}"
                signer = f"user:{signature.officer_id}"
            seq = head.seq + 1
            record = signature_record(
                office_id=office_id, seq=seq, prev=head.hash, audience=signature.audience,
                pact_version=signature.pact_version, pact_sha256=signature.pact_sha256,
                signed_at=signature.signed_at, channel=signature.channel, subject=subject,
                signer=signer,
            )
            signature.ledger_seq, signature.prev_hash = seq, head.hash
            signature.entry_hash = entry_hash(record)
            signature.save(update_fields=["ledger_seq", "prev_hash", "entry_hash"])
            head.seq, head.hash, head.updated_at = seq, signature.entry_hash, signature.signed_at
        head.save()


class Migration(migrations.Migration):
    dependencies = [("integrity", "0003_ledger_certificates")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
