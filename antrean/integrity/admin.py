"""Admin for pact texts (drafts edited, published versions frozen), each office's pact mode,
the signature records, and the office's signing key (CSR and the CA's certificate)."""

from cryptography import x509
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.certificates import certificate_revoke
from antrean.integrity.key_requests import (
    DEFAULT_KEY_TYPE,
    KEY_TYPES,
    MAX_CHAIN_BYTES,
    signing_key_chain_import,
    signing_key_request_create,
)
from antrean.integrity.models import (
    Audience,
    Certificate,
    LedgerHead,
    PactKind,
    PactMode,
    PactPolicy,
    PactRendering,
    PactSignature,
    PactText,
    SigningKey,
    SigningKeyRequest,
    pact_version_label,
)
from antrean.integrity.services import (
    pact_mode_set,
    pact_next_version,
    pact_publish,
    pact_texts_in_force,
)
from antrean.tenancy import permissions
from antrean.tenancy.admin_scope import BY_OFFICE_ADMIN, ScopedAdmin
from antrean.tenancy.models import Office

PUBLISH_BUTTON = "_terbitkan"
FROM_PARAM = "dari"


class PactTextForm(forms.ModelForm):
    class Meta:
        model = PactText
        fields = ["office", "audience", "kind", "language", "version", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 22, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].required = False
            self.fields["version"].help_text = _(
                "Kosongkan agar diisi dengan versi berikutnya secara otomatis."
            )
        if "kind" in self.fields:
            # Left out: an office's text is its clauses, a national text is full.
            self.fields["kind"].required = False

    def clean_body(self):
        # Browsers send a textarea's lines as CRLF: one spelling of a line break in what is
        # hashed, shown and printed.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        if office is None:
            cleaned["kind"] = PactKind.FULL
        elif not cleaned.get("kind"):
            # Left out of the form: a draft keeps its kind, a new office text is clauses.
            cleaned["kind"] = self.instance.kind if self.instance.pk else PactKind.CLAUSES
        self.instance.kind = cleaned["kind"]
        if cleaned.get("version") is None and cleaned.get("audience"):
            cleaned["version"] = pact_next_version(
                office=office,
                audience=cleaned["audience"],
                language=cleaned.get("language") or "id",
                kind=cleaned["kind"],
            )
        return cleaned


class PublishedFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "terbit"

    def lookups(self, request, model_admin):
        return [("ya", _("Terbit")), ("tidak", _("Draf"))]

    def queryset(self, request, queryset):
        if self.value() == "ya":
            return queryset.filter(published_at__isnull=False)
        if self.value() == "tidak":
            return queryset.filter(published_at__isnull=True)
        return queryset


