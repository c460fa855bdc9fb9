"""Charts as self-contained, accessible SVG strings: data in, `<svg>...</svg>` out, ready to inline in HTML.

pygal draws them. Its defaults are changed where they would break a report that must open offline and be read by
everyone: the tooltip script it references on a CDN is dropped (`js=[]`) and so is the inline config script it
always writes (an xml filter removes every `<script>`), along with its comments (one carries today's date, which
would make two renders of the same data differ). The filter also gives the SVG `role="img"`, an id'd `<title>`
and a `<desc>` that states the figures in words, and `aria-labelledby` pointing at both, so a screen reader reads
the chart's content. Colours are dark enough on white for graphics (3:1) and text (4.5:1, WCAG 2.1 AA); values are
printed on the bars, since without a script there are no tooltips.

The web console embeds the same functions: pass a `chart_id` unique on the page (the chart's CSS is scoped by it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pygal
from pygal.etree import etree as pygal_etree
from pygal.style import Style

TEXT_COLOUR = "#1a1a1a"
SUBTLE_TEXT_COLOUR = "#4d4d4d"
BACKGROUND = "#ffffff"
# Series colours, each at least 4.5:1 against white (so values printed in them stay legible too).
PALETTE = ("#1f5fa8", "#b3261e", "#2e6b30", "#6a3d9a", "#8a4b00", "#00695c", "#4a4a4a", "#ad1457")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

STYLE = Style(
    background=BACKGROUND,
    plot_background=BACKGROUND,
    foreground=TEXT_COLOUR,
    foreground_strong=TEXT_COLOUR,
    foreground_subtle=SUBTLE_TEXT_COLOUR,
    guide_stroke_color="#8c8c8c",
    major_guide_stroke_color="#8c8c8c",
    colors=PALETTE,
    font_family=FONT,
    opacity="1",
    opacity_hover="1",
    transition="0ms",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    legend_font_size=14,
    no_data_font_size=20,
)

STACKED_STYLE = Style(**{**STYLE.to_dict(), "value_colors": ("#ffffff",) * len(PALETTE)})

WIDTH = 800
BAR_HEIGHT = 34  # pixels per bar of a horizontal chart, so long category lists stay readable
_UNSAFE_ID = re.compile(r"[^a-z0-9]+")


def chart_id_for(title: str) -> str:
    """A stable element id from a title (`Findings by kind` → `chart-findings-by-kind`)."""
    return "chart-" + (_UNSAFE_ID.sub("-", title.lower()).strip("-") or "untitled")


def describe(values: Mapping[str, float]) -> str:
    """The figures of one series in words, for `<desc>`."""
    if not values:
        return "No data."
    return "; ".join(f"{label}: {_number(value)}" for label, value in values.items()) + "."


def describe_series(labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    if not labels or not series:
        return "No data."
    parts = []
    for i, label in enumerate(labels):
        parts.append(f"{label}: " + ", ".join(f"{name} {_number(values[i])}" for name, values in series.items()))
    return "; ".join(parts) + "."


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _accessible(chart_id: str, description: str) -> Callable[[Any], Any]:
    """An xml filter: no scripts, no comments; role, title and desc wired up for assistive technology."""

    def apply(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag is pygal_etree.Comment or _local(child.tag) == "script":
                    parent.remove(child)
        title = next(child for child in root if _local(child.tag) == "title")
        title.set("id", f"{chart_id}-title")
        desc = pygal_etree.Element(title.tag.replace("title", "desc"))
        desc.set("id", f"{chart_id}-desc")
        desc.text = description
        root.insert(list(root).index(title) + 1, desc)
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        return root

    return apply


def integer_ticks(maximum: float, most: int = 10) -> list[int]:
    """Whole-number axis ticks from 0 to at least `maximum`, at most `most` + 1 of them, on a 1-2-5 step
    (counts of things have no fractional ticks)."""
    top = max(1, math.ceil(maximum))
    step = next(m * 10**e for e in range(len(str(top)) + 1) for m in (1, 2, 5) if math.ceil(top / (m * 10**e)) <= most)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _config(title: str, chart_id: str, maximum: float, stacked: bool, **extra: Any) -> dict[str, Any]:
    ticks = integer_ticks(maximum if stacked else maximum * 1.1)  # room for the value past the longest bar
    if stacked:  # values inside their segment, in white (every palette colour is dark enough behind it)
        values: dict[str, Any] = {"style": STACKED_STYLE, "print_zeroes": False}
    else:  # values just past the end of their bar, in its colour, readable on white whatever the bar's length
        values = {
            "style": STYLE,
            "print_values_position": "top",  # the bar's end (pygal names it as if the chart stood upright)
            "css": [*pygal.Config().css, f"inline:#{chart_id} .text-overlay text.value {{ text-anchor: start }}"],
        }
    return {
        "title": title,
        "js": [],  # pygal's default loads its tooltip script from a CDN
        "disable_xml_declaration": True,  # for inlining in HTML
        "print_values": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "width": WIDTH,
        "margin": 16,
        "no_data_text": "No data",
        "y_labels": ticks,
        "range": (0, ticks[-1]),
        "value_formatter": _number,
        **values,
        **extra,
    }


def _render(chart: Any, chart_id: str, description: str) -> str:
    chart.add_xml_filter(_accessible(chart_id, description))
    chart.uuid = chart_id.removeprefix("chart-")  # pygal ids the root `chart-<uuid>`; a fixed one keeps output stable
    svg = chart.render()
    return svg if isinstance(svg, str) else svg.decode("utf-8")


def bar_chart(
    title: str,
    values: Mapping[str, float],
    *,
    series_name: str = "count",
    description: str | None = None,
    chart_id: str | None = None,
) -> str:
    """One series of labelled horizontal bars (category names stay readable), the first label at the top."""
    chart_id = chart_id or chart_id_for(title)
    labels = list(values)[::-1]  # pygal draws the first label at the bottom
    config = _config(
        title,
        chart_id,
        max(values.values(), default=0),
        False,
        height=max(200, 110 + BAR_HEIGHT * len(values)),
        show_legend=False,
        x_labels=labels,
    )
    chart = pygal.HorizontalBar(**config)
    chart.add(series_name, [float(values[label]) for label in labels])
    return _render(chart, chart_id, description or describe(values))


def grouped_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    description: str | None = None,
    chart_id: str | None = None,
    stacked: bool = False,
) -> str:
    """Several series over the same categories, side by side or stacked, with a legend; first label at the top."""
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    chart_id = chart_id or chart_id_for(title)
    per_label = 1 if stacked else max(1, len(series))
    height = max(220, 150 + int(BAR_HEIGHT * len(labels) * (1 + 0.6 * (per_label - 1))))
    columns = list(zip(*series.values(), strict=True))
    maximum = max((sum(c) if stacked else max(c) for c in columns), default=0)
    config = _config(
        title,
        chart_id,
        maximum,
        stacked,
        height=height,
        x_labels=list(labels)[::-1],
        legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(series)),
    )
    chart = (pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar)(**config)
    for name, values in series.items():
        chart.add(name, [float(v) for v in list(values)[::-1]])
    return _render(chart, chart_id, description or describe_series(labels, series))
