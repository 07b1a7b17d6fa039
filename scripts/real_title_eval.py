#!/usr/bin/python3
"""Title links on real titles: precision and recall of citemill's title
method on references built from the real OpenAlex works of
shared/samples/real/ (docs/linkage.md, "Real titles").

usage: real_title_eval.py SAMPLES_REAL CITEMILL WORKDIR [--np N] [--check]

The works file is ingested as it is, less one work in ten (chosen by a hash
of its id), which is held out: its references must link to nothing. Every
work with a title is cited, by title only (never a DOI), in the eight
reference styles below, one patent per reference; every present work is
also cited once per style as a near miss (one title word replaced). The
title written in a reference is what a patent drafter types: markup
removed (MathML kept as its text), entities decoded; the EPO style folds
accents away, the others keep them.

  epo       SANGER F ET AL: "TITLE", JOURNAL, vol. 74, no. 12, 1 December 1977 (1977-12-01), pages 5463 - 5467, XP0...
  us        Sanger et al., "Title," Journal, 74(12):5463-5467 (1977).
  vancouver Sanger F, Nicklen S, Coulson A. Title. Jour Abbr. 1977;74(12):5463-7.
  apa       Sanger, F., Nicklen, S., & Coulson, A. (1977). Title. Journal, 74(12), 5463–5467.
  cn        Sanger F, Nicklen S, Coulson A. Title[J]. Journal, 1977, 74(12): 5463-5467.
  typo      Sanger F. et al. “Title”, Journal (1977)
  noyear    Sanger F et al., Title, Journal, vol. 74, pp. 5463-5467.
  cut       Sanger F et al., "First words of the title ...", Journal, 1977.  (titles of 8+ words cut
            to 60 % of their words; shorter titles written whole)

Truth: a reference to work X is correctly linked to X or to any present work
that is the same paper by this script's own reading: the same title (NFKD,
marks dropped, case folded, non-alphanumerics as spaces), the same year and
the same first-author surname. A near miss or a held-out work with no such
present twin must link to nothing.

--check exits non-zero unless recall >= 0.90, precision >= 0.99 and
near-miss and absent references are linked at most once per 1,000."""
import gzip, hashlib, html, json, os, re, shutil, subprocess, sys, unicodedata
import h5py

STYLES = ['epo', 'us', 'vancouver', 'apa', 'cn', 'typo', 'noyear', 'cut']
SUFFIXES = {'jr', 'sr', 'ii', 'iii', 'iv'}
MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
          'November', 'December']
SWAP = ['quantum', 'membrane', 'lattice', 'protocol', 'glacier', 'enzyme', 'turbine', 'syntax']


def fold(s):
    return ''.join(c for c in unicodedata.normalize('NFKD', s) if not unicodedata.combining(c))


def norm(s):
    return ' '.join(re.findall(r'[^\W_]+', fold(plain(s)).casefold()))


def plain(t):
    """A title as a patent drafter would type it."""
    t = re.sub(r'<[^>]*>', '', t)
    return ' '.join(html.unescape(t).split())


def h(s, salt=''):
    return int(hashlib.sha1((salt + s).encode()).hexdigest()[:12], 16)


def names(w):
    out = []
    for a in w.get('authorships') or []:
        n = ((a or {}).get('author') or {}).get('display_name') or (a or {}).get('raw_author_name')
        if n: out.append(n)
    return out


def split_name(n):
    """(surname, initials) of a display name: 'Wagner, Adina S.' or 'Adina S. Wagner'."""
    if ',' in n:
        sur, rest = n.split(',', 1)
    else:
        parts = n.split()
        while len(parts) > 1 and norm(parts[-1]) in SUFFIXES:
            parts.pop()
        sur, rest = parts[-1], ' '.join(parts[:-1])
    initials = ''.join(p[0] for p in re.findall(r'[^\W\d_]+', rest))
    return sur.strip(), initials


def journal(w):
    loc = w.get('primary_location') or {}
    src = loc.get('source') or (w.get('host_venue') or {})
    return (src or {}).get('display_name') or ''


def abbrev(j):
    stop = {'of', 'the', 'and', 'for', 'in', 'on', '&'}
    return ' '.join(x[:4] if len(x) > 5 else x for x in j.split() if x.lower() not in stop)


