"""Charts as SVG images made on the server (pygal), shown without any JavaScript.

Each chart is an `<img>` whose source is a `data:image/svg+xml` URL, with an alt text that says
what it shows, and the figures it draws are a `Table` the page prints beside it (for screen
readers, for a phone, and to copy). Why an image and not inline SVG: pygal's SVG carries its
own `<style>` and style attributes, which the site's Content-Security-Policy (`style-src
'self'`, no inline style) refuses inside a page, so an inline chart would draw black; an image
is a separate document that the page's policy does not reach, and `img-src` already allows
`data:`. Why a data URL and not a URL of its own: the chart is drawn from figures the page has
already read and checked, so there is no second request to authorise and compute again.
Opened on its own, the SVG runs nothing either: pygal's script is removed (`js=[]` still
writes a config script), and images never run scripts anyway. See
docs/decisions/0017-dashboard-charts-as-images.md.

Labels and numbers are in the reader's language: `1.234,5`, `5 Des`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from antrean.dashboards import numbers
from antrean.dashboards.tables import Table

WIDTH, HEIGHT = 720, 340
# The staff pages' palette (queueing/staff.css), then colours told apart without hue alone.
COLOURS = ("#0b4f8c", "#c98a00", "#1b7f3b", "#b3261e", "#6b4fa0", "#3d7f8c", "#8a5a00")
FONTS = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
# Characters a data URL must not carry as they are (the rest of SVG text is fine in it).
_SAFE = " !$&'()*+,-./:;=?@_~{}[]|^`"


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    alt: str  # what the chart shows, for whoever cannot see it
    src: str  # data:image/svg+xml,…
    table: Table | None  # the chart's figures (None: a table elsewhere on the page has them)
    width: int = WIDTH
    height: int = HEIGHT


def _style():
    from pygal.style import Style

    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1f26",
        foreground_strong="#1a1f26",
        foreground_subtle="#8a96a6",
        opacity=".85",
        opacity_hover=".95",
        transition="0ms",
        colors=COLOURS,
        font_family=FONTS,
        label_font_size=13,
        major_label_font_size=13,
        value_font_size=13,
        legend_font_size=14,
        title_font_size=16,
        tooltip_font_size=12,
        no_data_font_size=20,
    )


def _config(**options) -> dict:
    from django.utils.translation import gettext as _

    return {
        "style": _style(),
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": True,
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "truncate_label": -1,
        "show_legend": True,
        "print_values": False,
        "margin": 12,
        # pygal leaves no room between the axis labels and a legend below them.
        "margin_bottom": 28,
        "spacing": 8,
        "no_data_text": _("Tidak ada data"),
        "value_formatter": lambda value: numbers.number(value, 1) if value is not None else "",
        **options,
    }


def _render(chart) -> str:
    """The chart as SVG text, without pygal's script (nothing in it runs)."""
    tree = chart.render_tree()
    for script in tree.iter("{http://www.w3.org/2000/svg}script", "script"):
        script.getparent().remove(script)
    from lxml import etree

    return etree.tostring(tree, encoding="unicode")


# `quote(svg, safe=_SAFE)` as a translate table for ASCII (quote works in Python a character
# at a time: a fifth of a national page's chart time); non-ASCII still goes through quote.
_ESCAPES = str.maketrans(
    {chr(code): f"%{code:02X}" for code in range(128) if not chr(code).isalnum()}
    | {char: char for char in _SAFE + "_.-~"}
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def data_url(svg: str) -> str:
    text = svg.translate(_ESCAPES)
    if not text.isascii():
        text = _NON_ASCII.sub(lambda match: quote(match.group()), text)
    return "data:image/svg+xml;charset=utf-8," + text


def ticks(top: float | None, *, integer: bool = True, most: int = 7) -> list[float]:
    """Round axis ticks from 0 to at least `top`: steps of 1, 2 or 5 × 10^k, at most `most`
    of them after 0, whole numbers for counts (pygal's own would print 0,5 tanda)."""
    import math

    top = top or 0
    if top <= 0:
        return [0, 1]
    raw = top / most
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, math.ceil(step))
    count = math.ceil(top / step - 1e-9)
    return [round(step * n, 6) for n in range(count + 1)]


def _top(series) -> float | None:
    values = [value for _name, values in series for value in values if value is not None]
    return max(values) if values else None


def _major_every(count: int) -> int:
    """Every how many labels to print on the x axis so that about a dozen fit."""
    return max(1, -(-count // 12))


def _x_labels(config: dict, labels: Sequence[str]) -> None:
    config["x_labels"] = list(labels)
    if len(labels) > 12:
        config["x_labels_major_every"] = _major_every(len(labels))
        config["show_minor_x_labels"] = False
    if len(labels) > 6:
        config["x_label_rotation"] = -35


def series_chart(
    *,
    slug: str,
    title: str,
    alt: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    table: Table | None,
    kind: str = "line",
    stacked: bool = False,
    y_title: str = "",
    formatter: Callable[[float], str] | None = None,
    range_max: float | None = None,
    integer: bool = True,
) -> Chart:
    """A chart of one or more series over the same x labels (days, months, offices)."""
    import pygal

    config = _config(y_title=y_title or None, show_legend=len(series) > 1)
    if formatter is not None:
        config["value_formatter"] = formatter
    if stacked:
        top = max(
            (sum(v or 0 for v in column) for column in zip(*[v for _n, v in series], strict=True)),
            default=0,
        )
    else:
        top = _top(series)
    config["y_labels"] = ticks(range_max or top, integer=integer)
    config["range"] = (0, config["y_labels"][-1])
    _x_labels(config, labels)
    if kind == "bar":
        chart_class = pygal.StackedBar if stacked else pygal.Bar
    else:
        chart_class = pygal.Line
        config.update(dots_size=2.5, show_dots=len(labels) <= 62, fill=False)
    chart = chart_class(**config)
    if not any(value is not None for _name, values in series for value in values):
        chart.add("", [])  # "no data" rather than an empty grid
    else:
        for name, values in series:
            chart.add(name, list(values))
    return Chart(slug=slug, title=title, alt=alt, src=data_url(_render(chart)), table=table)


def ranking_chart(
    *,
    slug: str,
    title: str,
    alt: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    table: Table | None,
    formatter: Callable[[float], str] | None = None,
    integer: bool = True,
) -> Chart:
    """Horizontal bars, one row per label (services, offices): long names stay readable."""
    import pygal

    rows = max(1, len(labels))
    height = max(HEIGHT, 60 + rows * (18 + 10 * len(series)) + (40 if len(series) > 1 else 0))
    config = _config(height=height, show_legend=len(series) > 1, show_y_guides=False)
    config["y_labels"] = ticks(_top(series), integer=integer, most=5)
    config["range"] = (0, config["y_labels"][-1])
    # pygal draws the first label at the bottom: reversed, the list reads from the top.
    config["x_labels"] = list(reversed(labels))
    if formatter is not None:
        config["value_formatter"] = formatter
    chart = pygal.HorizontalBar(**config)
    if not labels:
        chart.add("", [])
    else:
        for name, values in series:
            chart.add(name, list(reversed(values)))
    return Chart(
        slug=slug,
        title=title,
        alt=alt,
        src=data_url(_render(chart)),
        table=table,
        height=height,
    )


def day_labels(dates: Sequence[dt.date]) -> list[str]:
    return [numbers.short_day(date) for date in dates]


def month_labels(months: Sequence[dt.date]) -> list[str]:
    return [numbers.month(month) for month in months]
