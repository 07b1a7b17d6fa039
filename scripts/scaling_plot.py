#!/usr/bin/python3
"""SVG of a scaling sweep (slurm/scaling.sh's CSV): strong-scaling speed-up
against the ideal line, and parallel efficiency of both sweeps.
usage: scaling_plot.py scaling.csv out.svg"""
import csv, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1])))
t = defaultdict(float)  # (mode, ranks) -> seconds of all stages
for r in rows:
    t[(r['mode'], int(r['ranks']))] += float(r['seconds'])
ranks = sorted({n for _, n in t})
def series(mode):
    base = t.get((mode, ranks[0]))
    out = []
    for n in ranks:
        if (mode, n) not in t or not base: continue
        s = base / t[(mode, n)] * ranks[0]
        out.append((n, s, s / n if mode == 'strong' else base / t[(mode, n)]))
    return out
strong, weak = series('strong'), series('weak')
W, H, M = 360, 260, 45
def panel(x0, title, pts, ymax, ideal):
    nmax = max(ranks)
    X = lambda n: x0 + M + (W - 2 * M) * (n - 1) / max(nmax - 1, 1)
    Y = lambda v: H - M - (H - 2 * M) * v / ymax
    s = ['<g><text x="%d" y="20" text-anchor="middle" font-weight="bold">%s</text>' % (x0 + W / 2, title),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>' % (x0 + M, H - M, x0 + W - M, H - M),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>' % (x0 + M, M, x0 + M, H - M)]
    for n in ranks:
        s.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), H - M + 15, n))
    for v in (0, ymax / 2, ymax):
        s.append('<text x="%d" y="%.1f" text-anchor="end">%.2g</text>' % (x0 + M - 4, Y(v) + 4, v))
    s.append('<text x="%d" y="%d" text-anchor="middle">ranks</text>' % (x0 + W / 2, H - 8))
    if ideal:
        s.append('<polyline fill="none" stroke="#aaa" stroke-dasharray="4 3" points="%s"/>' %
                 ' '.join('%.1f,%.1f' % (X(n), Y(ideal(n))) for n in ranks))
    for name, color, p in pts:
        if not p: continue
        s.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, ' '.join('%.1f,%.1f' % (X(n), Y(v)) for n, v in p)))
        s += ['<circle class="mark" cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %d ranks: %.2f</title></circle>' % (X(n), Y(v), color, name, n, v) for n, v in p]
    return '\n'.join(s) + '</g>'
sp = [(n, s) for n, s, _ in strong]
eff_s = [(n, e) for n, _, e in strong]
eff_w = [(n, e) for n, _, e in weak]
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (2 * W, H),
       panel(0, 'strong scaling: speed-up', [('speed-up', '#3b6ea5', sp)], max([max(ranks)] + [s for _, s in sp]) * 1.1, lambda n: n),
       panel(W, 'efficiency (blue strong, orange weak)', [('strong', '#3b6ea5', eff_s), ('weak', '#d9822b', eff_w)], 1.2, lambda n: 1.0),
       '</svg>']
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
