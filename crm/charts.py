"""Small charts drawn on the server as inline SVG: no script, no style attribute (the Content-Security-Policy
allows neither inline), no download at run time. Colours come from classes in static/css/charts.css, shapes
from SVG presentation attributes.

Every chart is an `<svg role="img">` named by its `<title>`, with a `<desc>` and a text fallback (a hidden
caption) that read out the figures, so a screen reader or a text browser gets the numbers the chart shows.

    sparkline([3, 5, None, 4], title="Satisfaction", labels=["Jan", "Feb", "Mar", "Apr"])
    bars([120, 80], labels=["Jan", "Feb"], title="Sales per month")
    lines([("Satisfaction", [4.1, 4.3])], labels=["Jan", "Feb"], title="Satisfaction per month", low=1, high=5)
"""

import itertools
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
SERIES_CLASSES = 6  # charts.css colours series 0..5, then repeats


def _c(value: float) -> str:
    """A coordinate, to a tenth of a pixel."""
    return f"{value:.1f}"


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None


def _fmt(value) -> str:
    number = _number(value)
    if number is None:
        return "–"
    return f"{number:,.2f}".rstrip("0").rstrip(".") if number != int(number) else f"{int(number):,}"


def _describe(values, labels) -> str:
    labels = list(labels) if labels else [str(i + 1) for i in range(len(values))]
    return "; ".join(f"{label}: {_fmt(v)}" for label, v in zip(labels, values, strict=False))


def _scale(numbers: list[float], low, high) -> tuple[float, float]:
    present = [n for n in numbers if n is not None]
    lo = _number(low) if low is not None else (min(present) if present else 0.0)
    hi = _number(high) if high is not None else (max(present) if present else 1.0)
    if lo is None:
        lo = 0.0
    if hi is None or hi <= lo:
        hi = lo + 1.0
    return lo, hi


def _frame(*, kind: str, title: str, desc: str, width: int, height: int, body: SafeString) -> SafeString:
    n = next(_ids)
    return format_html(
        '<figure class="chart chart-{kind}">'
        '<svg class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="chart{n}-title chart{n}-desc" focusable="false" preserveAspectRatio="none">'
        '<title id="chart{n}-title">{title}</title><desc id="chart{n}-desc">{desc}</desc>{body}</svg>'
        '<figcaption class="chart-text visually-hidden">{title}: {desc}</figcaption></figure>',
        kind=kind,
        w=width,
        h=height,
        n=n,
        title=title,
        desc=desc,
        body=body,
    )


