#!/usr/bin/python3
"""Ingest on hand-made inputs in every container, with planted bad and odd
records. Expected rows, rejects and duplicates are worked out here from the
planted cases, then checked in the store with h5py (no citemill code), on 1
and 3 ranks. Also: truncated .gz and broken .tar fail naming the file, and a
pre-existing store stays byte-identical."""
import gzip, hashlib, io, json, os, subprocess, sys, tarfile, tempfile, zipfile
import h5py

BIN = sys.argv[1]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1')

def pat(n, **kw):
    d = {'publication_number': 'CN-%d-A' % n, 'country_code': 'CN', 'publication_date': '20210101'}
    d.update(kw)
    return json.dumps(d)

GOOD_P = [
    pat(1),
    pat(2, publication_date=20220315),                          # int date
    pat(3, publication_date=None, family_id=None),              # nulls
    pat(4, assignee=['ACME CO']),                               # plain assignee only
    pat(5, assignee_harmonized=[{'name': 'X CORP', 'country_code': 'us'}]),
    pat(6, title='\\u0000 and \\ud83d\\ude00'),                 # escapes (in JSON text below)
    pat(7, description='d' * (5 << 20)),                        # 5 MB field
    pat(8, publication_date='2021-03-15'),                      # odd date: unknown year, kept
    '{"publication_number":" cn-9-a ","country_code":"CN","x":[1,2,{"y":null}]}\r',
]
GOOD_P[5] = '{"publication_number":"CN-6-A","country_code":"CN","t":"\\u0000 \\ud83d\\ude00"}'
BAD_P = [
    '{"publication_number":"CN-10-A"',                          # malformed
    '[{"publication_number":"CN-11-A","country_code":"CN"}]',  # bare array
    '{"country_code":"CN"}',                                    # missing key
    '{"publication_number":12,"country_code":"CN"}',            # number for string
    '{"publication_number":"CN-13-A","country_code":null}',     # null required
    '{"publication_number":"CN-14-A","country_code":"CN","t":"\\ud800"}',  # lone surrogate
    '{"publication_number":"CN-15-A","country_code":"CN","n":NaN}',
    '{"publication_number":"CN-16-A","country_code":"CN"} x',   # trailing garbage
]

def work(i, **kw):
    d = {'id': 'https://openalex.org/W%d' % i, 'publication_year': 2021, 'cited_by_count': i}
    d.update(kw)
    return json.dumps(d)

def gz(lines, multi=False):
    data = ''.join(l + '\n' for l in lines).encode()
    if not multi: return gzip.compress(data)
    h = len(lines) // 2
    return gzip.compress(''.join(l + '\n' for l in lines[:h]).encode()) + gzip.compress(''.join(l + '\n' for l in lines[h:]).encode())

def tar_bytes(members, compress):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w:gz' if compress else 'w') as t:
        for name, data in members:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    return b.getvalue()

def run(args, np=1):
    return subprocess.run(['mpirun', '--oversubscribe', '-np', str(np), BIN] + args, env=ENV,
                          capture_output=True, text=True)

def md5(p): return hashlib.md5(open(p, 'rb').read()).hexdigest()

