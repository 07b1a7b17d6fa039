#!/usr/bin/python3
"""The scaling model of docs/scaling.md, from bench/scaling_model.sh's outputs
in OUT: the traced shuffle volumes (trace-ingest.*, trace-analyze.*), the
simulated shuffle times (simulated.csv). Per platform and rank count P the
two simulated shuffles fix a shuffle's time as a + b V (a: latency and message
count, b: seconds per byte); every traced shuffle, scaled to the corpus, then
costs a + b V. Compute is the measured core-seconds of a scale 1.0 run (2
ranks on one node, its in-node shuffles included) divided by P, for the
corpus size asked. Writes OUT/scaling-model.csv, OUT/scaling-model.svg and
prints the tables of docs/scaling.md.
usage: scaling_model.py OUT [CORE_INGEST CORE_ANALYZE]
  CORE_*: core-seconds of ingest and analyze at scale 1.0 (default: 2 x the
  seconds of docs/performance.md's bench M, 2 x 152.9 and 2 x 54.5)"""
import csv, glob, math, os, sys
from collections import defaultdict

OUT = sys.argv[1]
CORE = {'ingest': float(sys.argv[2]) if len(sys.argv) > 2 else 2 * 152.9,
        'analyze': float(sys.argv[3]) if len(sys.argv) > 3 else 2 * 54.5}
TRACE_SCALE = float(os.environ.get('TRACE_SCALE', '0.01'))


def volumes(stage):
    """bytes of each shuffle (all pairs), at the traced scale"""
    v = defaultdict(float)
    for path in glob.glob(os.path.join(OUT, 'trace-%s.*' % stage)):
        for k, line in enumerate(open(path)):
            v[k] += sum(int(x) for x in line.split()[4:])
    return [v[k] for k in sorted(v)]


VOL = {s: volumes(s) for s in ('ingest', 'analyze')}
sim = list(csv.DictReader(open(os.path.join(OUT, 'simulated.csv'))))
fit = defaultdict(list)  # (levels, platform, P) -> [(bytes, seconds)]
for r in sim:
    if r['kind'] == 'fit':
        fit[(int(r.get('levels', 1)), r['platform'], int(r['ranks']))].append((float(r['bytes']), float(r['seconds'])))
AB = {}
for key, pts in fit.items():
    (vs, ts), (vl, tl) = sorted(pts)
    b = (tl - ts) / (vl - vs)
    AB[key] = (ts - b * vs, b)
platforms = sorted({p for _, p, _ in AB})
ranks = sorted({n for _, _, n in AB})
levels_run = sorted({lv for lv, _, _ in AB})


def comm(levels, platform, P, stage, scale):
    # one node (P <= 32): the two-level shuffle is the flat one
    a, b = AB.get((levels, platform, P)) or AB[(1, platform, P)]
    return sum(a + b * v * scale / TRACE_SCALE for v in VOL[stage])


def stage_time(levels, platform, P, stage, scale):
    return CORE[stage] * scale / P + comm(levels, platform, P, stage, scale)


rows = []
for lv in levels_run:
    for pl in platforms:
        for mode, scale_of in (('strong 1.0', lambda P: 1.0), ('strong 10x', lambda P: 10.0),
                               ('weak', lambda P: P / ranks[0])):
            P0, s0 = ranks[0], scale_of(ranks[0])
            for P in ranks:
                if lv > 1 and (lv, pl, P) not in AB and P > 32:
                    continue  # not simulated
                sc = scale_of(P)
                t = sum(stage_time(lv, pl, P, s, sc) for s in CORE)
                t0 = sum(stage_time(1, pl, P0, s, s0) for s in CORE)  # the flat shuffle at the fewest ranks
                an, an0 = stage_time(lv, pl, P, 'analyze', sc), stage_time(1, pl, P0, 'analyze', s0)
                weak = mode == 'weak'
                rows.append(dict(levels=lv, platform=pl, mode=mode, ranks=P,
                                 compute_s='%.3f' % sum(CORE[s] * sc / P for s in CORE),
                                 shuffle_s='%.3f' % sum(comm(lv, pl, P, s, sc) for s in CORE), total_s='%.3f' % t,
                                 efficiency='%.3f' % (t0 / t if weak else t0 * P0 / (t * P)),
                                 analyze_s='%.3f' % an,
                                 analyze_efficiency='%.3f' % (an0 / an if weak else an0 * P0 / (an * P))))
