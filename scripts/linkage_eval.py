#!/usr/bin/python3
"""Precision and recall of citemill's link methods against the generator's
ground truth.

usage: linkage_eval.py GEN_DIR LINKS_H5 [--check]

GEN_DIR/truth/npl-*.csv has one row per NPL citation the generator wrote:
patent, entry, work id (empty when no work is correct: a work absent from
the corpus, or a near miss of a title), form (doi..., title, title-trunc,
absent, near-miss). Pairs are (patent, work). Precision of a method: its
links that are true pairs. Recall: true pairs of its forms that it found
(DOI forms for doi, DOI-less forms for title). A work the corpus holds as
two records of one paper (form title-dup) is named in the truth by the
record a title link should choose (gen writes it by the rule of
docs/linkage.md, computed on its own side). Also: how many near-miss and
absent strings were linked at all.

--check: exits non-zero unless title precision >= 0.99, title recall >= 0.90
and near-miss and absent strings are linked at most once per 1,000."""
import csv, glob, sys
import h5py

def strcol(g):
    o, b = g['offsets'][:], g['bytes'][:].tobytes()
    return [b[o[i]:o[i + 1]].decode() for i in range(len(o) - 1)]

gen, links = sys.argv[1], sys.argv[2]
truth, forms, by_form, must_not = set(), {}, {}, {}
for f in glob.glob(gen + '/truth/npl-*.csv'):
    for pn, _, w, form in csv.reader(open(f)):
        forms[form] = forms.get(form, 0) + 1
        if w:
            truth.add((pn, w, 'doi' if form.startswith('doi') else 'title'))
            by_form.setdefault(form, set()).add((pn, w))
        else:
            must_not.setdefault(form, []).append(pn)
g = h5py.File(links)['links']
pred = list(zip(strcol(g['patent']), strcol(g['work']), strcol(g['method'])))
true_pairs = {(p, w) for p, w, _ in truth}
print('NPL citations by form:', ', '.join('%s %d' % kv for kv in sorted(forms.items())))
print('| method | links | correct | precision | true pairs of its forms | found | recall |')
print('|---|---|---|---|---|---|---|')
figures = {}
for m in ('doi', 'title'):
    mine = {(p, w) for p, w, mm in pred if mm == m}
    ok = mine & true_pairs
    want = {(p, w) for p, w, mm in truth if mm == m}
    found = want & {(p, w) for p, w, _ in pred}
    figures[m] = (len(ok) / len(mine) if mine else 1.0, len(found) / len(want) if want else 1.0)
    print('| %s | %d | %d | %s | %d | %d | %s |' % (
        m, len(mine), len(ok), '%.4f' % (len(ok) / len(mine)) if mine else '-', len(want), len(found),
        '%.4f' % (len(found) / len(want)) if want else '-'))
found_any = {(p, w) for p, w, _ in pred}
print()
print('| form | true pairs | found | recall |')
print('|---|---|---|---|')
for form, want in sorted(by_form.items()):
    print('| %s | %d | %d | %.4f |' % (form, len(want), len(want & found_any), len(want & found_any) / len(want)))

# a patent can carry a must-not string and a correct one: a must-not string
# counts as linked when its patent has a link that no true pair explains
linked_pn = {}
for p, w, _ in pred:
    if (p, w) not in true_pairs: linked_pn[p] = linked_pn.get(p, 0) + 1
print()
print('| must not link | strings | patents with an unexplained link | per 1,000 |')
print('|---|---|---|---|')
bad = []
for form, pns in sorted(must_not.items()):
    n = sum(1 for p in set(pns) if p in linked_pn)
    print('| %s | %d | %d | %.2f |' % (form, len(pns), n, 1000.0 * n / len(pns)))
    if n * 1000 > len(pns): bad.append('%s linked %d of %d' % (form, n, len(pns)))
if '--check' in sys.argv:
    p, r = figures['title']
    if p < 0.99: bad.append('title precision %.4f' % p)
    if r < 0.90: bad.append('title recall %.4f' % r)
    if bad: sys.exit('linkage_eval: FAIL: ' + '; '.join(bad))
    print('linkage_eval: targets met')
