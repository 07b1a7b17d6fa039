#!/usr/bin/python3
"""An independent, deliberately simple implementation of SPEC.md sections 1-3
for the tables citemill computes, reading the raw dumps (not the store).
Used by the tests to check citemill's CSV bytes. Slow; for small corpora only.

usage: spec_reference.py PATENTS_DIR WORKS_DIR ALIASES_CSV|- OUT_DIR [--window A-B]
"""
import csv, gzip, io, json, math, os, re, sys, tarfile, zipfile
from collections import Counter, defaultdict

def files_under(path):
    path = path.rstrip('/') or '/'
    if os.path.isfile(path):
        return [path]
    out = []
    for d, _, fs in os.walk(path):
        out += [os.path.join(d, f) for f in fs]
    return out

def kind(name):
    b = name.rsplit('/', 1)[-1].lower()
    if b in ('manifest', 'manifest.json'): return 'skip'
    if b.endswith('.tar.gz') or b.endswith('.tgz'): return 'targz'
    if b.endswith('.tar'): return 'tar'
    if b.endswith('.zip'): return 'zip'
    if b.endswith('.gz'): return 'gz'
    if b.endswith(('.json', '.jsonl', '.ndjson')): return 'plain'
    return 'skip'

def member_bytes(name, data):
    k = kind(name)
    if k == 'gz': return gzip.decompress(data)
    if k == 'plain': return data
    return None

def streams(path):
    k = kind(path)
    if k in ('plain', 'gz'):
        yield member_bytes(path, open(path, 'rb').read())
    elif k in ('tar', 'targz'):
        with tarfile.open(path) as t:
            for m in t.getmembers():
                if m.isfile():
                    b = member_bytes(m.name, t.extractfile(m).read())
                    if b is not None: yield b
    elif k == 'zip':
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                b = member_bytes(n, z.read(n))
                if b is not None: yield b

def no_const(x): raise ValueError(x)

def records(paths):
    """(record, order) of valid JSON objects, in file/member/line order."""
    for f in sorted(set(p for a in paths for p in files_under(a))):
        for data in streams(f):
            for line in data.split(b'\n'):
                if not line.strip(b' \t\r\n'): continue
                try:
                    o = json.loads(line.decode('utf-8'), parse_constant=no_const)
                    json.dumps(o, ensure_ascii=False).encode('utf-8')  # lone surrogates fail
                except Exception:
                    continue
                if isinstance(o, dict): yield o

def s(v): return v if isinstance(v, str) and v != '' else None
def isint(v): return isinstance(v, int) and not isinstance(v, bool)
def up(v): return v.strip(' ').upper()
def after_slash(v): return v.rsplit('/', 1)[-1]

def load_patents(paths):
    by = {}
    for o in records(paths):
        pn = s(o.get('publication_number')); cc = s(o.get('country_code'))
        if pn is None or pn.strip(' ') == '' or cc is None: continue
        d = o.get('publication_date'); year = 0
        if isint(d) and d > 0: year = d // 10000
        elif isinstance(d, str) and d.isascii() and d.isdigit(): year = int(d) // 10000
        names = []
        h = o.get('assignee_harmonized')
        if isinstance(h, list) and h:
            for e in h:
                if isinstance(e, dict) and s(e.get('name')):
                    names.append((e['name'], up(s(e.get('country_code')) or '')))
        elif isinstance(o.get('assignee'), list):
            names = [(a, '') for a in o['assignee'] if s(a)]
        cited, npl = set(), []
        for c in o.get('citation') or [] if isinstance(o.get('citation'), list) else []:
            if not isinstance(c, dict): continue
            p = s(c.get('publication_number'))
            if p and up(p): cited.add(up(p))
            t = s(c.get('npl_text'))
            if t: npl.append(t)
        key = up(pn)
        by.pop(key, None)
        by[key] = dict(key=key, office=up(cc), year=year, names=names, cited=cited - {key}, npl=npl)
    return by

