"""An office's whole setup as a workbook: export it, and import one.

An import is validated whole first (every problem, with its sheet, row and column), then
planned against the database (created / updated with each field's change / unchanged /
deactivated / removed, per sheet), then either shown (`dry_run`) or applied in one
transaction, after which the office's slots are made so it takes bookings at once.

Rows are found by their codes, so importing the same workbook twice changes nothing. What the
database holds and the workbook leaves out (docs/decisions/0014-office-workbook.md):
agencies, services and counters are deactivated, never deleted (tickets point at them); a
weekday without opening hours is closed; a closure is removed only if its date is still to
come. Past closures stay as history.

Scope: `actor` None is the installation's operator at the shell (`manage.py office_import`);
anyone else needs `permissions.can_onboard` for the office's region, both regions when the
office moves. A refusal happens before anything of the database is shown or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections import Counter as Tally
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from antrean.catalog.models import Counter, Service
from antrean.catalog.services import office_slots_ensure
from antrean.display.models import Board
from antrean.onboarding.workbook import (
    AGENCIES,
    CLOSURES,
    COUNTERS,
    LINES,
    LIST,
    OFFICE,
    OPENING_HOURS,
    SERVICES,
    SHEETS,
    TEXT,
    Column,
    Issue,
    ParsedRow,
    Sheet,
    cell_text,
    normalise_lines,
    read_workbook,
    write_workbook,
)
from antrean.queueing.models import Ticket
from antrean.queueing.states import ACTIVE
from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Closure, Office, OpeningHours, Region
from antrean.tenancy.services import national_closures

# Office columns that are not fields of Office.
_OFFICE_EXTRA = ("region", "running_text", "national_holidays")


class WorkbookRejected(Exception):
    """The workbook cannot be imported; nothing was written. `issues` names every problem."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__(f"{len(issues)} issue(s)")


class PlanChanged(Exception):
    """The office changed between the preview and the apply step; nothing was written.
    `result` is the new preview."""

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__("plan changed")


@dataclass(frozen=True)
class FieldChange:
    header: str
    old: str | int | None
    new: str | int | None


@dataclass
class RowChange:
    key: str
    name: str = ""
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class SheetChanges:
    sheet: Sheet
    created: list[RowChange] = field(default_factory=list)
    updated: list[RowChange] = field(default_factory=list)
    deactivated: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def title(self) -> str:
        return self.sheet.title

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deactivated) + len(self.removed)


@dataclass
class ImportResult:
    office_code: str
    office_name: str
    office_created: bool
    sheets: list[SheetChanges]
    warnings: list[str]
    digest: str
    applied: bool = False
    slots_created: int = 0

    @property
    def changes(self) -> int:
        return sum(sheet.changes for sheet in self.sheets)


# --- Export ------------------------------------------------------------------------------------


def office_export(*, actor, office: Office) -> bytes:
    """The office's whole setup as an .xlsx workbook that `office_import` reads back unchanged."""
    if actor is not None:
        permissions.require(permissions.can_onboard(actor, office.region_id))
    return write_workbook(office_rows(office))


def workbook_template() -> bytes:
    """The blank workbook: headers, drop-down lists and the README sheet."""
    return write_workbook({})


def office_rows(office: Office) -> dict[str, list[dict]]:
    """The office as workbook rows (typed values by column key, per sheet key)."""
    board = Board.objects.filter(office=office).first()
    agencies = list(Agency.objects.filter(office=office).order_by("position", "code"))
    services = list(
        Service.objects.filter(office=office)
        .select_related("agency")
        .order_by("agency__position", "agency__code", "position", "code")
    )
    counters = list(
        Counter.objects.filter(office=office)
        .select_related("agency")
        .prefetch_related("services")
        .order_by("number")
    )
    order = {service.pk: n for n, service in enumerate(services)}
    return {
        OFFICE.key: [{**_office_values(office, _running_text(board)), "national_holidays": True}],
        AGENCIES.key: [_agency_values(agency) for agency in agencies],
        SERVICES.key: [_service_values(service) for service in services],
        COUNTERS.key: [
            _counter_values(
                counter,
                tuple(
                    s.code for s in sorted(counter.services.all(), key=lambda s: order.get(s.pk, 0))
                ),
            )
            for counter in counters
        ],
        OPENING_HOURS.key: [
            _hours_values(hours)
            for hours in OpeningHours.objects.filter(office=office).order_by("weekday")
        ],
        CLOSURES.key: [
            _closure_values(closure)
            for closure in Closure.objects.filter(office=office).order_by("date")
        ],
    }


