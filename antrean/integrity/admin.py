"""Admin for pact texts (drafts edited, published versions frozen) and the signature records."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from antrean.integrity.certificates import certificate_revoke
from antrean.integrity.models import (
    Certificate,
    LedgerHead,
    PactRendering,
    PactSignature,
    PactText,
    SigningKey,
)
from antrean.integrity.services import pact_next_version, pact_publish
from antrean.tenancy.admin_scope import ScopedAdmin

PUBLISH_BUTTON = "_terbitkan"
FROM_PARAM = "dari"


class PactTextForm(forms.ModelForm):
    class Meta:
        model = PactText
        fields = ["office", "audience", "language", "version", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 22, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].required = False
            self.fields["version"].help_text = _(
                "Kosongkan agar diisi dengan versi berikutnya secara otomatis."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None and cleaned.get("audience"):
            cleaned["version"] = pact_next_version(
                office=cleaned.get("office"),
                audience=cleaned["audience"],
                language=cleaned.get("language") or "id",
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
    list_display = ["title", "scope", "audience", "version", "state"]
    list_filter = [PublishedFilter, "audience", "office", "language"]
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
        source_id = request.GET.get(FROM_PARAM, "")
        texts = self.get_queryset(request)
        source = texts.filter(pk=source_id).first() if source_id.isdigit() else None
        if source is not None:
            initial.update(
                office=source.office_id,
                audience=source.audience,
                language=source.language,
                title=source.title,
                body=source.body,
                version=pact_next_version(
                    office=source.office, audience=source.audience, language=source.language
                ),
            )
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if PUBLISH_BUTTON in request.POST:
            pact_publish(pact=obj, by=request.user)
            self.message_user(
                request,
                _("Versi %(v)d diterbitkan dan berlaku untuk penandatanganan berikutnya.")
                % {"v": obj.version},
                messages.SUCCESS,
            )

    @admin.display(description=_("berlaku untuk"), ordering="office__name")
    def scope(self, obj: PactText) -> str:
        return obj.office.name if obj.office_id else _("Nasional (bawaan)")

    @admin.display(description=_("status"), ordering="published_at")
    def state(self, obj: PactText) -> str:
        if not obj.is_published:
            return _("Draf")
        published = date_format(timezone.localtime(obj.published_at), "SHORT_DATE_FORMAT")
        return _("Terbit %(date)s") % {"date": published}

    @admin.action(description=_("Terbitkan"), permissions=["change"])
    def publish(self, request, queryset):
        drafts = list(queryset.filter(published_at__isnull=True))
        for pact in drafts:
            pact_publish(pact=pact, by=request.user)
        self.message_user(
            request,
            _("%(n)d draf diterbitkan. Tanda tangan yang lalu tetap pada versinya.")
            % {"n": len(drafts)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Buat versi baru dari teks ini"), permissions=["add"])
    def new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Pilih tepat satu teks."), messages.WARNING)
            return None
        url = reverse("admin:integrity_pacttext_add")
        return HttpResponseRedirect(f"{url}?{FROM_PARAM}={queryset.get().pk}")


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

    list_display = ["pact", "office", "agency", "short_hash", "created_at"]
    list_filter = ["office"]
    search_fields = ["sha256"]
    list_select_related = ["pact__office", "office", "agency"]
    fields = ["pact", "office", "agency", "sha256", "created_at", "text"]

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


@admin.register(SigningKey)
class SigningKeyAdmin(_ReadOnlyAdmin):
    list_display = ["key_id", "office", "source", "activated_at", "retired_at"]
    list_filter = ["office", "source"]
    fields = ["office", "key_id", "source", "activated_at", "retired_at", "certificate_pem"]


@admin.register(LedgerHead)
class LedgerHeadAdmin(_ReadOnlyAdmin):
    list_display = ["office", "seq", "hash", "updated_at"]