with open(os.path.join(OUT, 'scaling-model.csv'), 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)

# the fit against every shuffle replayed
for lv in levels_run:
    allrows = [r for r in sim if r['kind'] == 'all' and int(r.get('levels', 1)) == lv]
    if allrows:
        pl, P = allrows[0]['platform'], int(allrows[0]['ranks'])
        a, b = AB[(lv, pl, P)]
        simulated = sum(float(r['seconds']) for r in allrows)
        fitted = sum(a + b * float(r['bytes']) for r in allrows)
        print('fit check (%d level(s), %s, %d ranks, all %d shuffles): simulated %.4f s, a + bV %.4f s (%+.1f %%)' %
              (lv, pl, P, len(allrows), simulated, fitted, 100 * (fitted / simulated - 1)))
print('shuffles traced: ingest %d (%.1f GB at scale 1.0), analyze %d (%.1f GB)' %
      (len(VOL['ingest']), sum(VOL['ingest']) / TRACE_SCALE / 1e9, len(VOL['analyze']),
       sum(VOL['analyze']) / TRACE_SCALE / 1e9))
for lv in levels_run:
    for pl in platforms:
        ps = [P for P in ranks if (lv, pl, P) in AB]
        print('\n%s, %d level(s): a (ms), b (ns/byte) per rank count: %s' % (pl, lv, ', '.join(
            '%d: %.3g, %.3g' % (P, AB[(lv, pl, P)][0] * 1e3, AB[(lv, pl, P)][1] * 1e9) for P in ps)))
        print('| ranks | ' + ' | '.join('%s: run s (shuffles s), efficiency' % m
                                        for m in ('strong 1.0', 'strong 10x', 'weak')) + ' |')
        print('|---' * 4 + '|')
        for P in ps:
            cells = []
            for m in ('strong 1.0', 'strong 10x', 'weak'):
                r = next(x for x in rows if x['levels'] == lv and x['platform'] == pl and x['mode'] == m and x['ranks'] == P)
                cells.append('%.2f (%.2f), %.2f' % (float(r['total_s']), float(r['shuffle_s']), float(r['efficiency'])))
            print('| %d | %s |' % (P, ' | '.join(cells)))

# SVG: efficiency against ranks (log2), one panel per platform
W, H, M = 380, 280, 48
colors = {'strong 1.0': '#3b6ea5', 'strong 10x': '#2a9d8f', 'weak': '#d9822b'}


def panel(x0, pl):
    lo, hi = math.log2(ranks[0]), math.log2(ranks[-1])
    X = lambda n: x0 + M + (W - 2 * M) * (math.log2(n) - lo) / (hi - lo)
    Y = lambda v: H - M - (H - 2 * M) * v / 1.1
    s = ['<g><text x="%d" y="18" text-anchor="middle" font-weight="bold">%s: efficiency (model)</text>' % (x0 + W / 2, pl),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>' % (x0 + M, H - M, x0 + W - M, H - M),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>' % (x0 + M, M, x0 + M, H - M),
         '<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c00" stroke-dasharray="3 3"/>' % (x0 + M, Y(0.7), x0 + W - M, Y(0.7))]
    for n in ranks:
        s.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), H - M + 15, n))
    for v in (0, 0.5, 0.7, 1.0):
        s.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (x0 + M - 4, Y(v) + 4, v))
    s.append('<text x="%d" y="%d" text-anchor="middle">ranks (32 a node)</text>' % (x0 + W / 2, H - 12))
    for i, (m, c) in enumerate(colors.items()):
        for lv in levels_run:
            pts = [(r['ranks'], float(r['efficiency'])) for r in rows
                   if r['platform'] == pl and r['mode'] == m and r['levels'] == lv]
            s.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' %
                     (c, ' stroke-dasharray="5 3"' if lv > 1 else '',
                      ' '.join('%.1f,%.1f' % (X(n), Y(v)) for n, v in pts)))
        s.append('<text x="%d" y="%d" fill="%s">%s</text>' % (x0 + W - M - 70, M + 14 * i, c, m))
    s.append('<text x="%d" y="%d">solid: flat, dashed: two-level</text>' % (x0 + M + 5, H - M - 8))
    return '\n'.join(s) + '</g>'


svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' %
       (W * len(platforms), H)] + [panel(W * i, pl) for i, pl in enumerate(platforms)] + ['</svg>']
open(os.path.join(OUT, 'scaling-model.svg'), 'w').write('\n'.join(svg) + '\n')
