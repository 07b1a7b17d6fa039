#!/usr/bin/python3
"""Splits every generated .gz file under DIR/patents and DIR/works into parts
of LINES lines (default 300), in the same order (the part names sort as the
lines ran): many files, so that the ranks claim runs of them, the nodes get
blocks of them, and the store must place the rows by file.

usage: split_inputs.py DIR [LINES]"""
import gzip, os, sys

top_dir = sys.argv[1]
lines_per_part = int(sys.argv[2]) if len(sys.argv) > 2 else 300
for top in ('patents', 'works'):
    for dirpath, _, files in os.walk(os.path.join(top_dir, top)):
        for f in sorted(files):
            if not f.endswith('.gz'):
                continue
            path = os.path.join(dirpath, f)
            lines = gzip.open(path).read().splitlines(keepends=True)
            os.remove(path)
            stem = f[:-len('.json.gz')] if f.endswith('.json.gz') else f[:-len('.gz')]
            ext = f[len(stem):]
            for k in range(0, len(lines), lines_per_part):
                with open(os.path.join(dirpath, '%s-%03d%s' % (stem, k // lines_per_part, ext)), 'wb') as o:
                    o.write(gzip.compress(b''.join(lines[k:k + lines_per_part]), mtime=0))