def cite(w, title, style):
    """The reference to work w in one style, its title written as title."""
    au = [split_name(n) for n in names(w)]
    y = w.get('publication_year')
    b = w.get('biblio') or {}
    vol, iss, fp, lp = b.get('volume'), b.get('issue'), b.get('first_page'), b.get('last_page')
    j = journal(w)
    first = au[0] if au else None
    etal = len(au) > 1
    if style == 'epo':
        a = ('%s %s%s: ' % (first[0], first[1], ' ET AL' if etal else '')) if first else ''
        s = fold('%s"%s"' % (a, title)).upper()
        if j: s += ', ' + fold(j).upper()
        if vol: s += ', vol. %s' % vol
        if iss: s += ', no. %s' % iss
        d = w.get('publication_date') or ''
        if re.match(r'\d{4}-\d\d-\d\d$', d):
            s += ', %d %s %s (%s)' % (int(d[8:]), MONTHS[int(d[5:7]) - 1], d[:4], d)
        elif y:
            s += ', %d' % y
        if fp: s += ', pages %s%s' % (fp, ' - %s' % lp if lp else '')
        return s + ', XP%09d' % (h(w['id']) % 10 ** 9)
    if style == 'us':
        s = ('%s%s, ' % (first[0], ' et al.' if etal else '')) if first else ''
        s += '"%s," %s' % (title, j + ', ' if j else '')
        if vol: s += '%s%s%s ' % (vol, '(%s)' % iss if iss else '', ':%s' % fp if fp else '')
        return s + ('(%d).' % y if y else '')
    al = ', '.join('%s %s' % a for a in au[:6]) + (', et al' if len(au) > 6 else '')
    vip = '%s%s%s' % (vol or '', '(%s)' % iss if iss else '', ':%s' % fp if fp else '') if vol else ''
    if style == 'vancouver':
        s = (al + '. ' if au else '') + title.rstrip('.') + '. '
        s += (abbrev(j) + '. ' if j else '') + ('%d' % y if y else '')
        return s + (';' + vip if vip else '') + '.'
    if style == 'apa':
        aa = ', '.join('%s, %s.' % (a[0], '. '.join(a[1]) if a[1] else '') for a in au[:7])
        s = (aa + ' ' if au else '') + '(%s). ' % (y or 'n.d.') + title.rstrip('.') + '. '
        if j: s += j + (', %s' % vol if vol else '') + ('(%s)' % iss if iss else '')
        if fp: s += ', %s%s' % (fp, '\u2013%s' % lp if lp else '')
        return s + '.'
    if style == 'cn':
        comma = '\uff0c' if h(w['id'], 'cn') % 3 == 0 else ', '
        s = (al + '. ' if au else '') + title.rstrip('.') + '[J]. '
        s += (j + comma if j else '') + ('%d' % y if y else '') + (comma + vip if vip else '')
        return s + '.'
    if style == 'typo':
        s = ('%s %s.%s ' % (first[0], first[1], ' et al.' if etal else '')) if first else ''
        return s + '\u201c%s\u201d, %s(%d)' % (title, j + ' ' if j else '', y or 0)
    if style == 'noyear':
        s = ('%s %s%s, ' % (first[0], first[1], ' et al.' if etal else '')) if first else ''
        s += title + (', ' + j if j else '')
        if vol: s += ', vol. %s' % vol
        if fp: s += ', pp. %s%s' % (fp, '-%s' % lp if lp else '')
        return s + '.'
    assert style == 'cut'
    words = title.split()
    if len(words) >= 8:
        title = ' '.join(words[:cut_at(len(words))]) + ' ...'
    s = ('%s %s%s, ' % (first[0], first[1], ' et al.' if etal else '')) if first else ''
    return s + '"%s", %s%d.' % (title, j + ', ' if j else '', y or 0)


