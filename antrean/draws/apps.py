from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawsConfig(AppConfig):
    """A day's places released by a public, verifiable draw (undian), not by speed."""

    name = "antrean.draws"
    label = "draws"
    verbose_name = _("Undian kuota")

    def ready(self):
        # A draw's commitment and its reveal join the office's hash chain.
        from antrean.draws.ledger import DRAW_STEPS
        from antrean.integrity.ledger import ledger_source_register

        ledger_source_register(DRAW_STEPS)
