"""Charts drawn on the server as SVG: no script, no library, readable with JavaScript off, colours
from the stylesheet (so dark mode is the stylesheet's). ``templates/_charts.html`` draws a
``Chart`` and the table beside it from the same numbers.

Two shapes: bars (one per label; series stacked on each other) and lines (one polyline per
series). Geometry is computed here; the template only places it.
"""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 10, 34
#: the most labels written under the x axis (others are in the table)
X_TICKS = 8
#: the most series a chart draws (each gets one of the stylesheet's chart colours)
MAX_SERIES = 4


@dataclass
class Series:
    name: str
    values: list  # numbers or None (no value)


@dataclass
class Chart:
    id: str
    title: str
    labels: list[str]
    series: list[Series]
    kind: str = "bars"  # or "lines"
    unit: str = ""  # what the values are ("jobs", "s", ...)
    format: str = "{:g}"
    horizontal: bool = False  # bars from the left, one row per label (top-N charts)
    label_name: str = "Time (UTC)"  # the table's first column
    #: the table leaves out labels with no value (no jobs in that stretch of time) and lists the
    #: newest first; a top-N chart or a histogram keeps every row in its order
    sparse_table: bool = True
    width: int = WIDTH
    height: int = HEIGHT
    # computed by layout()
    top_value: float = 0.0
    y_ticks: list = field(default_factory=list)  # (y, text)
    x_ticks: list = field(default_factory=list)  # (x, text)
    rects: list = field(default_factory=list)  # (x, y, w, h, series index, tooltip)
    lines: list = field(default_factory=list)  # (series index, "x,y x,y ...")
    dots: list = field(default_factory=list)  # (x, y, series index, tooltip): a line's points
    row_labels: list = field(default_factory=list)  # horizontal: (y, text, value text)

    @property
    def grid_x(self) -> tuple[int, int]:
        """Where the horizontal grid lines start and end (the plot's left and right edges)."""
        return LEFT, self.width - RIGHT

    def shown(self, value) -> str:
        """A value as the table writes it (its unit is in the caption)."""
        return "—" if value is None else self.format.format(value)

    def tip(self, label: str, series: str, value) -> str:
        """A bar's or point's tooltip: the label, the series, the value with its unit."""
        return f"{label}: {series} {self.shown(value)} {self.unit}".rstrip()

    @property
    def rows(self) -> list:
        """The table's rows: (label, [value text per series])."""
        indexes = range(len(self.labels))
        if self.sparse_table and not self.horizontal:
            indexes = [i for i in reversed(indexes) if any(s.values[i] for s in self.series)]
        return [(self.labels[i], [self.shown(s.values[i]) for s in self.series]) for i in indexes]


def nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def layout(chart: Chart) -> Chart:
    chart.series = chart.series[:MAX_SERIES]
    if chart.horizontal:
        return _layout_horizontal(chart)
    n = max(1, len(chart.labels))
    plot_w = chart.width - LEFT - RIGHT
    plot_h = chart.height - TOP - BOTTOM
    if chart.kind == "bars":
        peak = max((sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))), default=0)
    else:
        peak = max((v for s in chart.series for v in s.values if v is not None), default=0)
    top = chart.top_value = nice_top(peak)
    chart.y_ticks = [(TOP + plot_h - plot_h * f, f"{top * f:.3g}") for f in (0, 0.25, 0.5, 0.75, 1)]
    step = plot_w / n
    every = max(1, math.ceil(n / X_TICKS))
    chart.x_ticks = [
        (LEFT + step * (i + 0.5), label) for i, label in enumerate(chart.labels) if i % every == 0
    ]
    chart.rects, chart.lines = [], []
    if chart.kind == "bars":
        bar_w = max(1.0, step * 0.8)
        for i, label in enumerate(chart.labels):
            base = TOP + plot_h
            for k, s in enumerate(chart.series):
                value = s.values[i] or 0
                h = plot_h * value / top
                if h > 0:
                    base -= h
                    tip = chart.tip(label, s.name, value)
                    chart.rects.append(
                        (
                            round(LEFT + step * i + (step - bar_w) / 2, 2),
                            round(base, 2),
                            round(bar_w, 2),
                            round(h, 2),
                            k,
                            tip,
                        )
                    )
    else:
        chart.dots = []
        for k, s in enumerate(chart.series):
            points = [
                (round(LEFT + step * (i + 0.5), 1), round(TOP + plot_h - plot_h * v / top, 1), i, v)
                for i, v in enumerate(s.values)
                if v is not None
            ]
            if len(points) > 1:
                chart.lines.append((k, " ".join(f"{x},{y}" for x, y, _, _ in points)))
            chart.dots += [(x, y, k, chart.tip(chart.labels[i], s.name, v)) for x, y, i, v in points]
    return chart


ROW_H = 22
LABEL_W = 150


def _layout_horizontal(chart: Chart) -> Chart:
    """One bar per label from the left (a top-N chart), the value written after it."""
    values = chart.series[0].values if chart.series else []
    chart.height = TOP + ROW_H * max(1, len(chart.labels)) + 6
    plot_w = chart.width - LABEL_W - 70
    top = chart.top_value = max((v or 0 for v in values), default=0) or 1
    chart.rects, chart.row_labels = [], []
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        y = TOP + ROW_H * i
        w = max(1.0, plot_w * (value or 0) / top)
        chart.rects.append((LABEL_W, y + 3, round(w, 2), ROW_H - 6, 0, f"{label}: {chart.shown(value)}"))
        chart.row_labels.append((y + ROW_H / 2 + 4, label[:24], chart.shown(value), LABEL_W + w + 4))
    return chart


def top_chart(id_: str, title: str, labels: list, values: list, label_name: str, unit: str = "") -> Chart:
    """A horizontal bar per label (the top words, a column's top values)."""
    return layout(
        Chart(
            id=id_,
            title=title,
            labels=[str(x) if x != "" else "(empty)" for x in labels],
            series=[Series("Count", list(values))],
            horizontal=True,
            label_name=label_name,
            unit=unit,
        )
    )


def histogram_chart(id_: str, title: str, edges: list, counts: list, label_name: str) -> Chart:
    """Vertical bars over the bins between ``edges`` (len(counts) + 1 of them)."""
    labels = [f"{edges[i]:.4g} to {edges[i + 1]:.4g}" for i in range(len(counts))]
    return layout(
        Chart(
            id=id_,
            title=title,
            labels=labels,
            series=[Series("Values", list(counts))],
            label_name=label_name,
            sparse_table=False,
        )
    )


def init_app(app) -> None:
    """Templates draw result charts through these (the same code as the console's)."""
    app.jinja_env.globals["top_chart"] = top_chart
    app.jinja_env.globals["histogram_chart"] = histogram_chart