def _running_text(board: Board | None) -> str:
    return board.running_text if board else Board._meta.get_field("running_text").default


def _office_values(office: Office, running_text: str) -> dict:
    values = {
        column.key: getattr(office, column.key)
        for column in OFFICE.columns
        if column.key not in _OFFICE_EXTRA
    }
    values["region"] = office.region.code
    values["running_text"] = running_text
    return values


def _agency_values(agency: Agency) -> dict:
    return {column.key: getattr(agency, column.key) for column in AGENCIES.columns}


def _service_values(service: Service) -> dict:
    values = {
        column.key: getattr(service, column.key)
        for column in SERVICES.columns
        if column.key != "agency"
    }
    values["agency"] = service.agency.code
    values["requirements"] = normalise_lines(service.requirements)
    return values


def _counter_values(counter: Counter, service_codes: tuple[str, ...]) -> dict:
    return {
        "number": counter.number,
        "agency": counter.agency.code,
        "name": counter.name,
        "services": service_codes,
        "is_active": counter.is_active,
    }


def _hours_values(hours: OpeningHours) -> dict:
    return {column.key: getattr(hours, column.key) for column in OPENING_HOURS.columns}


def _closure_values(closure: Closure) -> dict:
    return {"date": closure.date, "reason": closure.reason, "kind": closure.kind}


# --- Import: the workbook on its own -----------------------------------------------------------


@dataclass
class _Row:
    """A row of the workbook with every value filled (defaults for empty cells)."""

    parsed: ParsedRow
    values: dict


@dataclass
class _Desired:
    office: _Row | None = None
    agencies: list[_Row] = field(default_factory=list)
    services: list[_Row] = field(default_factory=list)
    counters: list[_Row] = field(default_factory=list)
    hours: list[_Row] = field(default_factory=list)
    closures: list[_Row] = field(default_factory=list)


def _default(model: type[Model], column: Column):
    if column.default is not None:
        return column.default
    if column.kind in (TEXT, LINES):
        return ""
    try:
        model_field = model._meta.get_field(column.key)
    except FieldDoesNotExist:  # a column that is not a model field
        return None
    if model_field.null:
        return None
    return model_field.get_default()


def _filled(sheet: Sheet, model: type[Model], row: ParsedRow) -> dict:
    values = {}
    for column in sheet.columns:
        value = row.values.get(column.key)
        values[column.key] = _default(model, column) if value is None else value
    return values


def _model_issues(
    sheet: Sheet, model: type[Model], row: ParsedRow, values: dict, issues: list[Issue]
) -> None:
    """What the model's validators, `clean()` and CHECK constraints would refuse in this row,
    on the columns they belong to."""
    names = {f.name for f in model._meta.concrete_fields}
    given = {key: value for key, value in values.items() if key in names and key in row.values}
    instance = model(
        **{k: v for k, v in values.items() if k in names and not _is_relation(model, k)}
    )
    exclude = [n for n in names if n not in given or _is_relation(model, n)]
    failed: set[str] = set()
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        failed |= _add_validation(sheet, row, error, issues)
    if failed:
        return
    if model is OpeningHours:
        # Pure (no query): order of the hours and the break, with messages people act on.
        try:
            instance.clean()
        except ValidationError as error:
            _add_validation(sheet, row, error, issues)
            return
    for constraint in model._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            try:
                constraint.validate(model, instance, exclude=set(exclude))
            except ValidationError:
                column, message = _CHECK_MESSAGES.get(
                    constraint.name, (None, _("Nilai baris ini tidak diterima."))
                )
                issues.append(row.issue(sheet, column, str(message)))


def _is_relation(model: type[Model], name: str) -> bool:
    try:
        return model._meta.get_field(name).is_relation
    except FieldDoesNotExist:
        return False


