"""Office signing keys: list, rotate to a new development key, or import the office's PKCS#12."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from antrean.integrity.models import SigningKey
from antrean.integrity.signing import signing_key_create_dev, signing_key_import_pkcs12
from antrean.tenancy.models import Office


class Command(BaseCommand):
    help = (
        "Manage certificate signing keys. `list`; `rotate --office CODE` makes a new "
        "development key; `import --office CODE --pkcs12 FILE` uses the office's own key "
        "(password from ANTREAN_SIGNING_PKCS12_PASSWORD). Earlier keys keep verifying."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "rotate", "import"])
        parser.add_argument("--office")
        parser.add_argument("--pkcs12", help="Path of the office's PKCS#12 (.p12/.pfx) file.")

    def handle(self, *args, action, office=None, pkcs12=None, **options):
        from django.conf import settings

        if action == "list":
            for key in SigningKey.objects.select_related("office").order_by("office__code"):
                state = "retired" if key.retired_at else "ACTIVE"
                self.stdout.write(f"{key.office.code:24} {key.key_id} {key.source:12} {state}")
            return
        if not office:
            raise CommandError("--office is required.")
        target = Office.objects.filter(code=office).first()
        if target is None:
            raise CommandError(f"No office with code {office!r}.")
        with transaction.atomic():
            if action == "rotate":
                key = signing_key_create_dev(office=target)
            else:
                if not pkcs12:
                    raise CommandError("--pkcs12 is required for import.")
                key = signing_key_import_pkcs12(
                    office=target, path=pkcs12, password=settings.ANTREAN_SIGNING_PKCS12_PASSWORD
                )
        self.stdout.write(f"{target.code}: key {key.key_id} ({key.source}) is now active.")
