"""One table from every result under var/bench/: printed, and written to report.md beside them.

Usage: .venv/bin/python -m bench.report [--dir var/bench]

Reads what the bench parts wrote (dblimit.json, dblimit-sqlite.json, http.json, pages.json,
certificate.json, display.json, dashboard.json) and names any other JSON file it finds without
reading it. The targets are reported, never asserted: HTTP bookings ≥ 0.5 of the database limit
for the same SQL, and p99 ≤ 100 ms at 64 clients (issue 7); the national dashboard's p95 ≤ 300
ms over a year of 500 offices (issue 13).
"""

import argparse
import json
from pathlib import Path

from bench.common import out_dir

KNOWN = {
    "dblimit.json",
    "dblimit-sqlite.json",
    "http.json",
    "pages.json",
    "certificate.json",
    "display.json",
    "fixtures.json",
    "dashboard.json",
}
RATIO_TARGET = 0.5
P99_TARGET_MS = 100


def _load(folder: Path, name: str) -> dict | None:
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else None


def _kb(n: int) -> str:
    return f"{n / 1000:.1f} kB"


def _db_rows(data: dict, label: str) -> list[tuple[str, str, str]]:
    rows = []
    names = {
        "transaction": "booking transaction (BEGIN…COMMIT)",
        "request": "booking request (every statement)",
        "number": "queue number alone",
    }
    for run in data["runs"]:
        flag = "" if run["ok"] else " **FAILED**"
        rows.append(
            (
                f"{label}: {names.get(run['script'], run['script'])}, {run['layout']}",
                f"**{run['tps']:,.0f}/s**, mean {run['latency_avg_ms']:.1f} ms{flag}",
                f"{run['clients']} client(s), {run['seconds']} s, failed {run['failed']}",
            )
        )
    return rows


def _db_limit(dblimit: dict | None, layout: str, script: str) -> float | None:
    if not dblimit:
        return None
    for run in dblimit["runs"]:
        if run["layout"] == layout and run["script"] == script and run["ok"]:
            return run["tps"]
    return None


def _http_rows(http: dict, dblimit: dict | None) -> list[tuple[str, str, str]]:
    rows = []
    for run in http["runs"]:
        lat, cpu = run["latency_ms"], run["cpu_per_s"]
        ratios = []
        for script in ("transaction", "request"):
            limit = _db_limit(dblimit, run["layout"], script)
            if limit:
                ratios.append(f"{run['bookings_per_s'] / limit:.2f} of {script}")
        errors = dict(run["non_201"]) | {f"socket {k}": v for k, v in run["socket_errors"].items()}
        error_text = ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"
        rows.append(
            (
                f"HTTP bookings, {run['layout']}, {run['clients']} connections",
                f"**{run['bookings_per_s']:,.0f}/s**, p50 {lat['p50']:.0f} ms, "
                f"p99 {lat['p99']:.0f} ms",
                f"errors {error_text}; ratio to DB limit {'; '.join(ratios) or 'n/a'}; "
                f"CPU s/s wrk {cpu['wrk']:.2f}, gunicorn {cpu['gunicorn']:.2f}, "
                f"PostgreSQL {cpu['postgresql']:.2f}{_per_booking(run)}",
            )
        )
    return rows


def _per_booking(run: dict) -> str:
    per = run.get("cpu_ms_per_booking")
    if not per:
        return ""
    return f" (per booking {per['gunicorn']:.1f} and {per['postgresql']:.1f} ms)"


def _targets(http: dict | None, dblimit: dict | None) -> list[tuple[str, str, str]]:
    if not http:
        return []
    rows = []
    for run in http["runs"]:
        if run["clients"] != 64:
            continue
        limit = _db_limit(dblimit, run["layout"], "transaction")
        if limit:
            ratio = run["bookings_per_s"] / limit
            met = "met" if ratio >= RATIO_TARGET else "not met"
            rows.append(
                (
                    f"target: HTTP ≥ {RATIO_TARGET} × DB limit, {run['layout']}, 64 conns",
                    f"{ratio:.2f} ({met})",
                    "against the booking transaction's pgbench rate",
                )
            )
        p99 = run["latency_ms"]["p99"]
        met = "met" if p99 <= P99_TARGET_MS else "not met"
        rows.append(
            (
                f"target: p99 ≤ {P99_TARGET_MS} ms, {run['layout']}, 64 conns",
                f"{p99:.0f} ms ({met})",
                "",
            )
        )
    return rows


def _pages_rows(pages: dict) -> list[tuple[str, str, str]]:
    rows = []
    first = {p["page"]: p for p in pages["first"]["pages"]}
    repeat = {p["page"]: p for p in pages["repeat"]["pages"]}
    again = {p["page"]: p for p in pages["revalidate"]["pages"]}
    for name, page in first.items():
        rows.append(
            (
                f"page bytes: {name}",
                f"first {_kb(page['total_bytes'])}, repeat {_kb(repeat[name]['total_bytes'])}, "
                f"after max-age {_kb(again[name]['total_bytes'])}",
                f"HTML {_kb(page['html_bytes'])} + assets {_kb(page['asset_bytes'])} "
                f"on first visit, {page['requests']} request(s)",
            )
        )
    rows.append(
        (
            "page bytes: whole journey",
            f"**first {_kb(pages['first']['total_bytes'])}**, "
            f"repeat {_kb(pages['repeat']['total_bytes'])}, "
            f"after max-age {_kb(pages['revalidate']['total_bytes'])}",
            "Accept-Encoding: gzip; status lines and headers included",
        )
    )
    return rows


