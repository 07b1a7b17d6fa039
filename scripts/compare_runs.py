#!/usr/bin/python3
"""Compares the outputs of two `citemill run` folders: the ten tables byte for
byte, every dataset of links.h5 and of the store (element for element), and
the rejects files. Attributes may differ (times, versions, checksums added);
datasets may not. Exit status 1 on any difference.

usage: compare_runs.py RUN_A RUN_B"""
import filecmp, os, sys
import h5py, numpy

A, B = sys.argv[1], sys.argv[2]
bad = []


def datasets(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


tables = sorted(os.listdir(os.path.join(A, 'analysis/tables')))
for t in tables:
    if not filecmp.cmp(os.path.join(A, 'analysis/tables', t), os.path.join(B, 'analysis/tables', t), shallow=False):
        bad.append('table ' + t)
for name in ('analysis/links.h5', 'store.h5'):
    da, db = datasets(os.path.join(A, name)), datasets(os.path.join(B, name))
    if set(da) != set(db):
        bad.append('%s: datasets %s' % (name, sorted(set(da) ^ set(db))))
    for k in sorted(set(da) & set(db)):
        if not numpy.array_equal(da[k], db[k]):
            bad.append('%s: %s' % (name, k))
for r in ('patents.csv', 'works.csv'):
    if not filecmp.cmp(os.path.join(A, 'store.h5.rejects', r), os.path.join(B, 'store.h5.rejects', r), shallow=False):
        bad.append('rejects ' + r)
if bad:
    sys.exit('DIFFER: ' + '; '.join(bad))
print('same: %d tables, links.h5, store.h5 datasets, rejects' % len(tables))