def _polyline_segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive present points: a missing month breaks the line instead of drawing through it."""
    segments, current = [], []
    for point in points:
        if point is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(point)
    if current:
        segments.append(current)
    return segments


def _series_markup(numbers, xs, y, cls: str, *, dots: bool) -> SafeString:
    points = [None if v is None else (x, y(v)) for v, x in zip(numbers, xs, strict=True)]
    parts = []
    for segment in _polyline_segments(points):
        if len(segment) == 1 or dots:
            parts.extend(
                format_html('<circle class="{}" cx="{}" cy="{}" r="2" fill="currentColor"/>', cls, _c(px), _c(py))
                for px, py in segment
            )
        if len(segment) > 1:
            coords = " ".join(f"{_c(px)},{_c(py)}" for px, py in segment)
            parts.append(
                format_html(
                    '<polyline class="{}" points="{}" fill="none" stroke="currentColor" stroke-width="1.5" '
                    'stroke-linejoin="round" stroke-linecap="round"/>',
                    cls,
                    coords,
                )
            )
    return mark_safe("".join(parts))


def sparkline(
    values: Sequence,
    *,
    title: str,
    labels: Sequence[str] | None = None,
    width: int = 120,
    height: int = 28,
    low=None,
    high=None,
) -> SafeString:
    """A word-sized line: the shape of a series, the last point marked. None values leave a gap."""
    numbers = [_number(v) for v in values]
    pad = 3
    lo, hi = _scale(numbers, low, high)
    step = (width - 2 * pad) / max(len(numbers) - 1, 1)
    xs = [pad + i * step for i in range(len(numbers))]

    def y(v: float) -> float:
        return height - pad - (v - lo) / (hi - lo) * (height - 2 * pad)

    body = _series_markup(numbers, xs, y, "chart-series-0", dots=False)
    last = next(((x, v) for x, v in zip(reversed(xs), reversed(numbers), strict=True) if v is not None), None)
    if last is not None:
        body = mark_safe(
            body
            + format_html(
                '<circle class="chart-series-0 chart-last" cx="{}" cy="{}" r="2.5" fill="currentColor"/>',
                _c(last[0]),
                _c(y(last[1])),
            )
        )
    return _frame(kind="spark", title=title, desc=_describe(values, labels), width=width, height=height, body=body)


def bars(
    values: Sequence,
    *,
    labels: Sequence[str],
    title: str,
    width: int = 240,
    height: int = 60,
    high=None,
) -> SafeString:
    """Small vertical bars from zero (negative values hang below the axis), each with its own tooltip."""
    numbers = [_number(v) for v in values]
    present = [n for n in numbers if n is not None] or [0.0]
    lo = min(0.0, min(present))
    hi = _number(high) if high is not None else max(0.0, max(present))
    if hi <= lo:
        hi = lo + 1.0
    n = max(len(numbers), 1)
    slot = width / n
    gap = min(2.0, slot * 0.2)

    def y(v: float) -> float:
        return height - (v - lo) / (hi - lo) * height

    zero = y(0.0)
    rects = []
    for i, (v, label) in enumerate(zip(numbers, labels, strict=False)):
        if v is None:
            continue
        top, bottom = sorted((y(v), zero))
        rects.append(
            format_html(
                '<rect class="chart-series-0{}" x="{}" y="{}" width="{}" height="{}" '
                'fill="currentColor"><title>{}: {}</title></rect>',
                " chart-negative" if v < 0 else "",
                _c(i * slot + gap / 2),
                _c(top),
                _c(max(slot - gap, 1.0)),
                _c(max(bottom - top, 0.5)),
                label,
                _fmt(v),
            )
        )
    axis = format_html(
        '<line class="chart-axis" x1="0" x2="{}" y1="{}" y2="{}" stroke="currentColor" stroke-width="0.5"/>',
        width,
        _c(zero),
        _c(zero),
    )
    return _frame(
        kind="bars",
        title=title,
        desc=_describe(values, labels),
        width=width,
        height=height,
        body=mark_safe(axis + "".join(rects)),
    )


def lines(
    series: Sequence[tuple[str, Sequence]],
    *,
    labels: Sequence[str],
    title: str,
    width: int = 560,
    height: int = 160,
    low=None,
    high=None,
) -> SafeString:
    """A chart of one or more series over the same labels (months), with the scale's ends and the first and
    last label written on it, and a legend."""
    left, right, top, bottom = 34, 8, 8, 18
    all_numbers = [_number(v) for _, values in series for v in values]
    lo, hi = _scale(all_numbers, low, high)
    count = max(len(labels), 1)
    step = (width - left - right) / max(count - 1, 1)
    xs = [left + i * step for i in range(count)]

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (height - top - bottom)

    parts = [
        format_html(
            '<line class="chart-grid" x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="currentColor" '
            'stroke-width="0.5"/><text class="chart-label" x="{tx}" y="{ty}" text-anchor="end" '
            'font-size="10" fill="currentColor">{v}</text>',
            l=left,
            r=width - right,
            y=_c(y(value)),
            tx=left - 4,
            ty=_c(y(value) + 3),
            v=_fmt(value),
        )
        for value in (lo, hi)
    ]
    if labels:
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" font-size="10" fill="currentColor">{}</text>',
                left,
                height - 4,
                labels[0],
            )
        )
        if len(labels) > 1:
            parts.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="end" font-size="10" '
                    'fill="currentColor">{}</text>',
                    width - right,
                    height - 4,
                    labels[-1],
                )
            )
    descs = []
    for index, (name, values) in enumerate(series):
        numbers = [_number(v) for v in values][:count]
        numbers += [None] * (count - len(numbers))
        parts.append(_series_markup(numbers, xs, y, f"chart-series-{index % SERIES_CLASSES}", dots=True))
        descs.append(f"{name} — {_describe(values, labels)}")
    svg = _frame(
        kind="lines",
        title=title,
        desc=". ".join(descs),
        width=width,
        height=height,
        body=mark_safe("".join(parts)),
    )
    legend = format_html_join(
        "",
        '<li><span class="chart-key chart-series-{}" aria-hidden="true">■</span> {}</li>',
        ((i % SERIES_CLASSES, name) for i, (name, _) in enumerate(series)),
    )
    if len(series) < 2:
        return svg
    return format_html('{}<ul class="chart-legend">{}</ul>', svg, legend)