def _add_validation(sheet: Sheet, row: ParsedRow, error: ValidationError, issues) -> set[str]:
    failed = set()
    for name, messages in error.message_dict.items():
        failed.add(name)
        for message in messages:
            issues.append(row.issue(sheet, None if name == NON_FIELD_ERRORS else name, message))
    return failed


class _Lazy:
    """A message read in the language active when it is shown."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return _(self.text)


# CHECK constraints by name: the column they are about and what to say (the models' own
# messages for the same rules).
_CHECK_MESSAGES = {
    "service_slot_minutes_min": (
        "slot_minutes",
        _Lazy("Panjang jadwal paling sedikit 5 menit."),
    ),
    "opening_hours_order": ("closes", _Lazy("Jam tutup harus setelah jam buka.")),
    "opening_hours_break_inside": (
        "break_start",
        _Lazy("Istirahat harus berada di dalam jam layanan dan selesai setelah mulai."),
    ),
}


def _unique(sheet: Sheet, rows: list[_Row], key: str, issues: list[Issue], *, message: str) -> None:
    seen: dict = {}
    for row in rows:
        value = row.values.get(key)
        if value is None or row.parsed.values.get(key) is None:
            continue
        if value in seen:
            issues.append(
                row.parsed.issue(
                    sheet,
                    key,
                    message % {"value": cell_text(sheet.column(key), value), "row": seen[value]},
                )
            )
        else:
            seen[value] = row.parsed.row


def _desired(parsed) -> _Desired:
    """The workbook as full rows, with everything a row or the workbook itself gets wrong
    added to `parsed.issues` (no database read)."""
    issues = parsed.issues
    desired = _Desired()
    models = {
        OFFICE.key: Office,
        AGENCIES.key: Agency,
        SERVICES.key: Service,
        COUNTERS.key: Counter,
        OPENING_HOURS.key: OpeningHours,
        CLOSURES.key: Closure,
    }
    rows: dict[str, list[_Row]] = {}
    for sheet in SHEETS:
        model = models[sheet.key]
        rows[sheet.key] = []
        for parsed_row in parsed.rows.get(sheet.key, []):
            values = _filled(sheet, model, parsed_row)
            _model_issues(sheet, model, parsed_row, values, issues)
            rows[sheet.key].append(_Row(parsed_row, values))
    office_rows_ = rows[OFFICE.key]
    desired.office = office_rows_[0] if office_rows_ else None
    if desired.office is not None and desired.office.values.get("running_text") == "":
        desired.office.values["running_text"] = Board._meta.get_field("running_text").default
    desired.agencies = rows[AGENCIES.key]
    desired.services = rows[SERVICES.key]
    desired.counters = rows[COUNTERS.key]
    desired.hours = rows[OPENING_HOURS.key]
    desired.closures = rows[CLOSURES.key]

    duplicate_code = _("Kode %(value)s sudah dipakai di baris %(row)d.")
    _unique(AGENCIES, desired.agencies, "code", issues, message=duplicate_code)
    _unique(SERVICES, desired.services, "code", issues, message=duplicate_code)
    _unique(
        SERVICES,
        desired.services,
        "prefix",
        issues,
        message=_("Awalan %(value)s sudah dipakai layanan di baris %(row)d."),
    )
    _unique(
        COUNTERS,
        desired.counters,
        "number",
        issues,
        message=_("Nomor loket %(value)s sudah dipakai di baris %(row)d."),
    )
    _unique(
        OPENING_HOURS,
        desired.hours,
        "weekday",
        issues,
        message=_("Hari %(value)s sudah diisi di baris %(row)d."),
    )
    _unique(
        CLOSURES,
        desired.closures,
        "date",
        issues,
        message=_("Tanggal %(value)s sudah diisi di baris %(row)d."),
    )

    # Positions left empty follow the rows: agencies in the sheet, services within their agency.
    for n, row in enumerate(desired.agencies, start=1):
        if row.parsed.values.get("position") is None:
            row.values["position"] = n
    per_agency: Tally = Tally()
    for row in desired.services:
        per_agency[row.values.get("agency")] += 1
        if row.parsed.values.get("position") is None:
            row.values["position"] = per_agency[row.values.get("agency")]

    agency_codes = {row.values["code"] for row in desired.agencies if row.values.get("code")}
    services_of: dict[str, list[str]] = {}
    agency_of_service: dict[str, str] = {}
    for row in desired.services:
        agency = row.values.get("agency")
        if agency and agency not in agency_codes:
            issues.append(
                row.parsed.issue(
                    SERVICES,
                    "agency",
                    _("Instansi %(code)s tidak ada di lembar Instansi.") % {"code": agency},
                )
            )
        code = row.values.get("code")
        if code and agency:
            services_of.setdefault(agency, []).append(code)
            agency_of_service.setdefault(code, agency)
    for row in desired.counters:
        agency = row.values.get("agency")
        if agency and agency not in agency_codes:
            issues.append(
                row.parsed.issue(
                    COUNTERS,
                    "agency",
                    _("Instansi %(code)s tidak ada di lembar Instansi.") % {"code": agency},
                )
            )
        codes = row.values.get("services") or ()
        if not codes:
            # Empty: every service of the counter's agency, as listed in the workbook.
            row.values["services"] = tuple(services_of.get(agency, ()))
            continue
        for code in codes:
            owner = agency_of_service.get(code)
            if owner is None:
                issues.append(
                    row.parsed.issue(
                        COUNTERS,
                        "services",
                        _("Layanan %(code)s tidak ada di lembar Layanan.") % {"code": code},
                    )
                )
            elif owner != agency and owner in agency_codes and agency in agency_codes:
                issues.append(
                    row.parsed.issue(
                        COUNTERS,
                        "services",
                        _("Layanan %(code)s milik instansi %(owner)s, bukan instansi loket ini.")
                        % {"code": code, "owner": owner},
                    )
                )
        if len(set(codes)) != len(codes):
            issues.append(
                row.parsed.issue(COUNTERS, "services", _("Ada kode layanan yang ditulis dua kali."))
            )
        row.values["services"] = tuple(dict.fromkeys(codes))
    return desired


# --- Import: against the database --------------------------------------------------------------


@dataclass
class _Plan:
    result: ImportResult
    desired: _Desired
    office: Office | None
    region: Region
    today: dt.date
    agencies: dict[str, Agency]
    services: dict[str, Service]
    counters: dict[int, Counter]
    counter_services: dict[int, tuple[str, ...]]
    hours: dict[int, OpeningHours]
    closures: dict[dt.date, Closure]
    board: Board | None
    closures_wanted: list[dict]
    # What to write, by sheet key: identities to create, fields to update, rows to retire.
    create: dict[str, list] = field(default_factory=dict)
    update: dict[str, dict] = field(default_factory=dict)
    retire: dict[str, list] = field(default_factory=dict)


def _same(column: Column, old, new) -> bool:
    if column.kind == TEXT:
        return _text_norm(old) == _text_norm(new)
    if column.kind == LINES:
        return normalise_lines(old or "") == normalise_lines(new or "")
    if column.kind == LIST:
        return sorted(old or ()) == sorted(new or ())
    return old == new


def _text_norm(value) -> str:
    return ("" if value is None else str(value)).replace("\r\n", "\n").strip()


def _diff(sheet: Sheet, old: dict, new: dict, keys=None) -> list[tuple[str, FieldChange]]:
    changes = []
    for column in sheet.columns:
        if keys is not None and column.key not in keys:
            continue
        if not _same(column, old.get(column.key), new.get(column.key)):
            changes.append(
                (
                    column.key,
                    FieldChange(
                        column.label,
                        cell_text(column, old.get(column.key)),
                        cell_text(column, new.get(column.key)),
                    ),
                )
            )
    return changes


def _plan(*, actor, desired: _Desired, issues: list[Issue], now: dt.datetime, lock: bool):
    if actor is not None:
        permissions.require(permissions.may_onboard(actor))
    office_row = desired.office
    code = office_row.values.get("code") if office_row else None
    existing = None
    if code and "code" in office_row.parsed.values:
        offices = Office.objects.select_related("region")
        if lock:
            offices = offices.select_for_update()
        existing = offices.filter(code=code).first()
    region = None
    if office_row is not None and "region" in office_row.parsed.values:
        region = Region.objects.filter(code=office_row.values["region"]).first()
        if region is None:
            issues.append(
                office_row.parsed.issue(
                    OFFICE,
                    "region",
                    _("Wilayah dengan kode %(code)s tidak terdaftar.")
                    % {"code": office_row.values["region"]},
                )
            )
    # The scope is decided before anything of the database is compared or shown.
    if actor is not None:
        if existing is not None:
            permissions.require(permissions.can_onboard(actor, existing.region_id))
        if region is not None:
            permissions.require(permissions.can_onboard(actor, region.pk))
    if existing is not None:
        _check_prefixes_held(existing, desired, issues)
    if issues:
        raise WorkbookRejected(_sorted(issues))
    assert office_row is not None and region is not None

    zone = zoneinfo.ZoneInfo(office_row.values["timezone"])
    today = now.astimezone(zone).date()
    office_id = existing.pk if existing else None
    plan = _Plan(
        result=ImportResult(
            office_code=code,
            office_name=office_row.values["name"],
            office_created=existing is None,
            sheets=[SheetChanges(sheet) for sheet in SHEETS],
            warnings=[],
            digest="",
        ),
        desired=desired,
        office=existing,
        region=region,
        today=today,
        agencies={a.code: a for a in Agency.objects.filter(office_id=office_id)},
        services={
            s.code: s for s in Service.objects.filter(office_id=office_id).select_related("agency")
        },
        counters={
            c.number: c
            for c in Counter.objects.filter(office_id=office_id).select_related("agency")
        },
        counter_services={},
        hours={h.weekday: h for h in OpeningHours.objects.filter(office_id=office_id)},
        closures={c.date: c for c in Closure.objects.filter(office_id=office_id)},
        board=Board.objects.filter(office_id=office_id).first() if office_id else None,
        closures_wanted=[],
    )
    for counter in plan.counters.values():
        plan.counter_services[counter.number] = tuple(
            counter.services.order_by("code").values_list("code", flat=True)
        )
    changes = {sheet.sheet.key: sheet for sheet in plan.result.sheets}
    _plan_office(plan, changes[OFFICE.key])
    _plan_keyed(
        plan,
        changes[AGENCIES.key],
        AGENCIES,
        desired.agencies,
        plan.agencies,
        "code",
        _agency_values,
        name=("short_name",),
        retire="deactivate",
    )
    _plan_keyed(
        plan,
        changes[SERVICES.key],
        SERVICES,
        desired.services,
        plan.services,
        "code",
        _service_values,
        name=("name",),
        retire="deactivate",
    )
    _plan_keyed(
        plan,
        changes[COUNTERS.key],
        COUNTERS,
        desired.counters,
        plan.counters,
        "number",
        lambda c: _counter_values(c, plan.counter_services.get(c.number, ())),
        name=("name", "agency"),
        retire="deactivate",
    )
    _plan_keyed(
        plan,
        changes[OPENING_HOURS.key],
        OPENING_HOURS,
        desired.hours,
        plan.hours,
        "weekday",
        _hours_values,
        name=(),
        retire="delete",
    )
    _plan_closures(plan, changes[CLOSURES.key])
    _plan_warnings(plan)
    plan.result.digest = _digest(plan.result)
    return plan


def _check_prefixes_held(office: Office, desired: _Desired, issues: list[Issue]) -> None:
    """A service the workbook leaves out keeps its prefix (it is only deactivated), so no
    service of the workbook may take it."""
    listed = {row.values.get("code") for row in desired.services}
    held = {
        prefix: code
        for code, prefix in Service.objects.filter(office=office)
        .exclude(code__in=[c for c in listed if c])
        .values_list("code", "prefix")
    }
    for row in desired.services:
        code = held.get(row.values.get("prefix"))
        if code is not None and "prefix" in row.parsed.values:
            issues.append(
                row.parsed.issue(
                    SERVICES,
                    "prefix",
                    _(
                        "Awalan %(prefix)s masih dipakai layanan %(code)s, yang tidak ada di "
                        "lembar kerja (layanan itu dinonaktifkan, bukan dihapus). Pilih awalan "
                        "lain, atau cantumkan layanan %(code)s dengan awalan lain."
                    )
                    % {"prefix": row.values["prefix"], "code": code},
                )
            )


def _plan_office(plan: _Plan, changes: SheetChanges) -> None:
    new = plan.desired.office.values
    if plan.office is None:
        changes.created.append(RowChange(key=new["code"], name=new["name"]))
        plan.create[OFFICE.key] = [new["code"]]
        return
    old = _office_values(plan.office, _running_text(plan.board))
    diff = _diff(OFFICE, old, new, keys=set(old))
    if not diff:
        changes.unchanged += 1
        return
    changes.updated.append(
        RowChange(key=new["code"], name=new["name"], fields=[change for _k, change in diff])
    )
    plan.update[OFFICE.key] = {new["code"]: [key for key, _c in diff]}


def _plan_keyed(plan, changes, sheet, rows, existing, key, values_of, *, name, retire) -> None:
    """Plan one sheet whose rows are found by `key`: create, update field by field, leave, and
    retire (`deactivate` or `delete`) what the workbook leaves out. `name`: the fields that
    name a row in the preview, the first one filled."""
    key_column = sheet.column(key)
    plan.create[sheet.key] = []
    plan.update[sheet.key] = {}
    plan.retire[sheet.key] = []
    listed = set()
    for row in rows:
        new = row.values
        identity = new[key]
        listed.add(identity)
        label = next((str(new[n]) for n in name if new.get(n)), "")
        shown = str(cell_text(key_column, identity))
        current = existing.get(identity)
        if current is None:
            changes.created.append(RowChange(key=shown, name=label))
            plan.create[sheet.key].append(identity)
            continue
        diff = _diff(sheet, values_of(current), new)
        if diff:
            changes.updated.append(
                RowChange(key=shown, name=label, fields=[change for _k, change in diff])
            )
            plan.update[sheet.key][identity] = [k for k, _c in diff]
        else:
            changes.unchanged += 1
    for identity, current in sorted(existing.items()):
        if identity in listed:
            continue
        shown = str(cell_text(key_column, identity))
        label = next((str(getattr(current, n)) for n in name if getattr(current, n)), "")
        if retire == "deactivate":
            if current.is_active:
                changes.deactivated.append(RowChange(key=shown, name=label))
                plan.retire[sheet.key].append(current)
        else:
            changes.removed.append(RowChange(key=shown, name=label))
            plan.retire[sheet.key].append(current)


def _plan_closures(plan: _Plan, changes: SheetChanges) -> None:
    wanted = {row.values["date"]: dict(row.values) for row in plan.desired.closures}
    if plan.desired.office.values.get("national_holidays"):
        years = [plan.today.year, plan.today.year + 1]
        for date, reason, kind in national_closures(years):
            wanted.setdefault(date, {"date": date, "reason": reason, "kind": str(kind)})
    plan.closures_wanted = [wanted[date] for date in sorted(wanted)]
    plan.create[CLOSURES.key] = []
    plan.update[CLOSURES.key] = {}
    plan.retire[CLOSURES.key] = []
    for date, new in sorted(wanted.items()):
        current = plan.closures.get(date)
        if current is None:
            changes.created.append(RowChange(key=date.isoformat(), name=new["reason"]))
            plan.create[CLOSURES.key].append(date)
            continue
        diff = _diff(CLOSURES, _closure_values(current), new)
        if diff:
            changes.updated.append(
                RowChange(key=date.isoformat(), name=new["reason"], fields=[c for _k, c in diff])
            )
            plan.update[CLOSURES.key][date] = [k for k, _c in diff]
        else:
            changes.unchanged += 1
    for date, current in sorted(plan.closures.items()):
        # Past closures are the record of days the office was closed: kept.
        if date not in wanted and date > plan.today:
            changes.removed.append(RowChange(key=date.isoformat(), name=current.reason))
            plan.retire[CLOSURES.key].append(current)


def _plan_warnings(plan: _Plan) -> None:
    if plan.office is None:
        return
    active = Ticket.objects.filter(office=plan.office, status__in=sorted(ACTIVE))
    new_closed = [d for d in plan.create[CLOSURES.key] if d >= plan.today]
    if new_closed:
        n = active.filter(date__in=new_closed).count()
        if n:
            plan.result.warnings.append(
                _(
                    "%(n)d antrean aktif jatuh pada tanggal yang kini ditutup. Antrean itu tidak "
                    "dibatalkan otomatis: hubungi pemesannya."
                )
                % {"n": n}
            )
    retired = [s.pk for s in plan.retire[SERVICES.key]]
    retired += [
        plan.services[code].pk
        for code, keys in plan.update[SERVICES.key].items()
        if "is_active" in keys and not _row_by(plan.desired.services, "code", code)["is_active"]
    ]
    if retired:
        n = active.filter(service__in=retired, date__gte=plan.today).count()
        if n:
            plan.result.warnings.append(
                _(
                    "%(n)d antrean aktif untuk layanan yang dinonaktifkan tetap berlaku dan "
                    "tetap dilayani."
                )
                % {"n": n}
            )
    if "timezone" in plan.update.get(OFFICE.key, {}).get(plan.office.code, []):
        plan.result.warnings.append(
            _(
                "Zona waktu kantor berubah. Jadwal dan antrean yang sudah ada tetap pada saat "
                "yang sama, sehingga jam setempatnya bergeser: periksa jadwal yang sudah dibuat."
            )
        )
    if any(
        {"slot_minutes", "slot_capacity"} & set(keys) for keys in plan.update[SERVICES.key].values()
    ):
        plan.result.warnings.append(
            _(
                "Panjang jadwal dan kuota daring yang baru berlaku untuk tanggal yang jadwalnya "
                "belum dibuat; jadwal yang sudah ada (dan pemesanannya) tetap. Kuota jadwal "
                "yang sudah ada dapat diubah di admin, menu Jadwal."
            )
        )


def _row_by(rows: list[_Row], key: str, identity) -> dict:
    return next(row.values for row in rows if row.values.get(key) == identity)


def _digest(result: ImportResult) -> str:
    """A fingerprint of the planned changes: the apply step refuses a plan that is no longer
    the one previewed."""
    payload = [result.office_code]
    for sheet in result.sheets:
        for kind in ("created", "updated", "deactivated", "removed"):
            for change in getattr(sheet, kind):
                payload.append(
                    [
                        sheet.sheet.key,
                        kind,
                        change.key,
                        [[f.header, f.old, f.new] for f in change.fields],
                    ]
                )
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _sorted(issues: list[Issue]) -> list[Issue]:
    order = {sheet.title: n for n, sheet in enumerate(SHEETS)}
    return sorted(
        issues,
        key=lambda i: (
            -1 if i.sheet is None else order.get(i.sheet, 99),
            i.row or 0,
            (len(i.column or ""), i.column or ""),
        ),
    )


# --- Import: writing ---------------------------------------------------------------------------


def _apply(plan: _Plan, now: dt.datetime) -> Office:
    desired = plan.desired
    new = desired.office.values
    office_fields = [c.key for c in OFFICE.columns if c.key not in _OFFICE_EXTRA]
    office = plan.office
    if office is None:
        office = Office(region=plan.region, **{k: new[k] for k in office_fields})
        office.save()
    else:
        changed = plan.update.get(OFFICE.key, {}).get(office.code, [])
        columns = [k for k in changed if k in office_fields]
        for key in columns:
            setattr(office, key, new[key])
        if "region" in changed:
            office.region = plan.region
            columns.append("region")
        if columns:
            office.save(update_fields=columns)
    if plan.board is None:
        if new["running_text"] != _running_text(None) or plan.office is None:
            Board.objects.create(office=office, running_text=new["running_text"])
    elif not _same(OFFICE.column("running_text"), plan.board.running_text, new["running_text"]):
        plan.board.running_text = new["running_text"]
        plan.board.save(update_fields=["running_text", "updated_at"])

    agencies = dict(plan.agencies)
    _write_keyed(
        plan,
        AGENCIES,
        desired.agencies,
        agencies,
        "code",
        lambda v: Agency(office=office, **v),
        lambda v: v,
    )

    services = dict(plan.services)
    _free_prefixes(plan, services)
    _write_keyed(
        plan,
        SERVICES,
        desired.services,
        services,
        "code",
        lambda v: Service(**{**v, "agency": agencies[v["agency"]]}),
        lambda v: {**v, "agency": agencies[v["agency"]]},
    )

    counters = dict(plan.counters)
    written = _write_keyed(
        plan,
        COUNTERS,
        desired.counters,
        counters,
        "number",
        lambda v: Counter(
            agency=agencies[v["agency"]],
            number=v["number"],
            name=v["name"],
            is_active=v["is_active"],
        ),
        lambda v: {
            k: (agencies[x] if k == "agency" else x) for k, x in v.items() if k != "services"
        },
    )
    for number, values in written.items():
        counters[number].services.set([services[code] for code in values["services"]])

    hours = dict(plan.hours)
    _write_keyed(
        plan,
        OPENING_HOURS,
        desired.hours,
        hours,
        "weekday",
        lambda v: OpeningHours(office=office, **v),
        lambda v: v,
    )

    wanted = {v["date"]: v for v in plan.closures_wanted}
    Closure.objects.bulk_create(
        [Closure(office=office, **wanted[date]) for date in plan.create[CLOSURES.key]]
    )
    for date, keys in plan.update[CLOSURES.key].items():
        closure = plan.closures[date]
        for key in keys:
            setattr(closure, key, wanted[date][key])
        closure.save(update_fields=keys)
    Closure.objects.filter(pk__in=[c.pk for c in plan.retire[CLOSURES.key]]).delete()
    return office


def _write_keyed(plan, sheet, rows, existing, key, build, fields_of) -> dict:
    """Create, update and retire one sheet's rows as planned. Returns the rows written (created
    or updated) by identity."""
    written = {}
    for identity in plan.create[sheet.key]:
        values = _row_by(rows, key, identity)
        obj = build({k: v for k, v in values.items() if k != "services"})
        obj.save()
        existing[identity] = obj
        written[identity] = values
    for identity, keys in plan.update[sheet.key].items():
        values = _row_by(rows, key, identity)
        obj = existing[identity]
        model_values = fields_of(values)
        columns = [k for k in keys if k != "services"]
        for name in columns:
            setattr(obj, name, model_values[name])
        if columns:
            obj.save(update_fields=columns)
        written[identity] = values
    for obj in plan.retire[sheet.key]:
        if sheet.key == OPENING_HOURS.key:
            obj.delete()
        else:
            obj.is_active = False
            obj.save(update_fields=["is_active"])
    return written


def _free_prefixes(plan: _Plan, services: dict[str, Service]) -> None:
    """Services that change prefix first take a placeholder, so that two services may swap
    prefixes in one import without meeting the unique constraint half-way."""
    moving = [code for code, keys in plan.update[SERVICES.key].items() if "prefix" in keys]
    if not moving:
        return
    taken = {s.prefix for s in services.values()}
    taken |= {row.values.get("prefix") for row in plan.desired.services}
    pool = (
        a + b
        for a in "0123456789abcdefghijklmnopqrstuvwxyz"
        for b in "0123456789abcdefghijklmnopqrstuvwxyz"
        if a + b not in taken
    )
    for code in moving:
        service = services[code]
        service.prefix = next(pool)
        service.save(update_fields=["prefix"])


# --- Import: the entry point -------------------------------------------------------------------


def office_import(
    *,
    actor,
    data: bytes,
    dry_run: bool,
    now: dt.datetime | None = None,
    expect_digest: str | None = None,
) -> ImportResult:
    """Import an office workbook (see the module's docstring).

    Raises `WorkbookRejected` with every problem when anything in it is wrong, and
    `DomainError(FORBIDDEN)` when `actor` may not onboard the office's region: in both cases
    nothing is written. `dry_run` reads only. With `expect_digest` (the preview's), a plan that
    differs from the previewed one raises `PlanChanged` with the new preview, writing nothing.
    """
    now = now or timezone.now()
    parsed = read_workbook(data)
    desired = _desired(parsed)
    issues = parsed.issues
    if dry_run:
        return _plan(actor=actor, desired=desired, issues=issues, now=now, lock=False).result
    try:
        with transaction.atomic():
            plan = _plan(actor=actor, desired=desired, issues=issues, now=now, lock=True)
            if expect_digest is not None and plan.result.digest != expect_digest:
                raise PlanChanged(plan.result)
            office = _apply(plan, now)
            plan.result.slots_created = office_slots_ensure(office=office, now=now)
            plan.result.applied = True
    except IntegrityError:
        # Another import (or an admin) wrote the same codes meanwhile: show what is there now.
        preview = _plan(actor=actor, desired=desired, issues=[], now=now, lock=False)
        raise PlanChanged(preview.result) from None
    return plan.result
