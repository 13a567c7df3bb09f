"""Charts drawn on the server as inline SVG: no script, no remote files, every text escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

SERIES = 6  # colours s0..s5, defined in dashboard.css (the CSP allows no inline style)
WIDTH, HEIGHT, TOP, BOTTOM = 320, 180, 10, 30


def stacked_columns(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    """One column per label, each the share of every series (100 % high), with n below."""
    count = max(len(labels), 1)
    slot = WIDTH / count
    bar = min(slot * 0.7, 48)
    inner = HEIGHT - TOP - BOTTOM
    parts = [_open(title)]
    for index, label in enumerate(labels):
        total = sum(values[index] for _, values in series)
        x = index * slot + (slot - bar) / 2
        y = TOP + inner
        for colour, (name, values) in enumerate(series[:SERIES]):
            if not total or not values[index]:
                continue
            height = inner * values[index] / total
            y -= height
            tip = f"{name}: {values[index]} / {total}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'class="s{colour}"><title>{escape(tip)}</title></rect>'
            )
        parts.append(_label(x + bar / 2, HEIGHT - 16, label))
        parts.append(_label(x + bar / 2, HEIGHT - 3, f"n={total}"))
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i class="s{colour}"></i>{escape(name)}</span>'
        for colour, (name, _) in enumerate(series[:SERIES])
    )
    return Markup("".join(parts) + f'<p class="legend">{legend}</p>')


def horizontal_bars(title: str, bars: list[tuple[str, int]], total: int) -> Markup:
    """One bar per step, as a share of `total`; the label and count written on it."""
    row = 28
    height = row * max(len(bars), 1)
    parts = [_open(title, height)]
    for index, (name, value) in enumerate(bars):
        share = value / total if total else 0
        y = index * row
        parts.append(
            f'<rect x="0" y="{y + 2}" width="{WIDTH * share:.1f}" height="{row - 6}" '
            f'class="bar"><title>{escape(name)}: {value}</title></rect>'
        )
        text = f"{name}: {value} ({share:.0%})" if total else f"{name}: {value}"
        parts.append(
            f'<text x="4" y="{y + row / 2 + 3}" font-size="12" fill="currentColor">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )


def _label(x: float, y: float, text: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y}" font-size="10" text-anchor="middle" '
        f'fill="currentColor">{escape(text)}</text>'
    )
