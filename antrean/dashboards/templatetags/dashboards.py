"""`{% dash_table_body rows table %}`: a table's rows as HTML, written in Python.

The national comparison and the trends print thousands of cells; Django's template loop spent
more time on them than the figures took to read (docs/benchmarks.md). The markup is the same
as a template would write, every text escaped."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _cell(cell, *, header: bool) -> str:
    text = escape(cell.text)
    if header:
        if cell.url:
            text = f'<a href="{escape(cell.url)}">{text}</a>'
        return f'<th scope="row">{text}</th>'
    return f'<td class="num">{text}</td>' if cell.numeric else f"<td>{text}</td>"


@register.simple_tag
def dash_table_body(rows, table) -> str:
    if not rows:
        message = escape(_("Tidak ada data pada periode ini."))
        return mark_safe(
            f'<tr><td colspan="{len(table.columns)}" class="muted">{message}</td></tr>'
        )
    header = table.row_header
    return mark_safe(
        "".join(
            "<tr>"
            + "".join(_cell(cell, header=index == header) for index, cell in enumerate(row))
            + "</tr>"
            for row in rows
        )
    )
