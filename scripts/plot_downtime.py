"""Draws downtime against device count from `vmig-bench devices` output lines, as an SVG (no dependencies).

Usage: plot_downtime.py BENCH_OUTPUT OUT.svg
Lines look like: "devices 4 x 256M @ 1G/s, RAM 512M, multifd 4 ch: downtime 393 ms, ..." or "... main channel: ...".
"""
import re
import sys

LINE = re.compile(r"devices (\d+) x \S+ @ \S+, RAM \S+, (main channel|multifd (\d+) ch): downtime (\d+) ms")
COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"]


def parse(path):
    series = {}
    for line in open(path):
        match = LINE.search(line)
        if not match:
            continue
        devices, path_name, _, downtime = match.groups()
        label = "main channel" if path_name == "main channel" else path_name.replace(" ch", " channels")
        series.setdefault(label, []).append((int(devices), int(downtime)))
    return {label: sorted(points) for label, points in series.items()}


def svg(series, width=640, height=400, margin=60):
    xs = sorted({x for points in series.values() for x, _ in points})
    ymax = max(y for points in series.values() for _, y in points) * 1.1
    def px(x):
        return margin + (xs.index(x) / max(1, len(xs) - 1)) * (width - 2 * margin)
    def py(y):
        return height - margin - y / ymax * (height - 2 * margin)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" stroke="black"/>',
           f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="black"/>',
           f'<text x="{width / 2}" y="{height - 20}" text-anchor="middle">VFIO devices (256 MiB stop-copy state each, 1 GiB/s)</text>',
           f'<text x="15" y="{height / 2}" transform="rotate(-90 15 {height / 2})" text-anchor="middle">switchover downtime (ms)</text>']
    for x in xs:
        out.append(f'<text x="{px(x)}" y="{height - margin + 16}" text-anchor="middle">{x}</text>')
    for step in range(6):
        y = ymax * step / 5
        out.append(f'<text x="{margin - 6}" y="{py(y) + 4}" text-anchor="end">{int(y)}</text>')
        out.append(f'<line x1="{margin}" y1="{py(y)}" x2="{width - margin}" y2="{py(y)}" stroke="#ddd"/>')
    for index, (label, points) in enumerate(sorted(series.items())):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(f"{px(x)},{py(y)}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            out.append(f'<circle cx="{px(x)}" cy="{py(y)}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{margin + 10}" y="{margin + 16 * index}" fill="{colour}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


if __name__ == "__main__":
    open(sys.argv[2], "w").write(svg(parse(sys.argv[1])))
