"""The report as one self-contained HTML page: styles, pictures and the Japanese font inside the file.

The page asks for nothing outside itself: its Content-Security-Policy allows inline styles and
``data:`` images and fonts only, and it holds no script. Each section is a ``<section id=...>``
(glance, network, matrix, racks, capacity, businesses), headed in Japanese and English side by side,
and breaks to a new A4 page when printed. The charts are small SVGs drawn here (bars, a month-by-blade
heat map); the network picture is Graphviz's (``picture.network_svg``).
"""

from __future__ import annotations

import colorsys
import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

from kiban.report.fonts import FALLBACK_STACK, font_face_css
from kiban.report.model import MONTHS, Capacity, Host, Racks, Report
from kiban.report.picture import LEVEL_NAMES, ROLE_NAMES, network_layout

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
SECTIONS = (
    ("glance", "概要", "At a glance"),
    ("network", "ネットワーク構成", "Network"),
    ("matrix", "通信マトリクス", "Flow matrix"),
    ("racks", "ラック構成", "Racks"),
    ("capacity", "容量と費用", "Capacity and cost"),
    ("businesses", "業務別シート", "Businesses"),
)
LEVELS = {
    "high": ("マイナンバー利用事務系", "My Number"),
    "middle": ("LGWAN接続系", "LGWAN"),
    "internet": ("インターネット接続系", "Internet"),
    "public": ("パブリッククラウド", "Public cloud"),
}
# Where the @font-face goes: the font is cut down to the characters of the rendered page, so it can only
# be made after rendering, and is then written into this comment's place in the page's style.
FONT_FACE_SLOT = "/*kiban-font-face*/"


def business_colours(businesses: Sequence[str]) -> dict[str, str]:
    """A distinct, stable colour per business (hue by the golden angle, in the report's business order)."""
    colours = {}
    for index, business in enumerate(businesses):
        hue = (index * 0.381966) % 1.0
        red, green, blue = colorsys.hls_to_rgb(hue, 0.78, 0.55)
        colours[business] = f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
    return colours


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(capacity: Capacity) -> str:
    """Blades: used against the dedicated status quo, first fit, first fit decreasing, the lower bound."""
    bars = [
        ("この計画 / this plan", capacity.blades_used, "#2f7a3a"),
        ("下限 / lower bound", capacity.lower_bound, "#7f7f7f"),
        ("First Fit (Nova)", capacity.first_fit, "#c98a1b"),
        ("First Fit Decreasing", capacity.first_fit_decreasing, "#d9a54a"),
        ("業務別専用 / dedicated status quo", capacity.dedicated_baseline, "#c62828"),
        ("搭載可能 / blades available", capacity.blades_available, "#2f5d8a"),
    ]
    shown = [(label, value, colour) for label, value, colour in bars if value is not None]
    top = max((value for _, value, _ in shown), default=1) or 1
    width, label_width, row = 640, 230, 26
    parts = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row * len(shown) + 8}" '
        f'width="{width}" height="{row * len(shown) + 8}" role="img" aria-label="blades">'
    ]
    for index, (label, value, colour) in enumerate(shown):
        y = 4 + index * row
        length = (width - label_width - 60) * value / top
        parts.append(f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end" font-size="12">{_e(label)}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{_e(label)}: {value}</title></rect>"
        )
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heat_colour(share: float) -> str:
    """White through yellow to red as a blade fills up; past 100 % stays the darkest red."""
    share = max(0.0, min(share, 1.0))
    red, green, blue = colorsys.hls_to_rgb((1 - share) * 0.16, 0.93 - 0.5 * share, 0.85)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def heat_map(capacity: Capacity, colours: dict[str, str]) -> str:
    """12 months × blades: the fullest resource's share each month, and whose peak month it is there."""
    cell_w, cell_h, left, top = 44, 20, 90, 22
    rows = capacity.months
    width, height = left + cell_w * len(MONTHS) + 10, top + cell_h * len(rows) + 6
    parts = [
        f'<svg class="chart heat" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="monthly utilisation">'
    ]
    for m, month in enumerate(MONTHS):
        x = left + m * cell_w + cell_w / 2
        parts.append(f'<text x="{x}" y="15" text-anchor="middle" font-size="11">{month}月</text>')
    for r, blade in enumerate(rows):
        y = top + r * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="11">{_e(blade.blade)}</text>')
        for m, share in enumerate(blade.shares):
            x = left + m * cell_w
            peaking = blade.peaking[m]
            tip = f"{blade.blade} {MONTHS[m]}月: {share:.0%}" + (f" — peak: {', '.join(peaking)}" if peaking else "")
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{heat_colour(share)}">'
                f"<title>{_e(tip)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + (cell_w - 2) / 2}" y="{y + 13}" text-anchor="middle" font-size="9">{share:.0%}</text>'
            )
            for dot, business in enumerate(peaking[:4]):
                parts.append(
                    f'<circle cx="{x + 4 + dot * 5}" cy="{y + 4}" r="2.2" fill="{colours.get(business, "#333")}" '
                    f'stroke="#333" stroke-width="0.4"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def replica_marks(racks: Racks) -> dict[str, str]:
    """Each VM's place among its group: "2/3" (replica 2 of 3), so a tier's replicas can be found across blades."""
    groups: dict[str, list[Host]] = {}
    for chassis in racks.chassis:
        for blade in chassis.blades:
            for host in blade.hosts:
                groups.setdefault(host.group, []).append(host)
    marks = {}
    for members in groups.values():
        ordered = sorted(members, key=lambda host: host.name)
        for index, host in enumerate(ordered):
            marks[host.name] = f"{index + 1}/{len(ordered)}"
    return marks


def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["yen"] = lambda value: "—" if value is None else f"¥{value:,}"
    environment.filters["num"] = lambda value: "—" if value is None else f"{value:,}"
    return environment


def report_html(
    report: Report,
    warn: Callable[[str], None] | None = None,
    embed_font: bool = True,
) -> str:
    """The whole page; ``warn`` hears the one-line warning when the font cannot be embedded."""
    import markupsafe

    business_ids = [sheet.id for sheet in report.businesses]
    colours = business_colours(business_ids)
    names = {sheet.id: (sheet.name or sheet.id) for sheet in report.businesses}
    marks = {id(racks): replica_marks(racks) for racks in report.racks}
    laid_out = network_layout(report.picture)
    page = str(
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            csp=markupsafe.Markup(CSP),  # a constant of ours, written as is
            sections=SECTIONS,
            levels=LEVELS,
            level_names=LEVEL_NAMES,
            role_names=ROLE_NAMES,
            colours=colours,
            names=names,
            picture=markupsafe.Markup(laid_out.svg),
            picture_note=laid_out.note,
            bars=[markupsafe.Markup(bar_chart(c)) for c in report.capacity],
            heat=[markupsafe.Markup(heat_map(c, colours) if c.months else "") for c in report.capacity],
            replica_of=lambda racks, host: marks[id(racks)].get(host.name, ""),
            font_stack=markupsafe.Markup(FALLBACK_STACK),
            font_face_slot=markupsafe.Markup(FONT_FACE_SLOT),
            months=MONTHS,
        )
    )
    css = font_face_css(page, warn or (lambda _: None)) if embed_font else ""
    return page.replace(FONT_FACE_SLOT, css, 1)
