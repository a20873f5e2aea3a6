"""Check every office's signature chain (or one) from its first entry to its head."""

from django.core.management.base import BaseCommand, CommandError

from antrean.integrity.ledger import ledger_verify
from antrean.tenancy.models import Office


class Command(BaseCommand):
    help = "Verify the pact-signature hash chains. Exit 0 if intact, 1 naming the first bad entry."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Office code; all offices by default.")
        parser.add_argument(
            "--head",
            help="An earlier published head 'SEQ:HASH' that must still be in the chain "
            "(needs --office).",
        )

    def handle(self, *args, office=None, head=None, **options):
        offices = Office.objects.order_by("code")
        if office:
            offices = offices.filter(code=office)
            if not offices.exists():
                raise CommandError(f"No office with code {office!r}.")
        expected = None
        if head:
            if not office:
                raise CommandError("--head needs --office.")
            seq, _, digest = head.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError("--head must look like 120:<64 hex characters>.")
            expected = (int(seq), digest.lower())
        failed = False
        for each in offices:
            report = ledger_verify(office=each, expected_head=expected)
            if report.ok:
                self.stdout.write(
                    f"OK   {each.code}: {report.entries} entries, head #{report.head_seq} "
                    f"{report.head_hash}"
                )
            else:
                failed = True
                self.stdout.write(
                    f"FAIL {each.code}: {report.problem} (entry #{report.bad_seq}, "
                    f"{report.bad_entry}); "
                    f"{report.entries} entries verified before it"
                )
        if failed:
            raise SystemExit(1)
