"""The form of the citizen's request for their own data."""

from django import forms
from django.utils.translation import gettext_lazy as _


class NotShownAgainInput(forms.TextInput):
    """A text box that never writes back what was typed: after a refusal the page must not
    show the whole NIK again."""

    def format_value(self, value):
        return None


class DataAccessForm(forms.Form):
    code = forms.CharField(
        label=_("Kode pemesanan"),
        max_length=20,
        help_text=_("8 huruf dan angka, misalnya ABCD-2345, pada halaman atau pesan antrean."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    nik = forms.CharField(
        label=_("NIK"),
        max_length=40,
        help_text=_("16 angka NIK yang dipakai saat memesan."),
        widget=NotShownAgainInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = _("Isi kode pemesanan Anda.")
        self.fields["nik"].error_messages["required"] = _("Isi NIK Anda.")
