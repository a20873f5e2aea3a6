"""Forms of the staff pages (counter console, audit). They carry input and messages only; the
rules live in queueing.services, which every form's data goes through."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from antrean.catalog.models import Counter
from antrean.core.errors import DomainError
from antrean.core.identity import clean_name
from antrean.queueing.models import AuditFlag, Priority


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Nama pengguna atau kata sandi salah."),
        "inactive": _("Akun ini tidak aktif."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Nama pengguna")
        self.fields["password"].label = _("Kata sandi")
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "spellcheck": "false"}
        )


class PactSignForm(forms.Form):
    """The officer's agreement. `pact_agreed` is not required here on purpose: the service
    refuses a missing tick with `pact_required`, the same rule as in the API."""

    pact_agreed = forms.BooleanField(required=False)
    pact_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    pact_sha256 = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Kode pemesanan"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "K7M2-QX9P",
            }
        ),
    )
    nik_last4 = forms.RegexField(
        label=_("4 angka terakhir NIK"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"\d{4}"}
        ),
        error_messages={"invalid": _("Isi tepat 4 angka.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "checkin")
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = _("Isi kode pemesanan.")
        self.fields["nik_last4"].error_messages["required"] = _("Isi 4 angka terakhir NIK.")


class WalkInForm(forms.Form):
    """A ticket for someone at the desk; the citizen reads the pact and agrees on the spot."""

    service = forms.ModelChoiceField(label=_("Layanan"), queryset=None, empty_label=None)
    name = forms.CharField(
        label=_("Nama lengkap"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    priority = forms.ChoiceField(
        label=_("Kelompok prioritas"), choices=Priority.choices, required=False
    )
    pact_agreed = forms.BooleanField(
        label=_("Warga telah membaca (atau dibacakan) dan menyetujui Pakta Integritas."),
        required=False,
    )
    pact_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    pact_sha256 = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, counter: Counter, **kwargs):
        kwargs.setdefault("prefix", "walkin")
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = counter.services.filter(is_active=True).order_by("prefix")
        field.label_from_instance = lambda service: f"{service.prefix} · {service.name}"
        self.fields["name"].error_messages["required"] = _("Isi nama warga.")

    def clean_name(self):
        try:
            return clean_name(self.cleaned_data["name"])
        except DomainError as error:
            raise forms.ValidationError(error.message, code=str(error.code)) from error


class CallSpecificForm(forms.Form):
    # Not required here: the service refuses a short reason with its own message.
    reason = forms.CharField(required=False, max_length=500)


class TransferForm(forms.Form):
    service_id = forms.IntegerField(required=False)


class AuditFilterForm(forms.Form):
    """Filters of the audit page (GET). Every field is optional."""

    STATUS_CHOICES = [
        ("", _("Semua")),
        ("belum", _("Belum ditanggapi")),
        ("sudah", _("Sudah ditanggapi")),
    ]

    kantor = forms.ModelChoiceField(
        label=_("Kantor"), queryset=None, required=False, to_field_name="code"
    )
    jenis = forms.ChoiceField(label=_("Jenis"), required=False)
    loket = forms.ModelChoiceField(label=_("Loket"), queryset=None, required=False)
    petugas = forms.ModelChoiceField(label=_("Petugas"), queryset=None, required=False)
    dari = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, offices, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kantor"].queryset = offices
        self.fields["kantor"].empty_label = None
        self.fields["jenis"].choices = [("", _("Semua jenis")), *AuditFlag.Kind.choices]
        self.fields["loket"].queryset = (
            Counter.objects.filter(office=office).select_related("agency").order_by("number")
        )
        self.fields["loket"].empty_label = _("Semua loket")
        self.fields["loket"].label_from_instance = lambda c: f"{c} · {c.agency.short_name}"
        flagged = AuditFlag.objects.filter(office=office).values("officer_id")
        self.fields["petugas"].queryset = (
            get_user_model().objects.filter(pk__in=flagged).order_by("username")
        )
        self.fields["petugas"].empty_label = _("Semua petugas")
        self.fields["petugas"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        start, end = data.get("dari"), data.get("sampai")
        if start and end and start > end:
            self.add_error(
                "sampai", _("Tanggal akhir harus sama dengan atau setelah tanggal awal.")
            )
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan tanggapan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Tulis catatan tanggapan.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
