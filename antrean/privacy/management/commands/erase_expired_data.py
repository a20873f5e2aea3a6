"""`manage.py erase_expired_data`: erase personal data past its retention period now.

The worker does the same every hour (a bounded slice each time); run this for a first large
backlog, or with --dry-run to see what is due.
"""

from django.core.management.base import BaseCommand

from antrean.privacy.services import BATCH_SIZE, personal_data_erase_expired, retention_days


class Command(BaseCommand):
    help = "Erase personal data older than ANTREAN_RETENTION_DAYS (--dry-run counts it)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="Rows per transaction."
        )

    def handle(self, *args, dry_run=False, batch_size=BATCH_SIZE, **options):
        report = personal_data_erase_expired(
            dry_run=dry_run, batch_size=max(batch_size, 1), scrub_sessions=True
        )
        head = "Due for erasure" if dry_run else "Erased"
        lines = [
            f"{head} (retention {retention_days()} days; tickets dated before "
            f"{report.cutoff_date:%Y-%m-%d}):",
            f"  tickets: {report.tickets}",
            f"  certificate files: {report.certificates}",
            f"  outbox messages: {report.messages}",
            f"  inbound WhatsApp messages: {report.inbound}",
            f"  gratification reports closed before the cutoff: {report.reports}",
            f"  officer signatures (address, browser): {report.officer_signatures}",
            f"  staff sign-in records: {report.login_records}",
            f"  expired sessions: {report.sessions_deleted}",
        ]
        if not dry_run:
            lines.append(f"  sessions cleaned of old sealed data: {report.sessions_scrubbed}")
            lines.append(f"in {report.seconds:.2f} s ({report.batches} batches)")
        self.stdout.write("\n".join(lines))
        for skipped in report.skipped:
            self.stdout.write(f"  skipped: {skipped}")
