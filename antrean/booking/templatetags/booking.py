"""Small display helpers for the citizen's pages."""

import re

import segno
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")


STEPS = [
    gettext_lazy("Layanan"),
    gettext_lazy("Tanggal"),
    gettext_lazy("Jadwal"),
    gettext_lazy("Data diri"),
    gettext_lazy("Pakta"),
    gettext_lazy("Selesai"),
]


@register.inclusion_tag("booking/_steps.html")
def steps(current: int) -> dict:
    items = [
        {"number": n, "label": label, "done": n < current, "current": n == current}
        for n, label in enumerate(STEPS, start=1)
    ]
    return {"items": items, "current": current, "total": len(STEPS), "label": STEPS[current - 1]}


@register.filter
def rupiah(amount) -> str:
    """`350000` → `Rp 350.000`; 0 → `Gratis` (Indonesian thousands use dots)."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    if value == 0:
        return _("Gratis")
    return "Rp " + f"{value:,}".replace(",", ".")


@register.filter
def grouped_code(code: str) -> str:
    """`K7M2QX9P` → `K7M2-QX9P`: easier to read aloud and to type from paper."""
    code = code or ""
    return f"{code[:4]}-{code[4:]}" if len(code) > 4 else code


@register.filter
def pact_blocks(text: str) -> list[dict]:
    """Split a pact text (one paragraph or numbered point per line) into paragraphs and lists.

    Numbered points keep their own numbers, so the list shows exactly what was hashed.
    """
    blocks: list[dict] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = _NUMBERED.match(line)
        if match:
            if not blocks or blocks[-1]["kind"] != "list":
                blocks.append({"kind": "list", "items": []})
            blocks[-1]["items"].append({"number": match.group(1), "text": match.group(2)})
        else:
            blocks.append({"kind": "paragraph", "text": line})
    return blocks


@register.simple_tag
def qr_svg(data: str, label: str = "") -> str:
    """The QR code of `data` as inline SVG: no image request, readable from a phone screen."""
    svg = segno.make(data, micro=False).svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", title=label or None
    )
    # segno escapes the title itself and the rest is its own markup.
    return mark_safe(svg)


@register.simple_tag
def zone_time(value, office) -> str:
    """An aware datetime as `HH:MM WITA` in the office's own zone, never the server's."""
    if value is None:
        return ""
    local = value.astimezone(office.zone)
    return format_html("{} {}", local.strftime("%H:%M"), office.zone_label)