def cut_at(n):
    """Words the cut style keeps of an n-word title (all of a shorter title)."""
    return max(5, (n * 6 + 9) // 10) if n >= 8 else n


def near_miss(title, salt, upto):
    """The title with one of its first upto words (one of 4+ letters) replaced."""
    words = title.split()
    at = [i for i, x in enumerate(words[:upto]) if len(x) >= 4] or list(range(min(upto, len(words))))
    i = at[h(salt, 'nm') % len(at)]
    new = SWAP[h(salt, 'sw') % len(SWAP)]
    if norm(new) == norm(words[i]): new = SWAP[(h(salt, 'sw') + 1) % len(SWAP)]
    return ' '.join(words[:i] + [new] + words[i + 1:])


def group(w):
    n = names(w)
    return (norm(w.get('title') or w.get('display_name') or ''), w.get('publication_year'),
            norm(split_name(n[0])[0]) if n else '')


def strcol(g):
    o, b = g['offsets'][:], g['bytes'][:].tobytes()
    return [b[o[i]:o[i + 1]].decode() for i in range(len(o) - 1)]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    np_ = int(sys.argv[sys.argv.index('--np') + 1]) if '--np' in sys.argv else 2
    if '--np' in sys.argv: args.remove(str(np_))
    real, binary, work = args
    if not os.path.isfile(real + '/openalex-works-2033.jsonl.gz'):
        print('real_title_eval: no samples at %s: skipped' % real)
        sys.exit(77)
    lines = gzip.open(real + '/openalex-works-2033.jsonl.gz', 'rt').read().split('\n')
    lines = [x for x in lines if x.strip()]
    works = [json.loads(x) for x in lines]
    absent = {w['id'] for w in works if h(w['id'], 'absent') % 10 == 0}
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work + '/works'), os.makedirs(work + '/patents')
    with open(work + '/works/w.jsonl', 'w') as f:
        f.write(''.join(x + '\n' for x, w in zip(lines, works) if w['id'] not in absent))
    present = {}
    for w in works:
        if w['id'] not in absent: present.setdefault(group(w), set()).add(w['id'].rsplit('/', 1)[1])
    refs = []  # (patent, kind, style, truth set, work)
    rows = []
    for w in works:
        raw = w.get('title') or w.get('display_name')
        if not raw or not norm(raw): continue
        t = plain(raw)
        truth = present.get(group(w), set())
        kind = 'cited' if truth else 'absent'  # a held-out work with a present twin is cited
        for s in STYLES:
            upto = cut_at(len(t.split())) if s == 'cut' else len(t.split())
            for k, title in ((kind, t), ('near-miss', near_miss(t, w['id'] + s, upto))):
                if k == 'near-miss' and w['id'] in absent: continue
                if k == 'near-miss' and ' %s ' % norm(t) in ' %s ' % norm(cite(w, title, s)):
                    continue  # the title stands elsewhere in the reference (a journal named like it)
                pn = 'US-%d-A' % (len(refs) + 1)
                refs.append((pn, k, s, truth if k == 'cited' else set(), w))
                rows.append(json.dumps({'publication_number': pn, 'country_code': 'US',
                                        'publication_date': 20200101,
                                        'citation': [{'npl_text': cite(w, title, s)}]}, ensure_ascii=False))
    with open(work + '/patents/p.jsonl', 'w') as f:
        f.write('\n'.join(rows) + '\n')
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1')
    mpi = ['mpirun', '-np', str(np_), '--oversubscribe', binary]
    subprocess.run(mpi + ['ingest', '--patents', work + '/patents', '--works', work + '/works', '--store',
                          work + '/s.h5', '--quiet'], check=True, env=env)
    subprocess.run(mpi + ['analyze', '--store', work + '/s.h5', '--out', work + '/out', '--quiet'], check=True,
                   env=env)
    g = h5py.File(work + '/out/links.h5')['links']
    got = {}
    for p, wid, m in zip(strcol(g['patent']), strcol(g['work']), strcol(g['method'])):
        if m == 'title': got.setdefault(p, set()).add(wid)
    rep = report(refs, got)
    with open(work + '/details.tsv', 'w') as f:  # one line per reference, to read the misses
        for (pn, kind, style, truth, w), row in zip(refs, rows):
            g = got.get(pn, set())
            verdict = ('found' if g & truth else 'missed') if kind == 'cited' else ('LINKED' if g else 'none')
            if g - truth: verdict += ' WRONG'
            f.write('\t'.join([pn, kind, style, verdict, w['id'].rsplit('/', 1)[1], ','.join(sorted(g)),
                               json.loads(row)['citation'][0]['npl_text']]) + '\n')
    if '--check' in sys.argv:
        bad = []
        if rep['recall'] < 0.90: bad.append('recall %.4f < 0.90' % rep['recall'])
        if rep['precision'] < 0.99: bad.append('precision %.4f < 0.99' % rep['precision'])
        for k in ('near-miss', 'absent'):
            if rep[k + '_linked'] * 1000 > rep[k + '_refs']:
                bad.append('%s linked %d of %d' % (k, rep[k + '_linked'], rep[k + '_refs']))
        if bad: sys.exit('real_title_eval: FAIL: ' + '; '.join(bad))
        print('real_title_eval: targets met')


def report(refs, got):
    links = correct = want = found = 0
    by = {}
    for pn, kind, style, truth, w in refs:
        g = got.get(pn, set())
        links += len(g)
        correct += len(g & truth)
        n_words = len(norm(w.get('title') or w.get('display_name')).split())
        klass = 'short (1-4 words)' if n_words < 5 else 'long (5+ words)'
        for key in ((kind, style), (kind, 'all'), (kind, klass)):
            b = by.setdefault(key, [0, 0, 0])
            b[0] += 1
            b[1] += bool(g & truth) if kind == 'cited' else bool(g)
            b[2] += len(g - truth)
        if kind == 'cited' and truth:
            want += 1
            found += bool(g & truth)
    rep = {'links': links, 'correct': correct, 'precision': correct / links if links else 1.0,
           'want': want, 'found': found, 'recall': found / want if want else 0.0}
    for k in ('near-miss', 'absent'):
        rep[k + '_refs'], rep[k + '_linked'] = by[(k, 'all')][0], by[(k, 'all')][1]
    print('| references | title links | correct | precision | to present works | found | recall |')
    print('|---|---|---|---|---|---|---|')
    print('| %d | %d | %d | %.4f | %d | %d | %.4f |' % (len(refs), links, correct, rep['precision'], want, found,
                                                     rep['recall']))
    print()
    print('| style | cited: found / references (recall) | wrong links | near misses linked | absent linked |')
    print('|---|---|---|---|---|')
    for s in STYLES + ['all', 'short (1-4 words)', 'long (5+ words)']:
        c, nm, ab = by.get(('cited', s), [0] * 3), by.get(('near-miss', s), [0] * 3), by.get(('absent', s), [0] * 3)
        print('| %s | %d / %d (%.4f) | %d | %d / %d | %d / %d |' % (s, c[1], c[0], c[1] / c[0] if c[0] else 0, c[2],
                                                                 nm[1], nm[0], ab[1], ab[0]))
    return rep


if __name__ == '__main__':
    main()