def main():
    d = tempfile.mkdtemp()
    P, Wd = os.path.join(d, 'p'), os.path.join(d, 'w')
    os.makedirs(P); os.makedirs(os.path.join(Wd, 'updated_date=2024-01-01')); os.makedirs(os.path.join(Wd, 'updated_date=2024-02-01'))
    # patents: plain, multi-member gz, tar, tar.gz (with a .gz member, a manifest and a nested archive), zip
    open(os.path.join(P, 'a.jsonl'), 'w').write('\n'.join(GOOD_P[:3] + BAD_P[:3]) + '\n\n   \n')
    open(os.path.join(P, 'b.json.gz'), 'wb').write(gz(GOOD_P[3:5] + BAD_P[3:5], multi=True))
    open(os.path.join(P, 'c.tar'), 'wb').write(tar_bytes([('c1.json', (GOOD_P[5] + '\n').encode()), ('manifest', b'{}')], False))
    open(os.path.join(P, 'd.tar.gz'), 'wb').write(tar_bytes([('d1.jsonl.gz', gz([GOOD_P[6]] + BAD_P[5:6])), ('inner.zip', b'PK'), ('readme.txt', b'x')], True))
    z = zipfile.ZipFile(os.path.join(P, 'e.zip'), 'w', zipfile.ZIP_DEFLATED)
    z.writestr('e1.ndjson', '\n'.join(GOOD_P[7:9] + BAD_P[6:8]))   # last line without \n
    z.close()
    open(os.path.join(P, 'notes.txt'), 'w').write('not records')
    # duplicate patent: CN-1-A again in a later file (z.jsonl sorts last): it wins
    open(os.path.join(P, 'z.jsonl'), 'w').write(pat(1, publication_date='20240101') + '\n')
    # works: a duplicate across two updated_date partitions, lower-case countries, manifest
    open(os.path.join(Wd, 'manifest'), 'w').write('{"entries":[]}')
    w1 = [work(1, authorships=[{'institutions': [{'id': 'I1', 'country_code': 'US'}]}]),
          work(2, publication_year=None), work(3, doi='https://doi.org/10.1/ABC'), '{"id":"https://openalex.org/"}']
    w2 = [work(1, publication_year=2023, authorships=[{'institutions': [{'id': 'I1', 'country_code': ' cn'}], 'countries': ['gb', 'GBR']}]), work(4)]
    open(os.path.join(Wd, 'updated_date=2024-01-01', 'part_000.gz'), 'wb').write(gz(w1))
    open(os.path.join(Wd, 'updated_date=2024-02-01', 'part_000.gz'), 'wb').write(gz(w2))

    exp_p_records = len(GOOD_P) + 1               # + the duplicate copy
    exp_p = dict(rows=len(GOOD_P), rejects=len(BAD_P), dups=1)
    exp_w = dict(rows=4, rejects=1, dups=1)
    rejects = {}
    for np in (1, 3):
        store = os.path.join(d, 's%d.h5' % np)
        r = run(['ingest', '--patents', P, '--works', Wd, '--store', store, '--reject-rate', '1'], np)
        assert r.returncode == 0, r.stderr
        with h5py.File(store, 'r') as f:
            for g, e in (('patents', exp_p), ('works', exp_w)):
                got = dict(rows=int(f[g].attrs['rows']), rejects=int(f[g].attrs['rejects']), dups=int(f[g].attrs['duplicates_dropped']))
                assert got == e, (np, g, got, e)
            assert int(f['patents'].attrs['rows']) + 1 == exp_p_records
            off = f['patents/publication_number/offsets'][:]; by = f['patents/publication_number/bytes'][:].tobytes()
            keys = [by[off[i]:off[i + 1]].decode() for i in range(len(off) - 1)]
            assert 'CN-9-A' in keys, keys                      # trimmed and upper-cased
            assert keys.count('CN-1-A') == 1
            dates = f['patents/publication_date'][:]
            assert dates[keys.index('CN-1-A')] == 20240101      # the later file won
            assert dates[keys.index('CN-8-A')] == 0             # unknown year, not a reject
            woff = f['works/id/offsets'][:]; wby = f['works/id/bytes'][:].tobytes()
            wkeys = [wby[woff[i]:woff[i + 1]].decode() for i in range(len(woff) - 1)]
            assert wkeys == ['W2', 'W3', 'W1', 'W4'], wkeys     # W1 moved to its winning (later) place
            assert f['works/publication_year'][2] == 2023
            ix = f['works/countries/index'][:]; co = f['works/countries/offsets'][:]; cb = f['works/countries/bytes'][:].tobytes()
            assert [cb[co[k]:co[k + 1]].decode() for k in range(ix[2], ix[3])] == ['CN', 'GB']
            doff = f['works/doi/offsets'][:]; db = f['works/doi/bytes'][:].tobytes()
            assert db[doff[1]:doff[2]] == b'10.1/abc'
        rej = open(store + '.rejects/patents.csv').read().splitlines()
        assert len(rej) == 1 + len(BAD_P), rej
        assert any('a.jsonl' in l and ',,4,' in l for l in rej), rej  # file and physical line
        # in input order, whatever rank read which file: the same bytes on 1 and 3 ranks
        for c in ('patents', 'works'):
            rejects.setdefault(c, set()).add(open(store + '.rejects/%s.csv' % c, 'rb').read())
    assert all(len(v) == 1 for v in rejects.values()), rejects
    # --deflate 6: every data set compressed with deflate at level 6 (the level recorded on the root),
    # the same values as the default uncompressed store; an out-of-range level is refused
    zs = os.path.join(d, 'z.h5')
    r = run(['ingest', '--patents', P, '--works', Wd, '--store', zs, '--reject-rate', '1', '--deflate', '6'], 2)
    assert r.returncode == 0, r.stderr
    with h5py.File(zs, 'r') as fz, h5py.File(os.path.join(d, 's1.h5'), 'r') as fu:
        assert int(fz.attrs['deflate_level']) == 6 and 'deflate_level' not in fu.attrs
        names = []
        fz.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        assert len(names) > 40, names
        for n in names:
            if fz[n].shape[0] == 0: continue
            assert fz[n].compression == 'gzip' and fz[n].compression_opts == 6, n
            assert fu[n].compression is None, n
            assert (fz[n][:] == fu[n][:]).all(), n
    r = run(['ingest', '--patents', P, '--works', Wd, '--store', zs, '--deflate', '10'])
    assert r.returncode != 0 and '--deflate' in r.stderr, r.stderr
    # reject threshold: the default 0.1 % fails and names the worst file
    r = run(['ingest', '--patents', P, '--works', Wd, '--store', os.path.join(d, 't.h5')])
    assert r.returncode != 0 and 'a.jsonl' in r.stderr and not os.path.exists(os.path.join(d, 't.h5')), r.stderr
    # broken containers fail naming the file; an existing store is untouched
    store = os.path.join(d, 's1.h5'); before = md5(store)
    for name, data in (('t.json.gz', gz(GOOD_P[:3])[:-20]), ('u.tar', tar_bytes([('m.json', b'{}\n' * 500)], False)[:700])):
        bad = os.path.join(d, 'bad_' + name.split('.')[0]); os.makedirs(bad)
        open(os.path.join(bad, name), 'wb').write(data)
        r = run(['ingest', '--patents', bad, '--works', Wd, '--store', store], 2)
        assert r.returncode != 0 and name in r.stderr, (name, r.stderr)
        assert md5(store) == before, name
        assert not os.path.exists(store + '.tmp')
    print('ingest fixtures: rows, rejects, duplicates, containers and failures as expected')

main()