def load_works(paths):
    by = {}
    for o in records(paths):
        i = s(o.get('id'))
        if i is None or after_slash(i) == '': continue
        y = o.get('publication_year'); c = o.get('cited_by_count')
        cs, insts = set(), []
        for a in o.get('authorships') or [] if isinstance(o.get('authorships'), list) else []:
            if not isinstance(a, dict): continue
            for inst in a.get('institutions') or [] if isinstance(a.get('institutions'), list) else []:
                if not isinstance(inst, dict): continue
                cc = up(s(inst.get('country_code')) or '')
                cc = cc if re.fullmatch('[A-Z]{2}', cc) else ''
                if cc: cs.add(cc)
                iid = s(inst.get('id'))
                if iid and after_slash(iid):
                    insts.append((after_slash(iid), s(inst.get('display_name')) or '', cc))
            for cc in a.get('countries') or [] if isinstance(a.get('countries'), list) else []:
                if isinstance(cc, str) and re.fullmatch('[A-Z]{2}', up(cc)): cs.add(up(cc))
        pt = o.get('primary_topic'); field = 'none'
        if isinstance(pt, dict) and isinstance(pt.get('field'), dict) and s(pt['field'].get('id')):
            field = after_slash(pt['field']['id']) or 'none'
        topic, tname = '', ''
        if isinstance(pt, dict):
            if s(pt.get('id')): topic = after_slash(pt['id'])
            tname = s(pt.get('display_name')) or ''
        doi = s(o.get('doi')); dk = ''
        if doi and '10.' in doi: dk = doi[doi.index('10.'):].lower()
        key = after_slash(i)
        by.pop(key, None)
        by[key] = dict(key=key, year=y if isint(y) else None, cites=c if isint(c) else 0,
                       countries=cs, insts=insts, field=field, doi=dk,
                       topic=topic, tname=tname)
    return by

def norm(x):
    """SPEC 2 norm(s), on the UTF-8 bytes."""
    out = bytearray()
    for ch in x.encode('utf-8', 'surrogatepass'):
        if ch >= 0x80 or 48 <= ch <= 57 or 65 <= ch <= 90: out.append(ch)
        elif 97 <= ch <= 122: out.append(ch - 32)
        else: out.append(32)
    return b' '.join(bytes(out).split())

def load_aliases(path):
    exact, prefix, types = {}, {}, {}
    if path == '-': return exact, prefix, types
    rows = list(csv.reader(open(path, encoding='utf-8', newline='')))
    if rows and rows[0] == ['match', 'kind', 'canonical', 'type']: rows = rows[1:]
    for r in rows:
        if not r or r == ['']: continue
        m = norm(r[0]); k = r[1].strip(' ').lower()
        if not m: continue
        (exact if k == 'exact' else prefix)[m] = r[2].encode('utf-8')
        types[r[2].encode('utf-8')] = r[3]
    return exact, prefix, types

def canonical(name, al):
    exact, prefix, types = al
    n = norm(name)
    if not n: return None
    if n in exact: return exact[n]
    best = max((p for p in prefix if n.startswith(p)), key=len, default=None)
    return prefix[best] if best is not None else n

def atype(c, al):
    if c in al[2]: return al[2][c]
    w = set(c.split(b' '))
    if w & {b'UNIV', b'UNIVERSITY', b'COLLEGE', b'SCHOOL', b'ACADEMY', b'ACAD'}: return 'Education'
    if b'HOSPITAL' in w: return 'Healthcare'
    if w & {b'CO', b'LTD', b'CORP', b'CORPORATION', b'INC', b'GMBH', b'AG', b'KK', b'LLC', b'PLC', b'SA', b'GROUP', b'COMPANY'}:
        return 'Company'
    return 'Other'

def cagr(a, b, years):
    if a == 0 or years == 0: return ''
    return '%.6f' % (math.pow(b / a, 1.0 / years) - 1)

def ratio(a, b): return '%.6f' % (a / b) if b else ''

def write(out, name, header, rows):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name + '.csv'), 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n', quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows: w.writerow([x.decode('utf-8', 'surrogateescape') if isinstance(x, bytes) else x for x in r])

DOI = re.compile(r'10\.[0-9]{4,9}/[^ \t\n\x0b\x0c\r"<>]+', re.I)

