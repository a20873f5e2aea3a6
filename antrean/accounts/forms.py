"""Forms of the sign-in pages: a code (authenticator or recovery code)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """The second step: a 6-digit code from the authenticator, or a recovery code."""

    code = forms.CharField(
        label=_("Kode verifikasi"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Isi kode dari aplikasi autentikator.")},
    )


class SetupForm(forms.Form):
    """Confirming a new authenticator with the code it shows."""

    code = forms.CharField(
        label=_("Kode 6 angka dari aplikasi"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
        error_messages={"required": _("Isi kode 6 angka yang tampil di aplikasi.")},
    )
