"""How figures read on the public pages: durations in minutes, shares in percent, numbers
with the reader's thousands separator (a dot in Indonesian)."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

NONE = "—"


@register.filter
def number(value) -> str:
    """`12500` → `12.500` (Indonesian) or `12,500` (English)."""
    if value is None:
        return NONE
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


@register.filter
def percent(share) -> str:
    """An exact share (Fraction, or None) as a whole percent: `97%`."""
    if share is None:
        return NONE
    return f"{formats.number_format(round(float(share) * 100), 0, use_l10n=True)}%"


@register.filter
def minutes(seconds) -> str:
    """Seconds as a reader thinks of a wait: `< 1 menit`, `12 menit`, `1 jam 5 menit`."""
    if seconds is None:
        return NONE
    total = round(int(seconds) / 60)
    if total < 1:
        return _("< 1 menit")
    hours, rest = divmod(total, 60)
    text = ngettext("%(n)d menit", "%(n)d menit", rest) % {"n": rest}
    if not hours:
        return text
    hours_text = ngettext("%(n)d jam", "%(n)d jam", hours) % {"n": hours}
    return f"{hours_text} {text}" if rest else hours_text


@register.filter
def decimal2(value) -> str:
    """An IKM value with two decimals in the reader's notation (`80,25`)."""
    if value is None:
        return NONE
    return formats.number_format(value, 2, use_l10n=True)