def main():
    a = sys.argv[1:]
    win = (2020, 2024)
    if '--window' in a:
        i = a.index('--window'); win = tuple(map(int, a[i + 1].split('-'))); del a[i:i + 2]
    P, W, al, out = load_patents([a[0]]), load_works([a[1]]), load_aliases(a[2]), a[3]
    years = list(range(win[0], win[1] + 1)); inw = lambda y: y is not None and win[0] <= y <= win[1]
    offices = countries = ['CN', 'US', 'GB', 'DE', 'JP', 'AU']; O = 'CN'; F = 'CN'
    citers = defaultdict(set)
    for p in P.values():
        for b in p['cited']:
            if b in P: citers[b].add(p['key'])
    write(out, 'office_patents', ['office', 'patents', 'cited_patents', 'cited_share'],
          [[o, n, c, ratio(c, n)] for o in offices
           for n, c in [(sum(1 for p in P.values() if p['office'] == o and inw(p['year'])),
                         sum(1 for p in P.values() if p['office'] == o and inw(p['year']) and citers[p['key']]))]])
    pats, yrs, ctry, cit = Counter(), defaultdict(Counter), defaultdict(Counter), defaultdict(set)
    total_o = 0
    for p in P.values():
        if p['office'] != O or not inw(p['year']): continue
        total_o += 1
        seen = defaultdict(set)
        for n, cc in p['names']:
            c = canonical(n, al)
            if c is not None: seen[c].add(cc)
        for c, ccs in seen.items():
            pats[c] += 1; yrs[c][p['year']] += 1; cit[c] |= citers[p['key']]
            for cc in ccs:
                if cc: ctry[c][cc] += 1
    order = sorted(pats, key=lambda c: (-pats[c], c))
    write(out, 'top_assignees', ['rank', 'assignee', 'type', 'patents', 'citing_patents'],
          [[i + 1, c, atype(c, al), pats[c], len(cit[c])] for i, c in enumerate(order[:20])])
    def country_of(c):
        if not ctry[c]: return ''
        return min(ctry[c].items(), key=lambda kv: (-kv[1], kv[0]))[0]
    foreign = [c for c in order if country_of(c) and country_of(c) != O][:20]
    write(out, 'foreign_assignees', ['rank', 'assignee', 'type', 'patents', 'citing_patents', 'country'],
          [[i + 1, c, atype(c, al), pats[c], len(cit[c]), country_of(c)] for i, c in enumerate(foreign)])
    rows = []
    for c in order:
        if pats[c] < 100: continue
        g = cagr(yrs[c][years[0]], yrs[c][years[-1]], len(years) - 1)
        q = 'n/a'
        if g != '':
            gv = math.pow(yrs[c][years[-1]] / yrs[c][years[0]], 1.0 / (len(years) - 1)) - 1
            q = {(1, 1): 'Star', (1, 0): 'Cash cow', (0, 1): 'Question mark', (0, 0): 'Dog'}[(pats[c] >= 1000, gv >= 0.10)]
        rows.append([c, atype(c, al)] + [yrs[c][y] for y in years] + [pats[c], ratio(pats[c], total_o), g, q])
    write(out, 'assignee_growth', ['assignee', 'type'] + ['n%d' % y for y in years] + ['patents', 'share', 'cagr', 'quadrant'], rows)
    # publications
    ww = [w for w in W.values() if inw(w['year'])]
    cohort = defaultdict(list)
    for w in ww: cohort[(w['year'], w['field'])].append(w['cites'])
    def score(w, p):
        cs = cohort[(w['year'], w['field'])]; N = len(cs)
        t = min(c for c in cs if 100 * sum(1 for x in cs if x <= c) >= (100 - p) * N)
        le = sum(1 for x in cs if x <= t); eq = cs.count(t)
        if w['cites'] > t: return 1.0
        if w['cites'] == t: return (100 * le - (100 - p) * N) / (100 * eq)
        return 0.0
    rows = []
    for c in countries:
        mine = [w for w in ww if c in w['countries']]; n = len(mine); cs = sum(w['cites'] for w in mine)
        rows.append([c, n, cs, ratio(cs, n), ratio(sum(score(w, 10) for w in mine), n), ratio(sum(score(w, 1) for w in mine), n)])
    write(out, 'country_publications', ['country', 'publications', 'citations', 'citations_per_publication', 'top10_share', 'top1_share'], rows)
    rows = [[c, y, sum(1 for w in ww if c in w['countries'] and w['year'] == y)] for c in countries for y in years]
    cnt = {(c, y): n for c, y, n in rows}
    rows += [[c, 'cagr', cagr(cnt[(c, years[0])], cnt[(c, years[-1])], len(years) - 1)] for c in countries]
    write(out, 'publication_growth', ['country', 'year', 'publications'], rows)
    fw = [w for w in ww if F in w['countries']]
    den = sum(1 for w in fw if w['countries'] - {F})
    co = Counter(x for w in fw for x in w['countries'] - {F})
    write(out, 'collaboration_partners', ['rank', 'partner', 'coauthored', 'share'],
          [[i + 1, x, n, ratio(n, den)] for i, (x, n) in enumerate(sorted(co.items(), key=lambda kv: (-kv[1], kv[0])))])
    names, ictry, icount, icites = defaultdict(set), defaultdict(set), Counter(), Counter()
    for w in W.values():
        for iid, nm, cc in w['insts']:
            if nm: names[iid].add(nm.encode('utf-8', 'surrogatepass'))
            if cc: ictry[iid].add(cc)
    for w in fw:
        for iid in set(i for i, _, _ in w['insts']):
            icount[iid] += 1; icites[iid] += w['cites']
    keep = [i for i in icount if ictry[i] and min(ictry[i]) != F]
    keep.sort(key=lambda i: (-icount[i], i.encode('utf-8')))
    write(out, 'collaborating_institutions', ['rank', 'institution', 'name', 'country', 'coauthored', 'citations', 'citations_per_publication'],
          [[k + 1, i, min(names[i]) if names[i] else '', min(ictry[i]), icount[i], icites[i], ratio(icites[i], icount[i])] for k, i in enumerate(keep[:50])])
    bydoi = defaultdict(list)
    for w in ww:
        if w['doi']: bydoi[w['doi']].append(w)
    links = set()
    for p in P.values():
        for t in p['npl']:
            for m in DOI.finditer(t):
                d = m.group(0).rstrip(".,;:)]}'").lower()
                for w in bydoi.get(d, []): links.add((p['key'], w['key']))
    rows = []
    for c in countries:
        L = [(p, w) for p, w in links if c in W[w]['countries']]
        rows.append([c, sum(1 for w in ww if c in w['countries']), len({w for _, w in L}), len({p for p, _ in L}), len(L)])
    write(out, 'paper_citations', ['country', 'works', 'works_cited_by_patents', 'citing_patents', 'links'], rows)
    # topic_growth (note 3), focus CN, partner GB, office CN
    Pn = 'GB'
    tw = [w for w in ww if w['topic']]
    N = len(tw); NF = sum(1 for w in tw if F in w['countries']); NP = sum(1 for w in tw if Pn in w['countries'])
    T = defaultdict(list)
    for w in tw: T[w['topic']].append(w)
    linkers = defaultdict(set)
    for p, wk in links:
        if W[wk]['topic'] and inw(W[wk]['year']) and P[p]['office'] == O: linkers[W[wk]['topic']].add(p)
    from fractions import Fraction
    rows = []
    for t, L in T.items():
        n = len(L)
        if n < 20: continue
        fw_ = sum(1 for w in L if F in w['countries']); pw_ = sum(1 for w in L if Pn in w['countries'])
        fi = Fraction(fw_ * N, NF * n) if NF else None
        pi = Fraction(pw_ * N, NP * n) if NP else None
        mu = min(fi, pi) if fi is not None and pi is not None else None
        a = sum(1 for w in L if w['year'] == years[0]); b = sum(1 for w in L if w['year'] == years[-1])
        gr = Fraction(b, a) if a and len(years) > 1 else None
        names = [w['tname'].encode('utf-8', 'surrogatepass') for w in L if w['tname']]
        fields = sorted(w['field'].encode('utf-8', 'surrogatepass') for w in L)
        real = [f for f in fields if f != b'none']
        fp = sum(1 for p in linkers[t] if any(cc == F for _, cc in P[p]['names']))
        pp = sum(1 for p in linkers[t] if any(cc == Pn for _, cc in P[p]['names']))
        fmt = lambda x: '%.6f' % (x.numerator / x.denominator) if x is not None else ''
        key = (0 if mu is not None else 1, -(mu or 0), 0 if gr is not None else 1, -(gr or 0), t.encode('utf-8', 'surrogatepass'))
        rows.append((key, [t, min(names) if names else '', (real or fields)[0], n, cagr(a, b, len(years) - 1), fw_, pw_,
                           fmt(fi), fmt(pi), fmt(mu), fp, pp]))
    rows.sort(key=lambda r: r[0])
    write(out, 'topic_growth', ['rank', 'topic', 'name', 'field', 'works', 'cagr', 'focus_works', 'partner_works',
                                'focus_index', 'partner_index', 'mutual', 'focus_patents', 'partner_patents'],
          [[i + 1] + r for i, (_, r) in enumerate(rows[:50])])

if __name__ == '__main__':
    main()
