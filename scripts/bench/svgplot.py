"""A small, deterministic SVG plotter for BENCHMARKS.md (standard library only).

Two kinds of panel: `line_panel` (x/y with linear or log axes, a marker per point,
hollow markers with a note for points that are lower bounds such as timeouts) and
`bar_panel` (grouped bars per category). A `Figure` holds panels and one legend, and
`Figure.svg()` returns the text. The same data always gives the same bytes: numbers are
printed with fixed precision and nothing depends on dict order or the clock.
"""
import math
from html import escape

# Colour-blind-safe palette (Okabe-Ito), fixed order.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]
MARKERS = ["circle", "square", "diamond", "triangle", "circle", "square", "diamond", "triangle"]


def f(x):
    """Coordinates with one decimal, no '-0.0'."""
    s = f"{x:.1f}"
    return "0.0" if s == "-0.0" else s


def nice_step(span, target=5):
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


class Series:
    """One line or bar series: `points` is a list of (x, y) or (x, y, note); a note marks a
    lower bound (drawn hollow with the note beside it). For bars, x is the category."""

    def __init__(self, label, points, color=None, marker=None, dash=None):
        self.label, self.points, self.color, self.marker, self.dash = label, points, color, marker, dash


class Axis:
    def __init__(self, lo, hi, log, label, fmt):
        if log:
            # A little room around the data, decade ticks inside (plus 2 and 5 on short ranges).
            # Snap to the decade when it is close, so an end of the axis gets a label.
            dlo, dhi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
            lo = dlo if lo / dlo < 2.5 else lo / 1.4
            hi = dhi if dhi / hi < 2.5 else hi * 1.4
        else:
            if lo == hi:
                hi = lo + 1
            step = nice_step(hi - lo)
            lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        self.lo, self.hi, self.log, self.label, self.fmt = lo, hi, log, label, fmt

    def frac(self, v):
        if self.log:
            return (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return (v - self.lo) / (self.hi - self.lo)

    def ticks(self):
        if self.log:
            a, b = math.floor(math.log10(self.lo)), math.ceil(math.log10(self.hi))
            every = max(1, math.ceil((b - a) / 7))
            steps = (1, 2, 5) if b - a <= 1 else (1,)
            return [m * 10.0 ** k for k in range(a, b + 1, every) for m in steps
                    if self.lo <= m * 10.0 ** k <= self.hi]
        step = nice_step(self.hi - self.lo)
        n = round((self.hi - self.lo) / step)
        return [self.lo + i * step for i in range(n + 1)]


def marker(shape, x, y, color, hollow, r=3.5):
    fill = "white" if hollow else color
    common = f'fill="{fill}" stroke="{color}" stroke-width="1.5"'
    if shape == "square":
        return f'<rect x="{f(x - r)}" y="{f(y - r)}" width="{f(2 * r)}" height="{f(2 * r)}" {common}/>'
    if shape == "diamond":
        r += 0.8
        return f'<polygon points="{f(x)},{f(y - r)} {f(x + r)},{f(y)} {f(x)},{f(y + r)} {f(x - r)},{f(y)}" {common}/>'
    if shape == "triangle":
        r += 0.8
        return f'<polygon points="{f(x)},{f(y - r)} {f(x + r)},{f(y + r * 0.8)} {f(x - r)},{f(y + r * 0.8)}" {common}/>'
    return f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" {common}/>'


def text(x, y, s, size=11, anchor="start", rotate=None, weight=None, fill="#222"):
    w = f' font-weight="{weight}"' if weight else ""
    if rotate is not None:
        # translate + rotate about the origin: rendered alike by browsers, rsvg and ImageMagick.
        return (f'<text x="0" y="0" transform="translate({f(x)} {f(y)}) rotate({rotate})" font-size="{size}" '
                f'text-anchor="{anchor}" fill="{fill}"{w}>{escape(s)}</text>')
    return (f'<text x="{f(x)}" y="{f(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{w}>'
            f"{escape(s)}</text>")


def frame(out, x0, y0, w, h, title, xa, ya, xticks=None):
    """Axes box, grid, ticks and labels. Returns (fx, fy) mapping data to pixels.
    `xticks` = [(value or pixel, label)] for category axes (then xa is None)."""
    out.append(text(x0 + w / 2, y0 - 10, title, 13, "middle", weight="bold"))
    fy = lambda v: y0 + h - ya.frac(v) * h  # noqa: E731
    fx = (lambda v: x0 + xa.frac(v) * w) if xa else None  # noqa: E731
    for t in ya.ticks():
        y = fy(t)
        out.append(f'<line x1="{f(x0)}" y1="{f(y)}" x2="{f(x0 + w)}" y2="{f(y)}" stroke="#e4e4e4"/>')
        out.append(text(x0 - 5, y + 4, ya.fmt(t), 10, "end"))
    if xa:
        for t in xa.ticks():
            x = fx(t)
            out.append(f'<line x1="{f(x)}" y1="{f(y0)}" x2="{f(x)}" y2="{f(y0 + h)}" stroke="#e4e4e4"/>')
            out.append(text(x, y0 + h + 15, xa.fmt(t), 10, "middle"))
        out.append(text(x0 + w / 2, y0 + h + 32, xa.label, 11, "middle"))
    else:
        for x, label in xticks or []:
            out.append(text(x, y0 + h + 15, label, 10, "middle"))
    out.append(f'<rect x="{f(x0)}" y="{f(y0)}" width="{f(w)}" height="{f(h)}" fill="none" stroke="#666"/>')
    out.append(text(x0 - 48, y0 + h / 2, ya.label, 11, "middle", rotate=-90))
    return fx, fy


def line_panel(out, x0, y0, w, h, title, series, xlabel, ylabel, xfmt, yfmt, logx=True, logy=True,
               hlines=()):
    pts = [p for s in series for p in s.points if p[1] is not None and p[1] > 0]
    ys = [p[1] for p in pts] + [v for v, _ in hlines]
    if not pts:
        out.append(text(x0 + w / 2, y0 + h / 2, f"{title}: no data", 12, "middle"))
        return
    xa = Axis(min(p[0] for p in pts), max(p[0] for p in pts), logx, xlabel, xfmt)
    ya = Axis(min(ys), max(ys), logy, ylabel, yfmt)
    fx, fy = frame(out, x0, y0, w, h, title, xa, ya)
    for v, label in hlines:
        y = fy(v)
        out.append(f'<line x1="{f(x0)}" y1="{f(y)}" x2="{f(x0 + w)}" y2="{f(y)}" stroke="#b00" '
                   f'stroke-dasharray="6 3"/>')
        out.append(text(x0 + w - 4, y - 4, label, 10, "end", fill="#b00"))
    for s in series:
        good = [p for p in s.points if p[1] is not None and p[1] > 0]
        # Lines join measured points only; a lower bound (a timeout) gets a hollow marker
        # and an arrow pointing up, never a line that would read as a measurement.
        measured = [p for p in good if len(p) < 3 or not p[2]]
        if len(measured) > 1:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            coords = " ".join(f"{f(fx(p[0]))},{f(fy(p[1]))}" for p in measured)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{s.color}" stroke-width="1.8"{dash}/>')
        for p in good:
            note = p[2] if len(p) > 2 else None
            x, y = fx(p[0]), fy(p[1])
            out.append(marker(s.marker, x, y, s.color, bool(note)))
            if note:
                out.append(f'<line x1="{f(x)}" y1="{f(y - 6)}" x2="{f(x)}" y2="{f(y - 24)}" stroke="{s.color}" '
                           f'stroke-width="1.5"/>')
                out.append(f'<polygon points="{f(x - 4)},{f(y - 22)} {f(x + 4)},{f(y - 22)} {f(x)},{f(y - 29)}" '
                           f'fill="{s.color}"/>')
                out.append(text(x - 8, y + 4, note, 9, "end", fill=s.color))


def bar_panel(out, x0, y0, w, h, title, categories, series, ylabel, yfmt, logy=False, value_fmt=None,
              hlines=()):
    vals = [p[1] for s in series for p in s.points if p[1] is not None and p[1] > 0]
    if not vals:
        out.append(text(x0 + w / 2, y0 + h / 2, f"{title}: no data", 12, "middle"))
        return
    lo = min(vals + [v for v, _ in hlines]) if logy else 0
    ya = Axis(lo, max(vals + [v * 1.1 for v, _ in hlines]), logy, ylabel, yfmt)
    slot = w / len(categories)
    bw = slot * 0.8 / max(len(series), 1)
    cx = {c: x0 + slot * (i + 0.5) for i, c in enumerate(categories)}
    _, fy = frame(out, x0, y0, w, h, title, None, ya, [(cx[c], c) for c in categories])
    base = fy(ya.lo)
    for k, s in enumerate(series):
        for p in s.points:
            c, v = p[0], p[1]
            if c not in cx:
                continue
            x = cx[c] - slot * 0.4 + k * bw
            if v is None or v <= 0:
                note = p[2] if len(p) > 2 else "n/a"
                out.append(text(x + bw / 2, base - 4, note, 8, "start", rotate=-90, fill=s.color))
                continue
            y = fy(v)
            out.append(f'<rect x="{f(x + 0.5)}" y="{f(y)}" width="{f(bw - 1)}" height="{f(base - y)}" '
                       f'fill="{s.color}"/>')
            if value_fmt:
                out.append(text(x + bw / 2, y - 3, value_fmt(v), 8, "middle"))
    for v, label in hlines:
        y = fy(v)
        out.append(f'<line x1="{f(x0)}" y1="{f(y)}" x2="{f(x0 + w)}" y2="{f(y)}" stroke="#b00" '
                   f'stroke-dasharray="6 3"/>')
        out.append(text(x0 + w - 4, y - 4, label, 10, "end", fill="#b00"))


class Figure:
    """Panels plus one legend row at the bottom; `svg()` gives the document."""

    def __init__(self, width, height, title, note=None):
        self.width, self.height, self.title, self.note = width, height, title, note
        self.body = []
        self.legend = []

    def add_legend(self, series, bars=False):
        for s in series:
            if s.label not in [l for l, _, _, _ in self.legend]:
                self.legend.append((s.label, s.color, s.marker, bars))

    def svg(self):
        rows = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" font-family="DejaVu Sans, Arial, sans-serif">',
                f'<rect width="{self.width}" height="{self.height}" fill="white"/>',
                text(self.width / 2, 20, self.title, 15, "middle", weight="bold")]
        rows += self.body
        # Legend: as many entries per row as fit.
        x, y = 20, self.height - (34 if self.note else 14) - 18 * ((len(self.legend) - 1) // 4)
        for i, (label, color, shape, bars) in enumerate(self.legend):
            if i and i % 4 == 0:
                x, y = 20, y + 18
            if bars:
                rows.append(f'<rect x="{f(x)}" y="{f(y - 9)}" width="12" height="10" fill="{color}"/>')
            else:
                rows.append(f'<line x1="{f(x - 2)}" y1="{f(y - 4)}" x2="{f(x + 16)}" y2="{f(y - 4)}" '
                            f'stroke="{color}" stroke-width="1.8"/>')
                rows.append(marker(shape, x + 7, y - 4, color, False))
            rows.append(text(x + 22, y, label, 11))
            x += (self.width - 40) / 4
        if self.note:
            rows.append(text(20, self.height - 8, self.note, 10, fill="#555"))
        rows.append("</svg>")
        return "\n".join(rows) + "\n"


def styled(series_specs):
    """[(label, points)] -> Series with palette colours and markers in order."""
    return [Series(label, pts, PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)], dash)
            for i, (label, pts, dash) in enumerate(series_specs)]


def fmt_si(v, unit):
    """1500 -> '1.5 k' style for counts; for ns-based units use fmt_ns."""
    for div, pre in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:g} {pre}{unit}".strip()
    return f"{v:g} {unit}".strip()


def fmt_ns(v):
    for div, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if v >= div:
            return f"{v / div:g} {unit}"
    return f"{v:g} ns"


def fmt_s(v):
    if v >= 1:
        return f"{v:g} s"
    if v >= 1e-3:
        return f"{v * 1e3:g} ms"
    return f"{v * 1e6:g} µs"


def fmt_pow10(v):
    """1e5 -> '10⁵', 2e4 -> '2×10⁴'; below 1000 plain."""
    if v < 1000:
        return f"{v:g}"
    k = math.floor(math.log10(v) + 1e-9)
    m = v / 10 ** k
    sup = "10" + str(k).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return sup if abs(m - 1) < 1e-9 else f"{m:g}×{sup}"
