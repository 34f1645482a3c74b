"""Charts drawn on the server as inline SVG: no chart library, nothing from a CDN.

Each chart scales to its container (viewBox + width 100%), so it reads on a
768-pixel tablet as well as on a desktop. Labels are escaped.
"""
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLORS = {"general": "#78909c", "serious": "#ef6c00", "major": "#b71c1c"}
BAR = "#b71c1c"


def _svg(width: int, height: int, body: str, label: str) -> SafeString:
    return mark_safe(
        f'<svg class="dd-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" style="width:100%;height:auto;font-family:sans-serif">{body}</svg>'
    )


def hbar_chart(rows: list[tuple[str, float]], label: str, unit: str = "") -> SafeString:
    """Horizontal bars: one row per (label, value)."""
    width, row_h, left = 640, 34, 200
    top = max((v for _, v in rows), default=0) or 1
    parts = []
    for i, (name, value) in enumerate(rows):
        y = i * row_h + 6
        w = (width - left - 70) * value / top
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="15">{escape(str(name)[:14])}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 12}" fill="{BAR}" rx="3"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 17}" font-size="15">{escape(value)}{escape(unit)}</text>'
        )
    return _svg(width, max(len(rows), 1) * row_h + 8, "".join(parts), label)


def stacked_chart(rows: list[tuple[str, dict]], order: list[tuple[str, str]], label: str) -> SafeString:
    """Horizontal stacked bars per row (e.g. per section), one colour per key (severity), with a legend."""
    width, row_h, left = 640, 34, 200
    top = max((sum(parts.values()) for _, parts in rows), default=0) or 1
    body = []
    for i, (name, parts) in enumerate(rows):
        y, x = i * row_h + 36, left
        body.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="15">{escape(str(name)[:14])}</text>')
        for key, _title in order:
            w = (width - left - 50) * parts.get(key, 0) / top
            if w:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 12}" fill="{COLORS.get(key, BAR)}"/>')
            x += w
        body.append(f'<text x="{x + 6:.1f}" y="{y + 17}" font-size="15">{sum(parts.values())}</text>')
    legend = "".join(
        f'<rect x="{left + i * 110}" y="6" width="14" height="14" fill="{COLORS.get(k, BAR)}"/>'
        f'<text x="{left + i * 110 + 20}" y="18" font-size="14">{escape(t)}</text>' for i, (k, t) in enumerate(order))
    return _svg(width, max(len(rows), 1) * row_h + 44, legend + "".join(body), label)


def line_chart(points: list[tuple[str, float]], label: str, top: float = 100) -> SafeString:
    """A trend line with a dot and value per point (e.g. a score per quarter)."""
    width, height, pad = 640, 240, 40
    if not points:
        return _svg(width, height, "", label)
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    xy = [(pad + i * step, height - pad - (height - 2 * pad) * v / (top or 1)) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    body = [f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#90a4ae"/>',
            f'<polyline points="{line}" fill="none" stroke="{BAR}" stroke-width="3"/>']
    for (name, value), (x, y) in zip(points, xy):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{BAR}"/>'
                    f'<text x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" font-size="14">{escape(value)}</text>'
                    f'<text x="{x:.1f}" y="{height - pad + 22}" text-anchor="middle" font-size="13">{escape(name)}</text>')
    return _svg(width, height, "".join(body), label)
