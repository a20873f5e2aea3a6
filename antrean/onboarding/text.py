"""An import's outcome as lines of text, for the command line."""

from django.utils.translation import gettext as _

from antrean.onboarding.services import ImportResult, RowChange


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value).replace("\n", " / ")


def _row(change: RowChange) -> str:
    return f"{change.key} ({change.name})" if change.name else change.key


def result_lines(result: ImportResult, *, dry_run: bool) -> list[str]:
    lines = []
    if dry_run:
        lines.append(_("Pratinjau: tidak ada yang disimpan."))
    what = {"code": result.office_code, "name": result.office_name}
    if result.office_created:
        lines.append(
            (
                _("Kantor baru %(code)s (%(name)s) akan dibuat.")
                if dry_run
                else _("Kantor baru %(code)s (%(name)s) dibuat.")
            )
            % what
        )
    else:
        lines.append(_("Kantor %(code)s (%(name)s).") % what)
    for sheet in result.sheets:
        lines.append(
            _(
                "%(sheet)s: %(created)d baru, %(updated)d diubah, %(unchanged)d tetap, "
                "%(deactivated)d dinonaktifkan, %(removed)d dihapus."
            )
            % {
                "sheet": sheet.title,
                "created": len(sheet.created),
                "updated": len(sheet.updated),
                "unchanged": sheet.unchanged,
                "deactivated": len(sheet.deactivated),
                "removed": len(sheet.removed),
            }
        )
        for change in sheet.created:
            lines.append(f"  + {_row(change)}")
        for change in sheet.updated:
            lines.append(f"  ~ {_row(change)}")
            for item in change.fields:
                lines.append(f"      {item.header}: {_value(item.old)} → {_value(item.new)}")
        for change in sheet.deactivated:
            lines.append(f"  - {_row(change)} " + _("(dinonaktifkan)"))
        for change in sheet.removed:
            lines.append(f"  - {_row(change)} " + _("(dihapus)"))
    for warning in result.warnings:
        lines.append(_("Perhatian: %(warning)s") % {"warning": warning})
    lines.append(_("Jumlah perubahan: %(n)d.") % {"n": result.changes})
    if result.applied:
        lines.append(_("Jadwal pemesanan dibuat: %(n)d.") % {"n": result.slots_created})
    return lines
