"""The citizen's report form, the tracking form and the inspectorate's move form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from antrean.reports.models import ATTACHMENT_MAX_BYTES, Outcome, ReportStatus
from antrean.tenancy.models import Office


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("Apa yang terjadi?"),
        help_text=_(
            "Ceritakan siapa yang meminta, berapa atau apa yang diminta, kapan dan di mana. "
            "Jangan menulis NIK atau data pribadi orang lain."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
        max_length=5000,
    )
    attachment = forms.FileField(
        label=_("Bukti (opsional)"),
        help_text=_("Foto JPG/PNG atau berkas PDF, paling besar 5 MB. Disimpan terenkripsi."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    contact = forms.CharField(
        label=_("Kontak untuk dihubungi Inspektorat (opsional)"),
        help_text=_("Nomor telepon atau surel, bila Anda bersedia dimintai keterangan."),
        required=False,
        max_length=200,
    )
    identity_to_office = forms.BooleanField(
        label=_("Kantor boleh mengetahui identitas saya"),
        help_text=_(
            "Bila tidak dicentang, kantor dan petugas tidak diberi tahu siapa pelapornya. "
            "Inspektorat selalu dapat melihat antrean asal laporan ini untuk menelaahnya."
        ),
        required=False,
    )

    def attachment_bytes(self) -> list[bytes]:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return []
        # One byte over the limit is enough to refuse; never read a large upload whole.
        return [upload.read(ATTACHMENT_MAX_BYTES + 1)]


class NewReportForm(ReportForm):
    """From /lapor/: bind a ticket by its code and NIK ending, or name the office."""

    code = forms.CharField(
        label=_("Kode pemesanan (opsional)"),
        help_text=_("Tertera pada tiket atau pesan WhatsApp Anda, misalnya ABCD-2345."),
        required=False,
        max_length=20,
    )
    nik_last4 = forms.CharField(
        label=_("4 angka terakhir NIK (bila mengisi kode)"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    office = forms.ModelChoiceField(
        label=_("Kantor (bila tanpa kode pemesanan)"),
        queryset=Office.objects.filter(is_active=True).order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("— Pilih kantor —"),
    )
    field_order = ["code", "nik_last4", "office", "text", "attachment", "contact"]

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("office"):
            raise forms.ValidationError(
                _("Isi kode pemesanan dan 4 angka terakhir NIK, atau pilih kantornya.")
            )
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Kode pelacakan"),
        help_text=_("12 huruf dan angka yang Anda terima, misalnya ABCD-2345-WXYZ."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class MoveForm(forms.Form):
    to = forms.ChoiceField(
        label=_("Langkah berikut"),
        choices=[
            (ReportStatus.UNDER_REVIEW, ReportStatus.UNDER_REVIEW.label),
            (ReportStatus.CLOSED, _("Tutup dengan hasil")),
        ],
    )
    outcome = forms.ChoiceField(
        label=_("Hasil (untuk menutup)"),
        choices=[("", _("—"))] + [(v, label) for v, label in Outcome.choices if v],
        required=False,
    )
    reason = forms.CharField(
        label=_("Alasan tertulis (untuk menutup)"),
        help_text=_(
            "Alasan disimpan sebagai catatan keputusan dan tidak dihapus bersama isi laporan: "
            "jangan menuliskan nama atau kontak pelapor."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )


class ListFilterForm(forms.Form):
    kantor = forms.ChoiceField(label=_("Kantor"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua")), *list(ReportStatus.choices)],
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kantor"].choices = [("", _("Semua kantor"))] + [
            (o.code, o.name) for o in offices
        ]
