#!/usr/bin/python3
"""Markdown tables of a citemill run next to the reference figures
(../shared/reference-figures.md, the UKRI / Nature Research Intelligence 2025
report, window 2020-2024). Counts of the reference are multiplied by SCALE.

usage: compare_reference.py TABLES_DIR SCALE"""
import csv, sys

T, S = sys.argv[1], float(sys.argv[2])
rows = lambda n: list(csv.DictReader(open('%s/%s.csv' % (T, n))))
pct = lambda x: '%.1f %%' % (100 * float(x)) if x else ''

OFF = {'CN': (25114899, 17.6), 'US': (3817954, 34.2), 'GB': (191585, 4.0), 'DE': (407353, 14.3),
       'JP': (2559211, 8.2), 'AU': (283839, 2.4)}
print('Offices (reference counts x %g)\n' % S)
print('| office | patents | reference | cited share | reference |\n|---|---:|---:|---:|---:|')
for r in rows('office_patents'):
    n, c = OFF[r['office']]
    print('| %s | %s | %d | %s | %.1f %% |' % (r['office'], r['patents'], round(n * S), pct(r['cited_share']), c))

TOP = ['State Grid Corporation of China', 'Huawei Technologies', 'Gree', 'China Southern Power Grid', 'Sinopec',
       'Zhejiang University', 'Tsinghua University', 'BOE Technology Group', 'BBK Electronics', 'Haier Group',
       'Harbin Institute of Technology', 'Metallurgical Corporation of China',
       'Huazhong University of Science and Technology', 'Midea Group', "Xi'an Jiaotong University",
       "Peking University People's Hospital", 'South China University of Technology',
       'University of Electronic Science and Technology of China', 'TCL']
print('\nTop assignees, office CN (reference rank from their Table 3; 19 rows there)\n')
print('| rank | assignee | type | patents | citing | reference rank |\n|---:|---|---|---:|---:|---:|')
for r in rows('top_assignees'):
    ref = TOP.index(r['assignee']) + 1 if r['assignee'] in TOP else '-'
    print('| %s | %s | %s | %s | %s | %s |' % (r['rank'], r['assignee'], r['type'], r['patents'], r['citing_patents'], ref))

PUB = {'CN': (4532375, 9.7, 9.8, 1.1), 'US': (4190441, 8.9, 9.6, 1.3), 'GB': (1306836, 11.0, 12.4, 1.7),
       'DE': (1180713, 9.0, 9.8, 1.3), 'JP': (1020111, 5.3, 4.5, 0.6), 'AU': (632490, 12.3, 13.5, 2.0)}
print('\nPublications by country (reference counts x %g)\n' % S)
print('| country | works | reference | cit./pub. | reference | top 10 % | reference | top 1 % | reference |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for r in rows('country_publications'):
    n, c, t10, t1 = PUB[r['country']]
    print('| %s | %s | %d | %.2f | %.1f | %s | %.1f %% | %s | %.1f %% |' % (
        r['country'], r['publications'], round(n * S), float(r['citations_per_publication']), c,
        pct(r['top10_share']), t10, pct(r['top1_share']), t1))
g = {r['country']: r['publications'] for r in rows('publication_growth') if r['year'] == 'cagr'}
print('\nCN output CAGR 2020-2024: %s (reference: 10.9 %% for 2020-2023)' % pct(g['CN']))

PART = {'US': 33.7, 'GB': 13.8, 'AU': 10.6, 'DE': 7.4, 'CA': 7.3}
print('\nChina\'s partners (share of its internationally co-authored works)\n')
print('| rank | partner | works | share | reference |\n|---:|---|---:|---:|---:|')
for r in rows('collaboration_partners')[:8]:
    ref = '%.1f %%' % PART[r['partner']] if r['partner'] in PART else ''
    print('| %s | %s | %s | %s | %s |' % (r['rank'], r['partner'], r['coauthored'], pct(r['share']), ref))

print('\nForeign institutions co-authoring with China, top 20 (reference: UCL 4th, Oxford 7th, Imperial 8th, '
      'Cambridge 14th; six Australian and four British in the top 20)\n')
print('| rank | institution | country | works | cit./pub. |\n|---:|---|---|---:|---:|')
for r in rows('collaborating_institutions')[:20]:
    print('| %s | %s | %s | %s | %s |' % (r['rank'], r['name'], r['country'], r['coauthored'], r['citations_per_publication']))

print('\nForeign assignees in CN, top 10 (reference: mostly Japanese and Korean firms)\n')
print('| rank | assignee | country | patents |\n|---:|---|---|---:|')
for r in rows('foreign_assignees')[:10]:
    print('| %s | %s | %s | %s |' % (r['rank'], r['assignee'], r['country'], r['patents']))

q = {}
for r in rows('assignee_growth'):
    q[r['quadrant']] = q.get(r['quadrant'], 0) + 1
stars = [r['assignee'] for r in rows('assignee_growth') if r['quadrant'] == 'Star']
print('\nShare / growth matrix: %s; stars: %s' % (', '.join('%s %d' % kv for kv in sorted(q.items())), ', '.join(stars)))

print('\nTopic growth, CN and GB (top 10)\n')
print('| rank | topic | name | works | CAGR | CN idx | GB idx | mutual | CN-assignee patents |')
print('|---:|---|---|---:|---:|---:|---:|---:|---:|')
for r in rows('topic_growth')[:10]:
    print('| %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (r['rank'], r['topic'], r['name'], r['works'], pct(r['cagr']),
          r['focus_index'], r['partner_index'], r['mutual'], r['focus_patents']))
