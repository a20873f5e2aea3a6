"""Office signing keys: list, rotate to a new development key, import the office's PKCS#12,
or make the office's own key for a certificate authority (CSR) and install what it issued."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from antrean.core.errors import DomainError
from antrean.integrity.key_requests import (
    DEFAULT_KEY_TYPE,
    KEY_TYPES,
    MAX_CHAIN_BYTES,
    signing_key_chain_import,
    signing_key_request_create,
    signing_keys_reseal,
)
from antrean.integrity.models import SigningKey
from antrean.integrity.signing import signing_key_create_dev, signing_key_import_pkcs12
from antrean.tenancy.models import Office


class Command(BaseCommand):
    help = (
        "Manage certificate signing keys. `list`; `rotate --office CODE` makes a new "
        "development key; `import --office CODE --pkcs12 FILE` uses the office's own key "
        "(password from ANTREAN_SIGNING_PKCS12_PASSWORD); `generate-csr --office CODE "
        "[--out FILE]` makes the office's key (sealed under the key directory) and writes a "
        "CSR for a certificate authority such as BSrE; `import-chain --office CODE --chain "
        "FILE.pem` checks the chain the CA issued for it and makes it the active key; `reseal` "
        "seals those keys again under the first data key after a rotation. Earlier keys keep "
        "verifying."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["list", "rotate", "import", "generate-csr", "import-chain", "reseal"],
        )
        parser.add_argument("--dry-run", action="store_true", help="reseal: only count.")
        parser.add_argument("--office")
        parser.add_argument("--pkcs12", help="Path of the office's PKCS#12 (.p12/.pfx) file.")
        parser.add_argument("--out", help="generate-csr: write the CSR here (default: stdout).")
        parser.add_argument(
            "--key-type",
            choices=KEY_TYPES,
            default=DEFAULT_KEY_TYPE,
            help=f"generate-csr: the key to make (default {DEFAULT_KEY_TYPE}).",
        )
        parser.add_argument(
            "--organization", default="", help="generate-csr: O (default: the office's name)."
        )
        parser.add_argument("--unit", default="", help="generate-csr: OU (optional).")
        parser.add_argument("--email", default="", help="generate-csr: e-mail (optional).")
        parser.add_argument("--chain", help="import-chain: the PEM file the CA issued.")

    def handle(self, *args, action, office=None, pkcs12=None, **options):
        from django.conf import settings

        if action == "list":
            for key in SigningKey.objects.select_related("office").order_by("office__code"):
                state = "retired" if key.retired_at else "ACTIVE"
                self.stdout.write(f"{key.office.code:24} {key.key_id} {key.source:12} {state}")
            return
        if action == "reseal":
            counts = signing_keys_reseal(dry_run=options["dry_run"])
            verb = "would be" if options["dry_run"] else "were"
            self.stdout.write(
                f"{counts['resealed']} key file(s) {verb} sealed again under the first data "
                f"key; {counts['current']} already were; {counts['missing']} missing."
            )
            return
        if not office:
            raise CommandError("--office is required.")
        target = Office.objects.filter(code=office).first()
        if target is None:
            raise CommandError(f"No office with code {office!r}.")
        if action == "generate-csr":
            return self._generate_csr(target, options)
        if action == "import-chain":
            return self._import_chain(target, options)
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

    def _generate_csr(self, office: Office, options) -> None:
        try:
            request = signing_key_request_create(
                office=office,
                by=None,  # the operator at the server's shell
                key_type=options["key_type"],
                organization=options["organization"],
                unit=options["unit"],
                email=options["email"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = options.get("out")
        if out:
            Path(out).write_text(request.csr_pem)
            # Written to stderr so that `--out` and stdout never mix the CSR with notes.
            self.stderr.write(
                f"{office.code}: CSR written to {out}; the private key "
                f"({request.key_type}, public key sha256 {request.public_key_sha256}) is kept "
                f"sealed in {request.key_path}. Send the CSR to the certificate authority, then "
                f"run `signing_key import-chain --office {office.code} --chain FILE.pem`."
            )
        else:
            self.stdout.write(request.csr_pem, ending="")

    def _import_chain(self, office: Office, options) -> None:
        chain = options.get("chain")
        if not chain:
            raise CommandError("--chain is required for import-chain.")
        path = Path(chain)
        if not path.is_file():
            raise CommandError(f"No file {chain!r}.")
        if path.stat().st_size > MAX_CHAIN_BYTES:
            raise CommandError("The chain file is too large.")
        try:
            key = signing_key_chain_import(office=office, chain_pem=path.read_bytes(), by=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{office.code}: key {key.key_id} ({key.source}) is now active.")
