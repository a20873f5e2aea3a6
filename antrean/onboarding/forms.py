"""The upload form of the onboarding page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from antrean.onboarding.workbook import WORKBOOK_MAX_BYTES, XLSX_CONTENT_TYPE


class WorkbookForm(forms.Form):
    workbook = forms.FileField(
        label=_("Lembar kerja (.xlsx)"),
        help_text=_("Berkas Buku Kerja Excel (.xlsx), paling besar 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        error_messages={"required": _("Pilih berkas lembar kerja (.xlsx) terlebih dahulu.")},
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _(
                    "Hanya berkas .xlsx yang diterima. Simpan lembar kerja sebagai Buku Kerja "
                    "Excel (.xlsx), lalu unggah lagi."
                )
            )
        if upload.size > WORKBOOK_MAX_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (paling besar 2 MB)."))
        return upload

    def workbook_bytes(self) -> bytes:
        # Never read an upload whole before knowing its size; one byte over is enough.
        return self.cleaned_data["workbook"].read(WORKBOOK_MAX_BYTES + 1)