def _certificate_rows(cert: dict) -> list[tuple[str, str, str]]:
    return [
        (
            "certificate render + PAdES sign + seal, median",
            f"**{cert['total_median_ms']} ms** (render {cert['render_median_ms']} ms, "
            f"sign {cert['sign_median_ms']} ms, seal {cert.get('seal_median_ms', '–')} ms), "
            f"p99 {cert['total_p99_ms']} ms",
            f"{cert['runs']} runs, {cert['pdf_bytes']:,} bytes per PDF",
        )
    ]


def _display_rows(display: dict) -> list[tuple[str, str, str]]:
    rows = []
    for run in display["runs"]:
        request, answer = run["from_request_ms"], run["after_response_ms"]
        rows.append(
            (
                f"call → TV board, {run['boards']} board(s)",
                f"p50 {request['p50']:.1f} ms, p99 {request['p99']:.1f} ms from the request",
                f"after the officer's answer p50 {answer['p50']:.1f} ms; "
                f"missed {run['missed']} of {run['messages'] + run['missed']}",
            )
        )
    return rows


def _dashboard_rows(dashboard: dict) -> list[tuple[str, str, str]]:
    seeded = dashboard["seed"]
    rows = [
        (
            f"dashboard: {name}",
            f"p50 {run['p50_ms']:.0f} ms, p95 {run['p95_ms']:.0f} ms",
            f"{run['requests']} requests in-process, {run['bytes']:,} bytes; {run['path']}",
        )
        for name, run in dashboard["runs"].items()
    ]
    met = "met" if dashboard["goal_met"] else "not met"
    # The slowest of the national page's periods (a year, the default 30 days, 90 days).
    national = max(
        run["p95_ms"] for name, run in dashboard["runs"].items() if name.startswith("national page")
    )
    rows.append(
        (
            f"target: national dashboard p95 ≤ {dashboard['goal_p95_ms']} ms, every period",
            f"{national:.0f} ms at worst ({met})",
            f"{seeded['offices']} offices × {seeded['days']} days: "
            f"{seeded['office_days']:,} office-days, {seeded['service_days']:,} service-days, "
            f"{seeded.get('office_months', 0):,} office-months",
        )
    )
    return rows


def build(folder: Path) -> str:
    dblimit = _load(folder, "dblimit.json")
    sqlite = _load(folder, "dblimit-sqlite.json")
    http = _load(folder, "http.json")
    pages = _load(folder, "pages.json")
    cert = _load(folder, "certificate.json")
    display = _load(folder, "display.json")
    dashboard = _load(folder, "dashboard.json")
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []
    if dblimit:
        sections.append(("Database limit, PostgreSQL (pgbench)", _db_rows(dblimit, "PostgreSQL")))
    if sqlite:
        sections.append(("Database limit, SQLite (one writer)", _db_rows(sqlite, "SQLite")))
    if http:
        profile = http["profile"]
        title = f"HTTP, gunicorn gthread {profile['workers']}×{profile['threads']}"
        sections.append((title, _http_rows(http, dblimit) + _targets(http, dblimit)))
    if pages:
        sections.append(("Citizen's booking pages", _pages_rows(pages)))
    if cert:
        sections.append(("Certificates", _certificate_rows(cert)))
    if display:
        sections.append(("Display", _display_rows(display)))
    if dashboard:
        sections.append(("Dashboards (a year of roll-ups)", _dashboard_rows(dashboard)))
    cores = {
        d.get("cores") or d.get("cpus")
        for d in (dblimit, sqlite, http, pages, cert, display)
        if d and (d.get("cores") or d.get("cpus"))
    }
    lines = [
        f"Bench results from {folder} — cores: {', '.join(str(c) for c in sorted(cores)) or '?'}",
        "",
        "| what | figure | notes |",
        "| --- | --- | --- |",
    ]
    for title, rows in sections:
        lines.append(f"| **{title}** | | |")
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    if http:
        lines += [
            "",
            f"HTTP server: {http['server']}. Profile chosen: {http['profile']['reason']}. "
            f"Ledgers of the HTTP offices after the runs: "
            f"{'intact' if http['ledgers']['ok'] else 'BROKEN'} "
            f"({http['ledgers']['entries']:,} entries); certificates left for the worker: "
            f"{http['certificates_pending']:,}.",
        ]
    others = sorted(p.name for p in folder.glob("*.json") if p.name not in KNOWN)
    if others:
        lines += ["", f"Also in {folder}: {', '.join(others)} (see those files)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or out_dir()
    text = build(folder)
    (folder / "report.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
