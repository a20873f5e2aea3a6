"""Forms of the citizen's pages. The rules themselves live in antrean.core.identity and in
booking.services; the forms only carry their messages to the right field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from antrean.core.errors import DomainError
from antrean.core.identity import clean_name, clean_nik, clean_phone


def _domain_check(check, value):
    try:
        return check(value)
    except DomainError as error:
        raise forms.ValidationError(error.message, code=str(error.code)) from error


class IdentityForm(forms.Form):
    name = forms.CharField(
        label=_("Nama lengkap"),
        max_length=200,
        help_text=_("Sesuai KTP-el atau Kartu Keluarga."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words"}),
    )
    nik = forms.CharField(
        label=_("NIK"),
        max_length=40,
        help_text=_("16 angka pada KTP-el atau Kartu Keluarga."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    whatsapp = forms.CharField(
        label=_("Nomor WhatsApp"),
        max_length=40,
        help_text=_("Nomor ponsel, misalnya 0812 3456 7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
    )
    whatsapp_consent = forms.BooleanField(
        label=_("Kirim piagam dan pemberitahuan ke WhatsApp saya"),
        required=False,
        help_text=_(
            "Yang dikirim: nomor antrean, Piagam Pakta Integritas (PDF), dan pengingat sebelum "
            "jadwal. Tidak wajib: tanpa centang ini tidak ada pesan WhatsApp, antrean tetap "
            "berlaku, dan piagam dapat diunduh di halaman antrean Anda."
        ),
    )

    # Django's own "required" message, in the same voice as the domain messages.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Isi nama lengkap Anda.")
        self.fields["nik"].error_messages["required"] = _("Isi NIK Anda.")
        self.fields["whatsapp"].error_messages["required"] = _("Isi nomor WhatsApp Anda.")

    def clean_name(self):
        return _domain_check(clean_name, self.cleaned_data["name"])

    def clean_nik(self):
        return _domain_check(clean_nik, self.cleaned_data["nik"])

    def clean_whatsapp(self):
        return _domain_check(clean_phone, self.cleaned_data["whatsapp"])


class PactForm(forms.Form):
    """The citizen's agreement. `pact_agreed` is not required here on purpose: the booking
    service refuses a missing tick with `pact_required`, the same rule as in the API."""

    pact_agreed = forms.BooleanField(required=False)
    pact_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    pact_sha256 = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
