"""Survey invitations and responses, kept apart so that no one can tell which ticket gave
which answers.

An invitation belongs to a served ticket and knows only whether it was answered (not when).
A response knows where and on which local day the service was given (office, agency,
service, counter, officer: what the IKM is computed over) and nothing that leads back to the
ticket: a random id instead of a sequence, no timestamp, no ticket, no token.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.fields import EncryptedTextField
from antrean.feedback.questionnaire import ELEMENTS, AgeBand, Education, Occupation, Sex

# Aggregates narrower than an office's service over a period (per officer, per counter) are
# shown only from this many responses: below it, answers could be traced to a person.
ANONYMITY_MIN = 5
# How long after the service the invitation can be answered.
INVITATION_DAYS = 7


class SurveyInvitation(models.Model):
    """A served ticket's one invitation to the survey, valid `INVITATION_DAYS` after service.

    The survey link carries a token derived from the ticket by a keyed hash (so every page
    can show the same link again); only its sha256 is stored.
    """

    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        on_delete=models.CASCADE,
        related_name="survey_invitation",
    )
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Empty until the ticket is done: a link printed on a ticket exists before it opens.
    expires_at = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    # Whether, never when: a moment would line the response up with its ticket.
    answered = models.BooleanField(_("sudah diisi"), default=False)

    class Meta:
        verbose_name = _("undangan survei")
        verbose_name_plural = pgettext_lazy("plural", "undangan survei")

    def __str__(self) -> str:
        return f"{self.ticket_id} {'✓' if self.answered else '…'}"


class Channel(models.TextChoices):
    WEB = "web", _("Web (tautan pribadi)")
    KIOSK = "kiosk", _("Anjungan di pintu keluar")
    TABLET = "tablet", _("Tablet di loket")
    API = "api", _("API")


def _answer_field(element):
    return models.PositiveSmallIntegerField(
        f"U{element.number} {element.name}",
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )


class SurveyResponse(models.Model):
    """One citizen's answers to the nine elements, their profile and a suggestion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "tenancy.Agency", verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="+"
    )
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("loket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    served_on = models.DateField(_("tanggal layanan"))  # the office's local day; no time
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)

    persyaratan = _answer_field(ELEMENTS[0])
    prosedur = _answer_field(ELEMENTS[1])
    waktu = _answer_field(ELEMENTS[2])
    biaya = _answer_field(ELEMENTS[3])
    produk = _answer_field(ELEMENTS[4])
    kompetensi = _answer_field(ELEMENTS[5])
    perilaku = _answer_field(ELEMENTS[6])
    pengaduan = _answer_field(ELEMENTS[7])
    sarpras = _answer_field(ELEMENTS[8])

    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    age_band = models.CharField(_("usia"), max_length=5, choices=AgeBand.choices)
    education = models.CharField(_("pendidikan"), max_length=10, choices=Education.choices)
    occupation = models.CharField(_("pekerjaan"), max_length=10, choices=Occupation.choices)
    # Free text may name people: encrypted like the rest of the citizen's words.
    suggestion = EncryptedTextField(_("saran"), purpose="survey-suggestion", blank=True)

    class Meta:
        verbose_name = _("jawaban survei")
        verbose_name_plural = pgettext_lazy("plural", "jawaban survei")
        indexes = [
            models.Index(fields=["office", "served_on"], name="survey_office_day"),
            models.Index(fields=["service", "served_on"], name="survey_service_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{e.key}__gte": 1, f"{e.key}__lte": 4}),
                name=f"survey_{e.key}_1_to_4",
            )
            for e in ELEMENTS
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.served_on}"

    def answers(self) -> dict[str, int]:
        """`{"u1": 3, …}` in the official order."""
        return {e.code: getattr(self, e.key) for e in ELEMENTS}