@admin.register(PactText)
class PactTextAdmin(ScopedAdmin, admin.ModelAdmin):
    """A published version is shown read-only; a change is a new version made from it."""

    # National texts (no office) are read by office admins and changed by national admins.
    scope_national = True
    scope_view_actions = ("new_version",)  # an office's own version may start from any text

    form = PactTextForm
    change_form_template = "admin/integrity/pacttext/change_form.html"
    list_display = ["title", "scope", "kind", "audience", "version", "state"]
    list_filter = [PublishedFilter, "audience", "kind", "office", "language"]
    search_fields = ["title", "body"]
    list_select_related = ["office"]
    ordering = ["office__name", "audience", "language", "-version"]
    readonly_fields = ["published_at"]
    actions = ["publish", "new_version"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "published_at"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if not permissions.scope_of(request.user).everything:
            # What an office publishes on its own: clauses after the national text.
            initial.setdefault("kind", PactKind.CLAUSES)
        source_id = request.GET.get(FROM_PARAM, "")
        texts = self.get_queryset(request)
        source = texts.filter(pk=source_id).first() if source_id.isdigit() else None
        if source is not None:
            initial.update(
                office=source.office_id,
                audience=source.audience,
                kind=source.kind,
                language=source.language,
                title=source.title,
                body=source.body,
                version=pact_next_version(
                    office=source.office,
                    audience=source.audience,
                    language=source.language,
                    kind=source.kind,
                ),
            )
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if PUBLISH_BUTTON in request.POST:
            self._publish(request, obj)

    def _publish(self, request, pact: PactText) -> bool:
        try:
            pact_publish(pact=pact, by=request.user)
        except DomainError as exc:
            if exc.code != ErrorCode.FORBIDDEN:
                raise
            self.message_user(request, _publish_refused(pact), messages.ERROR)
            return False
        if pact.office_id is None:
            note = _("Versi %(v)d diterbitkan dan berlaku untuk penandatanganan berikutnya.")
        elif pact.is_clauses:
            note = _(
                "Klausul versi %(v)d diterbitkan: mulai penandatanganan berikutnya, kantor ini "
                "memakai teks nasional yang berlaku ditambah klausul ini."
            )
        else:
            note = _(
                "Versi %(v)d diterbitkan: mulai penandatanganan berikutnya, kantor ini memakai "
                "teks lengkapnya sendiri."
            )
        self.message_user(request, note % {"v": pact.version}, messages.SUCCESS)
        return True

    @admin.display(description=_("berlaku untuk"), ordering="office__name")
    def scope(self, obj: PactText) -> str:
        return obj.office.name if obj.office_id else _("Nasional")

    @admin.display(description=_("status"), ordering="published_at")
    def state(self, obj: PactText) -> str:
        if not obj.is_published:
            return _("Draf")
        published = date_format(timezone.localtime(obj.published_at), "SHORT_DATE_FORMAT")
        return _("Terbit %(date)s") % {"date": published}

    @admin.action(description=_("Terbitkan"), permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for pact in queryset.filter(published_at__isnull=True).order_by("version"):
            try:
                pact_publish(pact=pact, by=request.user)
            except DomainError as exc:
                if exc.code != ErrorCode.FORBIDDEN:
                    raise
                self.message_user(request, _publish_refused(pact), messages.ERROR)
                continue
            published += 1
        self.message_user(
            request,
            _("%(n)d draf diterbitkan. Tanda tangan yang lalu tetap pada versinya.")
            % {"n": published},
            messages.SUCCESS,
        )

    @admin.action(description=_("Buat versi baru dari teks ini"), permissions=["add"])
    def new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Pilih tepat satu teks."), messages.WARNING)
            return None
        url = reverse("admin:integrity_pacttext_add")
        return HttpResponseRedirect(f"{url}?{FROM_PARAM}={queryset.get().pk}")


def _publish_refused(pact: PactText) -> str:
    if pact.office_id is None:
        return _("Teks nasional hanya dapat diterbitkan oleh admin nasional.")
    return _(
        "Teks lengkap milik kantor menggantikan teks nasional, sehingga hanya dapat "
        "diterbitkan oleh admin nasional. Kantor dapat menambahkan klausul tambahan sendiri."
    )


class PactPolicyForm(forms.ModelForm):
    class Meta:
        model = PactPolicy
        fields = ["office", "mode"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # On a new row the office is not chosen yet: ask as for any office (0).
        office_id = self.instance.office_id if self.instance.pk else 0
        if "mode" in self.fields and not permissions.can_set_pact_mode(
            user, office_id=office_id, mode=PactMode.OWN
        ):
            # An office already on its own text may keep it or come back to the national one.
            kept = {self.instance.mode} if self.instance.pk else set()
            self.fields["mode"].choices = [
                (value, label)
                for value, label in PactMode.choices
                if value != PactMode.OWN or value in kept
            ]

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office") or (
            self.instance.office if self.instance.office_id else None
        )
        mode = cleaned.get("mode")
        unchanged = self.instance.pk and mode == self.instance.mode
        if (
            office
            and mode
            and not unchanged
            and not permissions.can_set_pact_mode(self.user, office_id=office.pk, mode=mode)
        ):
            raise forms.ValidationError(
                _("Hanya admin nasional yang dapat menetapkan teks lengkap milik kantor.")
            )
        return cleaned


@admin.register(PactPolicy)
class PactPolicyAdmin(ScopedAdmin, admin.ModelAdmin):
    """Each office's choice: the national text as it is, or with the office's clauses (or,
    decided by national admins, a full text of its own). Changed through `pact_mode_set`."""

    scope_add_delete_by = BY_OFFICE_ADMIN
    form = PactPolicyForm
    list_display = ["office", "mode", "citizen_in_force", "officer_in_force", "changed_at"]
    list_filter = ["mode"]
    search_fields = ["office__name", "office__code"]
    list_select_related = ["office"]
    readonly_fields = ["citizen_in_force", "officer_in_force", "changed_at", "changed_by"]

    def get_fields(self, request, obj=None):
        fields = ["office", "mode"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, "office"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return BoundForm

    def has_delete_permission(self, request, obj=None):
        return False  # back to the national text is the mode "adopt"

    def save_model(self, request, obj, form, change):
        try:
            saved = pact_mode_set(office=obj.office, mode=obj.mode, by=request.user)
        except DomainError as exc:
            raise PermissionDenied from exc
        obj.changed_at, obj.changed_by = saved.changed_at, saved.changed_by

    def _in_force(self, obj: PactPolicy, audience: str) -> str:
        texts = pact_texts_in_force(office=obj.office, audience=audience)
        if texts is None:
            return _("Belum ada teks terbit")
        return pact_version_label(
            version=texts.base.version,
            national=texts.base.office_id is None,
            clauses_version=texts.clauses.version if texts.clauses else None,
        )

    @admin.display(description=_("berlaku untuk pengguna layanan"))
    def citizen_in_force(self, obj: PactPolicy) -> str:
        return self._in_force(obj, Audience.CITIZEN)

    @admin.display(description=_("berlaku untuk petugas"))
    def officer_in_force(self, obj: PactPolicy) -> str:
        return self._in_force(obj, Audience.OFFICER)


class _ReadOnlyAdmin(ScopedAdmin, admin.ModelAdmin):
    """Records of what was signed: evidence, so nobody adds, edits or deletes them here.
    Seen by the administrators of their office."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PactRendering)
class PactRenderingAdmin(_ReadOnlyAdmin):
    scope_agency = "agency"  # an officer's text names the agency

    list_display = ["pact", "clauses", "office", "agency", "short_hash", "created_at"]
    list_filter = ["office"]
    search_fields = ["sha256"]
    list_select_related = ["pact__office", "clauses__office", "office", "agency"]
    fields = ["pact", "clauses", "office", "agency", "sha256", "created_at", "text"]

    @admin.display(description="sha256")
    def short_hash(self, obj: PactRendering) -> str:
        return obj.sha256[:16] + "…"


@admin.register(PactSignature)
class PactSignatureAdmin(_ReadOnlyAdmin):
    list_display = [
        "signed_at",
        "office",
        "audience",
        "pact_version",
        "pact_clauses_version",
        "channel",
        "ticket",
        "officer",
    ]
    list_filter = ["office", "audience", "channel"]
    date_hierarchy = "signed_at"
    search_fields = ["=ticket__code", "pact_sha256"]
    list_select_related = ["office", "ticket", "officer"]
    fields = [
        "office",
        "audience",
        "rendering",
        "pact_version",
        "pact_clauses_version",
        "pact_sha256",
        "ticket",
        "officer",
        "signed_at",
        "channel",
        "client_ip",
        "user_agent",
        "ledger_seq",
        "prev_hash",
        "entry_hash",
    ]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pencabutan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Ditampilkan di halaman verifikasi publik. Jangan tulis data pribadi."),
    )


@admin.register(Certificate)
class CertificateAdmin(_ReadOnlyAdmin):
    list_display = ["number", "office", "status", "ready", "created_at", "rendered_at"]
    list_filter = ["office", "status"]
    search_fields = ["=number", "=verification_code", "=signature__ticket__code"]
    date_hierarchy = "created_at"
    list_select_related = ["office"]
    fields = [
        "number",
        "office",
        "status",
        "verification_code",
        "signature",
        "signing_key",
        "pdf_sha256",
        "created_at",
        "rendered_at",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
    ]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        # Administrators of an office, on its certificates only (the mixin narrows the rows).
        return self.scope_reaches_any(request, write=True)

    @admin.display(description=_("PDF siap"), boolean=True)
    def ready(self, obj: Certificate) -> bool:
        return obj.is_ready

    # The only change an admin makes to a certificate is revoking it, through this action.
    @admin.action(description=_("Cabut piagam terpilih (dengan alasan)"), permissions=["revoke"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            count = 0
            for certificate in queryset.exclude(status=Certificate.Status.REVOKED):
                certificate_revoke(
                    certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
                )
                count += 1
            self.message_user(request, _("%(n)d piagam dicabut.") % {"n": count}, messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/integrity/certificate/revoke.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Cabut piagam"),
                "form": form,
                "certificates": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


KEY_TYPE_LABELS = {
    "rsa-3072": _("RSA 3072 bit (disarankan)"),
    "rsa-2048": _("RSA 2048 bit"),
    "ec-p256": _("ECDSA P-256"),
}


class OfficeChoiceForm(forms.Form):
    office = forms.ModelChoiceField(queryset=Office.objects.none(), label=_("Kantor"))

    def __init__(self, *args, user, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = permissions.offices_administered(user).order_by("name")
        if office is not None:
            self.fields["office"].initial = office.pk
            self.fields["office"].widget = forms.HiddenInput()


class CsrForm(OfficeChoiceForm):
    key_type = forms.ChoiceField(
        label=_("Jenis kunci"),
        choices=[(k, KEY_TYPE_LABELS[k]) for k in KEY_TYPES],
        initial=DEFAULT_KEY_TYPE,
        help_text=_("Pilih sesuai persyaratan CA. RSA 3072 bit diterima oleh CA pada umumnya."),
    )
    organization = forms.CharField(
        label=_("Organisasi (O)"),
        required=False,
        max_length=64,
        help_text=_("Kosongkan untuk memakai nama kantor, atau tulis nama instansi induknya."),
    )
    unit = forms.CharField(label=_("Unit organisasi (OU)"), required=False, max_length=64)
    email = forms.EmailField(label=_("Email pengelola"), required=False, max_length=128)


class ChainForm(OfficeChoiceForm):
    chain = forms.FileField(
        label=_("Sertifikat dari CA (PEM)"),
        help_text=_("Berkas .pem/.crt berisi sertifikat kantor beserta sertifikat CA penerbitnya."),
    )


@admin.register(SigningKey)
class SigningKeyAdmin(_ReadOnlyAdmin):
    """The keys on record, and the two steps that give an office its own key without a
    developer: "Buat CSR" (a key made and sealed here, its CSR for the CA) and "Unggah
    sertifikat" (the chain the CA issued, checked, then active)."""

    change_list_template = "admin/integrity/signingkey/change_list.html"
    list_display = ["key_id", "office", "source", "subject", "valid_until", "activated_at"]
    list_display += ["retired_at"]
    list_filter = ["office", "source"]
    fields = [
        "office",
        "key_id",
        "source",
        "activated_at",
        "retired_at",
        "certificate_pem",
        "chain_pem",
    ]

    @admin.display(description=_("pemilik sertifikat"))
    def subject(self, obj: SigningKey) -> str:
        certificate = _certificate(obj)
        return certificate.subject.rfc4514_string() if certificate else "—"

    @admin.display(description=_("berlaku sampai"))
    def valid_until(self, obj: SigningKey) -> str:
        certificate = _certificate(obj)
        if certificate is None:
            return "—"
        return date_format(timezone.localtime(certificate.not_valid_after_utc), "SHORT_DATE_FORMAT")

    # --- the office's own key ------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("csr/", view(self.csr_view), name="integrity_signingkey_csr"),
            path(
                "permintaan/<int:request_id>/",
                view(self.request_view),
                name="integrity_signingkey_request",
            ),
            path(
                "permintaan/<int:request_id>/csr/",
                view(self.request_csr_download),
                name="integrity_signingkey_request_csr",
            ),
            path("sertifikat/", view(self.chain_view), name="integrity_signingkey_chain"),
            *super().get_urls(),
        ]

    def _may_manage(self, request) -> bool:
        return permissions.offices_administered(request.user).exists()

    def _requests(self, request):
        return SigningKeyRequest.objects.filter(
            office__in=permissions.offices_administered(request.user)
        ).select_related("office")

    def _page(self, request, template: str, title: str, **context):
        return TemplateResponse(
            request,
            f"admin/integrity/signingkey/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    def changelist_view(self, request, extra_context=None):
        pending = self._requests(request).filter(status=SigningKeyRequest.Status.PENDING)
        extra_context = {
            **(extra_context or {}),
            "may_manage_keys": self._may_manage(request),
            "pending_requests": pending,
        }
        return super().changelist_view(request, extra_context)

    def csr_view(self, request):
        if not self._may_manage(request):
            raise PermissionDenied
        form = CsrForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                key_request = signing_key_request_create(
                    office=data["office"],
                    by=request.user,
                    key_type=data["key_type"],
                    organization=data["organization"],
                    unit=data["unit"],
                    email=data["email"],
                )
            except DomainError as exc:
                raise PermissionDenied from exc
            self.message_user(
                request,
                _(
                    "Kunci baru dibuat dan disimpan tersegel di server. Unduh CSR dan kirim ke "
                    "CA; setelah sertifikat terbit, unggah di halaman ini."
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:integrity_signingkey_request", args=[key_request.pk])
            )
        return self._page(request, "csr.html", _("Buat CSR kunci tanda tangan"), form=form)

    def request_view(self, request, request_id: int):
        key_request = get_object_or_404(self._requests(request), pk=request_id)
        form = ChainForm(user=request.user, office=key_request.office)
        return self._page(
            request,
            "request.html",
            _("Permintaan sertifikat %(office)s") % {"office": key_request.office.name},
            key_request=key_request,
            form=form,
            pending=key_request.status == SigningKeyRequest.Status.PENDING,
        )

    def request_csr_download(self, request, request_id: int):
        key_request = get_object_or_404(self._requests(request), pk=request_id)
        stamp = timezone.localtime(key_request.created_at).strftime("%Y%m%d-%H%M")
        response = HttpResponse(key_request.csr_pem, content_type="application/pkcs10")
        response["Content-Disposition"] = (
            f'attachment; filename="{key_request.office.code}-{stamp}.csr"'
        )
        return response

    def chain_view(self, request):
        if not self._may_manage(request):
            raise PermissionDenied
        form = ChainForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["chain"]
            office = form.cleaned_data["office"]
            try:
                if upload.size > MAX_CHAIN_BYTES:
                    raise forms.ValidationError(_("Berkas rantai sertifikat terlalu besar."))
                key = signing_key_chain_import(
                    office=office, chain_pem=upload.read(), by=request.user
                )
            except forms.ValidationError as exc:
                form.add_error("chain", exc)
            except DomainError as exc:
                if exc.code == ErrorCode.FORBIDDEN:
                    raise PermissionDenied from exc
                form.add_error("chain", exc.message)
            else:
                self.message_user(
                    request,
                    _(
                        "Sertifikat dipasang: piagam %(office)s kini ditandatangani dengan kunci "
                        "%(key)s. Kunci sebelumnya dipensiunkan dan tetap memverifikasi piagam "
                        "lama."
                    )
                    % {"office": office.name, "key": key.key_id},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:integrity_signingkey_changelist"))
        return self._page(request, "chain.html", _("Unggah sertifikat dari CA"), form=form)


def _certificate(key: SigningKey) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(key.certificate_pem.encode())
    except ValueError:
        return None


@admin.register(LedgerHead)
class LedgerHeadAdmin(_ReadOnlyAdmin):
    list_display = ["office", "seq", "hash", "updated_at"]
