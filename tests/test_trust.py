#!/usr/bin/python3
"""Trust (issue 21): the cases a careless user, a damaged file or a failing
rank run into, each with what must happen (docs/reliability.md names the
promise behind each). Every case failed on the main of 2026-12-03; a case
prints 'ok' or what went wrong, and the test fails if any case did.

usage: test_trust.py CITEMILL [SHARED_SAMPLES_DIR]"""
import gzip, hashlib, json, os, shutil, stat, subprocess, sys, tempfile
import h5py, xxhash

BIN = sys.argv[1]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1',
           OMPI_MCA_rmaps_base_oversubscribe='1')
W = tempfile.mkdtemp()
FAILS = []


def run(*args, np=2, timeout=120, env=None):
    """citemill under mpirun; None when it hung past the timeout."""
    try:
        return subprocess.run(['mpirun', '-np', str(np), BIN] + [str(a) for a in args], env=env or ENV,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def md5(path):
    h = hashlib.md5()
    for root, dirs, files in sorted(os.walk(path)) if os.path.isdir(path) else [('', [], [path])]:
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(p.encode()), h.update(open(p, 'rb').read())
    return h.hexdigest()


def expect_fail(name, r, *words):
    """r failed (not hung, not crashed) and its stderr holds every word."""
    if r is None:
        return '%s: hung' % name
    if r.returncode == 0:
        return '%s: succeeded' % name
    if r.returncode >= 128:
        return '%s: crashed (status %d)' % (name, r.returncode)
    missing = [w for w in words if w not in r.stderr]
    return '%s: stderr lacks %s: %s' % (name, missing, r.stderr[-400:]) if missing else None


CASES = []


def case(f):
    CASES.append(f)
    return f


def rec(pn, cc='CN', **kw):
    return json.dumps(dict(publication_number=pn, country_code=cc, **kw)) + '\n'


def work(i, **kw):
    return json.dumps(dict(id='https://openalex.org/W%d' % i, publication_year=2021, **kw)) + '\n'


def write(path, data, mode='wb'):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def small_inputs(d):
    write(d + '/p/a.json', ''.join(rec('CN-%d-A' % i, publication_date=20210101) for i in range(50)))
    write(d + '/w/a.json', ''.join(work(i) for i in range(30)))
    return ['--patents', d + '/p', '--works', d + '/w']


def store_of(d):
    return h5py.File(d)


# ---- data destroyed ----

@case
def store_over_input():
    d = W + '/soi'
    ins = small_inputs(d)
    before = md5(d + '/p/a.json')
    r = run('ingest', *ins, '--store', d + '/p/a.json', '--quiet')
    msg = expect_fail('store = an input dump', r, d + '/p/a.json')
    if not msg and md5(d + '/p/a.json') != before: msg = 'the input changed'
    r = run('ingest', *ins, '--store', d + '/p/new.h5', '--quiet')  # inside an input folder
    return msg or expect_fail('store inside an input folder', r, 'input')


@case
def store_over_device_or_foreign_file():
    d = W + '/sod'
    ins = small_inputs(d)
    # a special file (a FIFO: making one needs no privilege, and a bug would not touch /dev)
    fifo = d + '/fifo'
    os.mkfifo(fifo)
    r = run('ingest', *ins, '--store', fifo, '--quiet')
    msg = expect_fail('store = a FIFO', r, fifo, 'not a regular file')
    if not stat.S_ISFIFO(os.stat(fifo).st_mode): msg = 'the FIFO was replaced'
    notes = write(d + '/notes.h5', 'my notes, not a store\n')
    r = run('ingest', *ins, '--store', notes, '--quiet')
    msg = msg or expect_fail('store = a foreign file', r, notes, 'not written by citemill')
    if open(notes).read() != 'my notes, not a store\n': msg = 'the foreign file changed'
    # a store citemill wrote is replaced, as before
    ok = run('ingest', *ins, '--store', d + '/s.h5', '--quiet')
    ok2 = run('ingest', *ins, '--store', d + '/s.h5', '--quiet')
    if not msg and (ok.returncode or ok2.returncode): msg = 'replacing its own store failed: ' + ok2.stderr[-300:]
    return msg


@case
def out_inside_inputs():
    d = W + '/oii'
    ins = small_inputs(d)
    before = md5(d + '/p')
    r = run('run', *ins, '--out', d + '/p/out', '--quiet')
    msg = expect_fail('run --out inside the patents folder', r, '--out')
    if not msg and md5(d + '/p') != before: msg = 'the input folder changed'
    assert run('ingest', *ins, '--store', d + '/s.h5', '--quiet').returncode == 0
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/s.h5', '--quiet')
    msg = msg or expect_fail('analyze --out = the store', r, 's.h5')
    os.makedirs(d + '/o')
    shutil.copy(d + '/s.h5', d + '/o/s.h5')
    r = run('analyze', '--store', d + '/o/s.h5', '--out', d + '/o', '--quiet')
    msg = msg or expect_fail('analyze --out holding the store', r, 'o/s.h5')
    return msg or (None if os.path.exists(d + '/o/s.h5') else 'the store inside --out was removed')


@case
def foreign_file_in_analysis():
    d = W + '/ffa'
    ins = small_inputs(d)
    assert run('run', *ins, '--out', d + '/r', '--quiet').returncode == 0
    mine = write(d + '/r/analysis/my-notes.txt', 'keep me')
    tables = md5(d + '/r/analysis/tables')
    r = run('run', *ins, '--out', d + '/r', '--top', '5', '--quiet')  # analyze must rerun
    msg = expect_fail('run over an analysis holding a foreign file', r, 'my-notes.txt')
    if not os.path.exists(mine): return 'the foreign file was deleted'
    if md5(d + '/r/analysis/tables') != tables: return 'the earlier tables changed'
    os.remove(mine)
    r = run('run', *ins, '--out', d + '/r', '--top', '5', '--quiet')
    return msg or (None if r.returncode == 0 else 'rerun after moving the file failed: ' + r.stderr[-300:])


@case
def gen_over_folders():
    d = W + '/gen'
    assert run('gen', '--out', d + '/c', '--patents', 45000, '--works', 100, '--quiet').returncode == 0
    big = sorted(os.listdir(d + '/c/patents'))
    assert run('gen', '--out', d + '/c', '--patents', 5000, '--works', 100, '--quiet').returncode == 0
    small = sorted(os.listdir(d + '/c/patents'))
    msg = None if len(small) < len(big) else 'old shards left beside the new ones: %s' % small
    fresh = d + '/fresh'
    assert run('gen', '--out', fresh, '--patents', 5000, '--works', 100, '--quiet').returncode == 0
    if not msg and md5(fresh + '/patents') != md5(d + '/c/patents').replace('', ''):
        pass  # paths differ inside md5; compare file by file below
    for f in small:
        if open(fresh + '/patents/' + f, 'rb').read() != open(d + '/c/patents/' + f, 'rb').read():
            msg = msg or 'a regenerated shard differs from a fresh one: ' + f
    user = write(d + '/u/thesis.tex', 'chapter 1')
    r = run('gen', '--out', d + '/u', '--patents', 100, '--works', 10, '--quiet')
    msg = msg or expect_fail('gen into a non-empty folder', r, 'thesis.tex')
    if not os.path.exists(user) or os.listdir(d + '/u') != ['thesis.tex']: msg = 'gen touched a foreign folder'
    write(d + '/c/patents/my-own.json.gz', b'')
    r = run('gen', '--out', d + '/c', '--patents', 100, '--works', 10, '--quiet')
    msg = msg or expect_fail('gen over a corpus holding a foreign file', r, 'my-own.json.gz')
    return msg


# ---- silently wrong results ----

def damage(path, at=None, n=4096):
    """Zeroes n bytes in the middle, keeping the modification time."""
    st = os.stat(path)
    with open(path, 'r+b') as f:
        f.seek(at if at is not None else st.st_size // 2)
        f.write(b'\0' * n)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@case
def damaged_store():
    d = W + '/dam'
    assert run('gen', '--out', d + '/g', '--patents', 20000, '--works', 8000, '--quiet').returncode == 0
    ins = ['--patents', d + '/g/patents', '--works', d + '/g/works', '--aliases', d + '/g/aliases.csv']
    assert run('run', *ins, '--out', d + '/fresh', '--quiet').returncode == 0
    assert run('run', *ins, '--out', d + '/r', '--quiet').returncode == 0
    damage(d + '/r/store.h5')
    # unnoticed by the manifest too (as a store of 256 MiB or more, whose record samples it, would miss
    # damage in its middle): the resume must verify the store itself
    man = open(d + '/r/manifest').read()
    old = [l for l in man.splitlines() if l.startswith('output = store.h5 ')][0]
    new = old.rsplit(' ', 1)[0] + ' %016x' % xxhash.xxh3_64_intdigest(open(d + '/r/store.h5', 'rb').read())
    open(d + '/r/manifest', 'w').write(man.replace(old, new))
    r = run('run', *ins, '--out', d + '/r')
    if r.returncode: return 'run over a damaged store failed: ' + r.stderr[-300:]
    if 'fails its checksum' not in r.stderr + r.stdout or 'ingesting again' not in r.stdout:
        return 'the damage was not reported: ' + r.stdout[-300:]
    for t in os.listdir(d + '/fresh/analysis/tables'):
        if open(d + '/fresh/analysis/tables/' + t).read() != open(d + '/r/analysis/tables/' + t).read():
            return 'tables after the damage differ from a fresh run: ' + t
    # a damaged store with a new input: the refresh must not reuse its rows
    damage(d + '/r/store.h5', n=8192)
    shutil.copy(d + '/g/patents/publications-000000000000.json.gz', d + '/g/patents/publications-9.json.gz')
    r = run('run', *ins, '--out', d + '/r')
    if r.returncode or 'fails its checksum' not in r.stdout + r.stderr:
        return 'refresh over a damaged store: ' + (r.stdout + r.stderr)[-400:]
    assert run('run', *ins, '--out', d + '/fresh2', '--quiet').returncode == 0
    for t in os.listdir(d + '/fresh2/analysis/tables'):
        if open(d + '/fresh2/analysis/tables/' + t).read() != open(d + '/r/analysis/tables/' + t).read():
            return 'tables after a refresh over damage differ from a fresh run: ' + t
    # analyze alone fails, naming the dataset
    shutil.copy(d + '/r/store.h5', d + '/s.h5')
    damage(d + '/s.h5')
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/a', '--quiet', np=3)
    msg = expect_fail('analyze of a damaged store', r, "dataset '/")
    if not msg and os.path.exists(d + '/a'): msg = 'analyze left outputs of a damaged store'
    r = run('verify', '--store', d + '/s.h5')
    return msg or expect_fail('verify of a damaged store', r, 'fails its checksum')


@case
def damaged_offsets():
    """Offsets that decrease or run past the bytes: an error naming the dataset on every rank count,
    never a crash or an absurd allocation."""
    d = W + '/dof'
    ins = small_inputs(d)
    assert run('ingest', *ins, '--store', d + '/s.h5', '--quiet').returncode == 0
    msg = None
    for ds, fix in (('patents/publication_number/offsets', lambda a: a.__setitem__(10, 2 ** 62)),
                    ('patents/npl_text/index', lambda a: a.__setitem__(slice(5, 7), [9, 3])),
                    ('works/field/codes', lambda a: a.__setitem__(0, 4000))):
        shutil.copy(d + '/s.h5', d + '/b.h5')
        with h5py.File(d + '/b.h5', 'r+') as f:
            a = f[ds][()]
            fix(a)
            f[ds][...] = a
        for np_ in (1, 3):
            r = run('analyze', '--store', d + '/b.h5', '--out', d + '/a', '--quiet', np=np_, timeout=60)
            msg = msg or expect_fail('analyze with damaged %s on %d ranks' % (ds, np_), r, ds.split('/')[1])
    return msg


@case
def failed_analyze_keeps_old():
    d = W + '/fak'
    ins = small_inputs(d)
    assert run('ingest', *ins, '--store', d + '/s.h5', '--quiet').returncode == 0
    assert run('analyze', '--store', d + '/s.h5', '--out', d + '/o', '--quiet').returncode == 0
    before = md5(d + '/o')
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/o', '--window', '2024-2020', '--quiet')
    msg = expect_fail('an invalid window', r, '--window')
    env = dict(ENV, CITEMILL_FAULT='links-fail@1')  # after five tables were written
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/o', '--quiet', env=env)
    msg = msg or expect_fail('a failure after some tables', r, 'injected failure')
    if md5(d + '/o') != before: msg = msg or 'the earlier analysis changed'
    left = [f for f in os.listdir(d) if f.startswith('o.')]
    return msg or ('left behind: %s' % left if left else None)


@case
def store_of_another_layout():
    """A store written by an older citemill (another column layout) is not
    read as if it were this one's: analyze says to rebuild, --refresh
    rebuilds it."""
    d = W + '/sal'
    ins = small_inputs(d)
    assert run('ingest', *ins, '--store', d + '/s.h5', '--quiet').returncode == 0
    with h5py.File(d + '/s.h5', 'r+') as f:
        f.attrs.modify('schema_version', f.attrs['schema_version'] - 1)
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/o', '--quiet')
    msg = expect_fail('analyze of an older layout', r, 'layout', 'citemill ingest')
    r = run('ingest', *ins, '--store', d + '/s.h5', '--refresh')
    if not msg and (r.returncode or 'another layout' not in r.stdout):
        msg = 'refresh over an older layout: %s' % (r.stdout + r.stderr)[-400:]
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/o', '--quiet')
    return msg or (r.returncode and 'analyze after the rebuild failed: ' + r.stderr[-400:]) or None


@case
def codes_upper_cased_and_repeats_refused():
    d = W + '/cod'
    ins = small_inputs(d)
    assert run('ingest', *ins, '--store', d + '/s.h5', '--quiet').returncode == 0
    assert run('analyze', '--store', d + '/s.h5', '--out', d + '/up', '--quiet').returncode == 0
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/low', '--offices', 'cn,us,gb,de,jp,au',
            '--office', 'cn', '--focus', 'cn', '--countries', 'cn,us,gb,de,jp,au', '--quiet')
    if r.returncode: return 'lower-case codes failed: ' + r.stderr[-300:]
    for t in os.listdir(d + '/up/tables'):
        if open(d + '/up/tables/' + t).read() != open(d + '/low/tables/' + t).read():
            return 'lower-case codes gave another ' + t
    if 'CN,50,' not in open(d + '/low/tables/office_patents.csv').read():
        return 'office_patents lacks the 50 CN patents'
    r = run('analyze', '--store', d + '/s.h5', '--out', d + '/rep', '--offices', 'CN,US,CN', '--quiet')
    return expect_fail('a repeated office', r, "'CN' twice")


def ingest_counts(d, files, extra=(), corpus='patents'):
    for rel, data in files.items():
        write(os.path.join(d, 'in', rel), data)
    other = {'patents': ('--works', d + '/ow'), 'works': ('--patents', d + '/op')}[corpus]
    write(other[1] + '/x.json', work(9) if corpus == 'patents' else rec('CN-9-A'))
    r = run('ingest', '--' + corpus, d + '/in', *other, '--store', d + '/s.h5', '--quiet', *extra)
    if r is None or r.returncode: return r, None
    with h5py.File(d + '/s.h5') as f:
        g = f[corpus]
        return r, {k: int(v) for k, v in g.attrs.items() if not isinstance(v, (bytes, str))}


@case
def json_array_lines():
    d = W + '/arr'
    page = json.dumps([json.loads(work(i)) for i in range(500)])  # an API page saved to disk
    good = ''.join(work(1000 + i) for i in range(600))
    r, a = ingest_counts(d, {'page.json': page + '\n' + good}, ('--reject-rate', '1'), corpus='works')
    if a is None: return 'ingest failed: %s' % (r and r.stderr[-300:])
    if (a['rows'], a['rejects'], a['lines']) != (600, 500, 601):
        return 'rows/rejects/lines %s, expected 600/500/601' % ((a['rows'], a['rejects'], a['lines']),)
    rows = open(d + '/s.h5.rejects/works.csv').read().count('element ')
    if rows != 500: return '%d reject rows name an element, expected 500' % rows
    shutil.rmtree(d)
    r, a = ingest_counts(d, {'page.json': page + '\n' + ''.join(work(1000 + i) for i in range(10))}, corpus='works')
    return expect_fail('an array line against the default threshold', r, 'rejects')


@case
def size_limits():
    d = W + '/lim'
    big = rec('CN-1-A', t='x' * 100)
    r, a = ingest_counts(d, {'a.json': big + rec('CN-2-A')}, ('--max-record', '60', '--reject-rate', '1'))
    if a is None or (a['rows'], a['rejects']) != (1, 1):
        return '--max-record 60: %s' % (a or (r and r.stderr[-300:]))
    shutil.rmtree(d)
    bomb = gzip.compress(rec('CN-3-A').encode() * 200000)  # ~9 MB from ~20 KB: ratio over 400
    r, a = ingest_counts(d, {'b.json.gz': bomb}, ('--max-member', str(1 << 20), '--max-ratio', '100'))
    return expect_fail('a member over the size limits', r, 'b.json.gz', 'size limits')


@case
def last_duplicate_member_wins_and_bom():
    d = W + '/dup'
    line = '{"publication_number":"CN-1-A","country_code":"US","country_code":"CN","publication_date":1,' \
           '"publication_date":20210505}\n'
    bom = b'\xef\xbb\xbf' + rec('CN-2-A').encode()
    member = gzip.compress(b'\xef\xbb\xbf' + rec('CN-3-A').encode())
    r, a = ingest_counts(d, {'a.json': line, 'b.json': bom, 'c.json.gz': member}, ('--reject-rate', '0'))
    if a is None: return 'ingest failed: %s' % (r and r.stderr[-300:])
    if (a['rows'], a['rejects']) != (3, 0): return 'rows/rejects %s' % ((a['rows'], a['rejects']),)
    with h5py.File(d + '/s.h5') as f:
        g = f['patents']
        office = g['office/dict']
        o, b = office['offsets'][()], office['bytes'][()].tobytes()
        codes = [b[o[c]:o[c + 1]].decode() for c in g['office/codes'][()]]
        dates = list(g['publication_date'][()])
    if codes[0] != 'CN' or dates[0] != 20210505: return 'the first duplicate member won: %s %s' % (codes, dates)
    # an alias table saved with a byte-order mark: its header is a header, not a row
    write(d + '/aliases.csv', b'\xef\xbb\xbfmatch,kind,canonical,type\nACME,exact,Acme Group,Company\n')
    write(d + '/p2/a.json', rec('CN-5-A', publication_date=20210101,
                                assignee_harmonized=[{'name': 'acme', 'country_code': 'CN'}]))
    assert run('ingest', '--patents', d + '/p2', '--works', d + '/ow', '--store', d + '/s2.h5', '--quiet').returncode == 0
    r = run('analyze', '--store', d + '/s2.h5', '--aliases', d + '/aliases.csv', '--out', d + '/a', '--quiet')
    if r.returncode: return 'analyze with a BOM alias table: ' + r.stderr[-300:]
    return None if 'Acme Group,Company,1' in open(d + '/a/tables/top_assignees.csv').read() else \
        'the alias of a BOM table did not apply'


@case
def wrong_types_counted():
    d = W + '/wt'
    works = work(1) + json.dumps({'id': 'W2', 'publication_year': 2020.0}) + '\n' + \
        json.dumps({'id': 'W3', 'publication_year': '2021', 'cited_by_count': '5'}) + '\n'
    r, a = ingest_counts(d, {'w.json': works}, corpus='works')
    if a is None: return 'ingest failed: %s' % (r and r.stderr[-300:])
    if a.get('wrong_type.publication_year') != 2 or a.get('wrong_type.cited_by_count') != 1:
        return 'store attributes: %s' % a
    r = run('ingest', '--works', d + '/in', '--patents', d + '/op', '--store', d + '/s.h5')
    if 'publication_year 2' not in r.stdout: return 'the summary does not say it: ' + r.stdout[-400:]
    write(d + '/p/a.json', rec('CN-1-A', assignee_harmonized='[{"name": "X"}]', citation='[]'))
    r = run('run', '--patents', d + '/p', '--works', d + '/in', '--out', d + '/r', '--quiet')
    if r.returncode: return 'run failed: ' + r.stderr[-300:]
    j = json.load(open(d + '/r/run.json'))
    got = (j['patents']['values_of_wrong_type'].get('assignee_harmonized'),
           j['patents']['values_of_wrong_type'].get('citation'),
           j['works']['values_of_wrong_type'].get('publication_year'))
    return None if got == (1, 1, 2) else 'run.json values_of_wrong_type: %s' % (got,)


@case
def options_range_checked():
    d = W + '/opt'
    ins = small_inputs(d)
    bad = [('ingest', '--reject-rate', '-1'), ('ingest', '--reject-rate', 'nan'),
           ('analyze', '--bcg-cagr', 'nan'), ('analyze', '--offices', ''), ('analyze', '--link-methods', ''),
           ('analyze', '--top', '0'), ('analyze', '--window', '1-99999'), ('analyze', '--countries', 'CN,CHN'),
           ('ingest', '--max-record', '0')]
    for cmd, opt, val in bad:
        args = [cmd, opt, val, '--quiet']
        args += ins + ['--store', d + '/s.h5'] if cmd == 'ingest' else ['--store', d + '/s.h5', '--out', d + '/o']
        r = run(*args)
        m = expect_fail('%s %s %r' % (cmd, opt, val), r, opt)
        if m: return m
    for scale in ('-1', 'nan', 'inf', '1e308'):
        r = run('gen', '--scale', scale, '--out', d + '/g', '--quiet', timeout=30)
        m = expect_fail('gen --scale ' + scale, r, '--scale')
        if m: return m
        if os.path.exists(d + '/g'): return 'gen --scale %s wrote %s' % (scale, d + '/g')
    return None


@case
def rejects_bounded_and_cleaned():
    d = W + '/rej'
    bad = ''.join('{"publication_number": "CN-%d-A"}\n' % i for i in range(50000))  # no country_code
    r, a = ingest_counts(d, {'a.json': rec('CN-X-A') + bad})
    msg = expect_fail('50 000 rejects', r, 'rejects')
    rows = open(d + '/s.h5.rejects/patents.csv').read().count('\n') - 1
    if not msg and not 0 < rows < 5000: msg = 'the rejects file holds %d rows, expected it to stop early' % rows
    parts = [f for f in os.listdir(d + '/s.h5.rejects') if f.endswith('.part')]
    return msg or ('rejects parts left: %s' % parts if parts else None)


@case
def gzip_edges():
    d = W + '/gz'
    r, a = ingest_counts(d, {'empty.json.gz': b''})
    msg = expect_fail('a 0-byte .gz', r, 'empty.json.gz')
    shutil.rmtree(d)
    r, a = ingest_counts(d, {'padded.json.gz': gzip.compress(rec('CN-1-A').encode()) + b'\0' * 4096},
                         ('--reject-rate', '0'))
    if not msg and (a is None or a['rows'] != 1): msg = 'a zero-padded gzip: %s' % (a or r.stderr[-300:])
    return msg


@case
def real_records():
    """Real records of ../shared/samples/real: every work parses (0 rejects), and the export routes that
    deliver nested columns as JSON-encoded strings show in the wrong-type counts."""
    s = sys.argv[2] + '/real' if len(sys.argv) > 2 else ''
    if not os.path.isdir(s):
        print('trust: real_records skipped (no %s)' % s)
        return None
    d = W + '/real'
    r = run('ingest', '--patents', s + '/patents', '--works', s + '/openalex-works-2033.jsonl.gz',
            '--store', d + '/s.h5', '--reject-rate', '1', '--quiet')
    if r.returncode: return 'ingest failed: ' + r.stderr[-300:]
    with h5py.File(d + '/s.h5') as f:
        w, p = f['works'].attrs, f['patents'].attrs
        got = (int(w['rows']), int(w['rejects']), int(p['rows']), int(p['rejects']),
               int(p['wrong_type.assignee_harmonized']), int(p['wrong_type.citation']))
    # 10 rows of the BigQuery console export have no country_code (7 columns): rejects; 30 rows from
    # Snowflake and pandas dumps carry assignee_harmonized and citation as strings
    return None if got == (2033, 0, 30, 10, 30, 30) else 'counts %s' % (got,)


for c in CASES:
    try:
        m = c()
    except Exception as e:  # a broken case is a failure, not a crash of the test
        m = 'raised %r' % e
    print('trust: %-40s %s' % (c.__name__, 'ok' if not m else 'FAILED: ' + m))
    if m: FAILS.append(c.__name__ + ': ' + m)
shutil.rmtree(W, ignore_errors=True)
if FAILS:
    sys.exit('FAIL\n' + '\n'.join(FAILS))
print('trust: every case held')
