"""Register a kiosk device and print its one-time setup address."""

from django.core.management.base import BaseCommand, CommandError

from antrean.core.errors import DomainError
from antrean.display.kiosk import kiosk_register, kiosk_url
from antrean.tenancy.models import Office


def parse_printer(value: str) -> tuple[str, int]:
    """`192.0.2.40` or `192.0.2.40:9100` → (host, port)."""
    host, _, port = value.strip().rpartition(":") if ":" in value else (value.strip(), "", "")
    if not port:
        return host, 9100
    if not port.isdigit() or not host:
        raise CommandError(f"--printer must be HOST or HOST:PORT, not {value!r}")
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = (
        "Register a kiosk (anjungan) of an office. Prints the address to open once on the "
        "device: it holds the device's secret token, which is not shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True, help="office code, e.g. mpp-badung")
        parser.add_argument("--name", required=True, help="a name staff recognise, e.g. Lobi 1")
        parser.add_argument(
            "--printer", default="", help="ESC/POS network printer, HOST or HOST:PORT (9100)"
        )
        parser.add_argument("--paper", type=int, choices=[80, 58], default=80)

    def handle(self, *args, office, name, printer, paper, **options):
        found = Office.objects.filter(code=office).first()
        if found is None:
            raise CommandError(f"No office with code {office!r}.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        host, port = parse_printer(printer) if printer else ("", 9100)
        try:
            kiosk, token = kiosk_register(
                office=found, name=name, printer_host=host, printer_port=port, paper=paper
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        printer_text = f"{kiosk.printer_host}:{kiosk.printer_port}" if host else "none"
        self.stdout.write(
            f"Kiosk #{kiosk.pk} registered: {kiosk} (printer {printer_text}, {kiosk.paper} mm)."
        )
        self.stdout.write("Open this address once on the kiosk (shown only now):")
        self.stdout.write(kiosk_url(kiosk, token))
