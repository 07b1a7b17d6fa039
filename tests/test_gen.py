#!/usr/bin/python3
"""citemill gen at a requested scale: the record counts follow the reference
figures (../shared/reference-figures.md: office counts, 12 M works at scale 1),
every file passes ingest with zero rejects, and the truth files list exactly
the NPL citations written into the patents."""
import glob, gzip, io, json, os, subprocess, sys, tarfile, tempfile, zipfile
import h5py

BIN = sys.argv[1]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1')
SCALE = 0.0005
# Reference office counts (their Table 2); the generator puts 90 % of each
# office's records in the 2020-2024 window, so it writes count * scale / 0.9.
OFFICES = {'CN': 25114899, 'US': 3817954, 'GB': 191585, 'DE': 407353, 'JP': 2559211, 'AU': 283839}

def sh(*a):
    r = subprocess.run(['mpirun', '--oversubscribe', '-np', '2', BIN] + list(a), env=ENV, capture_output=True, text=True)
    if r.returncode:
        sys.exit('FAIL: %s\n%s%s' % (' '.join(a), r.stdout, r.stderr))

def lines(path):
    if path.endswith('.gz') and not path.endswith('.tar.gz'):
        return gzip.open(path).read().splitlines()
    if path.endswith('.tar.gz'):
        t = tarfile.open(path)
        return [l for m in t.getmembers() for l in t.extractfile(m).read().splitlines()]
    z = zipfile.ZipFile(path)
    return [l for n in z.namelist() for l in z.read(n).splitlines()]

with tempfile.TemporaryDirectory() as d:
    sh('gen', '--out', d + '/g', '--scale', str(SCALE), '--containers', 'mixed', '--quiet')
    sh('ingest', '--patents', d + '/g/patents', '--works', d + '/g/works', '--store', d + '/s.h5',
       '--reject-rate', '0', '--quiet')
    fails = []
    f = h5py.File(d + '/s.h5')
    if f['works/id/offsets'].shape[0] - 1 != round(12e6 * SCALE):
        fails.append('works: %d, expected %d' % (f['works/id/offsets'].shape[0] - 1, round(12e6 * SCALE)))
    dic = f['patents/office/dict']
    names = [bytes(dic['bytes'][dic['offsets'][i]:dic['offsets'][i + 1]]).decode() for i in range(len(dic['offsets']) - 1)]
    codes = f['patents/office/codes'][:]
    for o, n in OFFICES.items():
        got = int((codes == names.index(o)).sum())
        if got != round(n * SCALE / 0.9):
            fails.append('office %s: %d patents, expected %d' % (o, got, round(n * SCALE / 0.9)))
    for kind in ('patents', 'works'):
        rej = open(d + '/s.h5.rejects/%s.csv' % kind).read().splitlines()
        if len(rej) != 1:
            fails.append('%s: %d rejects' % (kind, len(rej) - 1))
    npl = 0
    for p in glob.glob(d + '/g/patents/*'):
        for l in lines(p):
            npl += sum(1 for c in json.loads(l)['citation'] if c['npl_text'])
    truth = sum(len(open(t).read().splitlines()) for t in glob.glob(d + '/g/truth/npl-*.csv'))
    if truth != npl or npl == 0:
        fails.append('truth rows %d, NPL citations %d' % (truth, npl))
    if fails:
        sys.exit('FAIL\n' + '\n'.join(fails))
    print('gen: counts follow scale %g, zero rejects, %d NPL citations all in the truth files' % (SCALE, npl))
