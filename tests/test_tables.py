#!/usr/bin/python3
"""Tables on hand-made corpora. Every expected row below is worked out by hand
from SPEC (the reasoning is in the comments), not taken from citemill's
output. Each corpus runs through ingest and analyze on 1 and on 3 ranks; the
CSV bytes must equal the expectation on both.

Corpora:
  A  patents: aliases (exact beats prefix, longest prefix, two subsidiaries
     of one canonical name), type inference, citation corner cases, ties
  B  patents: BCG quadrant boundaries (exactly at the count and CAGR
     thresholds), a zero first-year count, a zero last-year count
  C  works: highly cited cohorts with ties, a cohort of one, no field, no
     year, country sources, lower-case codes, China with two partners, an
     institution with two names and listed twice on one work
  D  links, paper_citations, topic_growth: DOI forms, two DOIs, a DOI shared
     by two works, a DOI not in the corpus, title matches and near misses, a
     title shared by two works of different years; topic order ties, the
     minimum-works filter, empty indexes
  E  title links on real-shaped references (docs/linkage.md): a short title
     with and without its year and first author, a short title inside a
     longer one, typographic quotes with markup and diacritics in the
     work's title, a subtitle, records of one paper (DOI, citations, id
     decide), a title shared by two papers (the surname decides, or no
     link), no year (the surname is required), a cut title
"""
import gzip, json, os, subprocess, sys, tempfile

import h5py

BIN = sys.argv[1]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1')
FAILS = []


def pat(pn, year, names=(), cited=(), npl=(), office=None, plain=None):
    d = {'publication_number': pn, 'country_code': office or pn.split('-')[0],
         'publication_date': '%d0101' % year}
    if names:
        d['assignee_harmonized'] = [{'name': n, 'country_code': c} for n, c in names]
    if plain:
        d['assignee'] = plain
    d['citation'] = [{'publication_number': c, 'npl_text': '', 'type': '', 'category': ''} for c in cited] + \
                    [{'publication_number': '', 'npl_text': t, 'type': '', 'category': ''} for t in npl]
    return d


def work(key, year, cites=0, insts=(), countries=(), field=None, topic=None, tname=None, doi=None, title=None,
         author=None):
    d = {'id': 'https://openalex.org/' + key, 'cited_by_count': cites, 'title': title or 'Work ' + key}
    if year is not None:
        d['publication_year'] = year
    if doi:
        d['doi'] = doi
    auth = [{'institutions': [{'id': 'https://openalex.org/' + i, 'display_name': n, 'country_code': c}
                              for i, n, c in insts], 'countries': []}]
    auth.append({'institutions': [], 'countries': list(countries)})
    if author:
        auth[0]['author'] = {'display_name': author}
    d['authorships'] = auth
    if field or topic:
        pt = {}
        if field:
            pt['field'] = {'id': 'https://openalex.org/fields/' + field}
        if topic:
            pt['id'] = topic
            pt['display_name'] = tname if tname is not None else ''
        d['primary_topic'] = pt
    return d


def write_gz(path, recs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, 'wt') as f:
        for r in recs:
            f.write(json.dumps(r) + '\n')


def run(np, *args):
    cmd = ['mpirun', '--oversubscribe', '-np', str(np), BIN] + list(args) + ['--quiet']
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('FAIL: %s\n%s%s' % (' '.join(cmd), r.stdout, r.stderr))


def check(name, corpus, patents, works, aliases, expected, opts=(), links=None, confidence=None):
    """Runs corpus on 1 and 3 ranks; expected maps table name -> CSV text."""
    with tempfile.TemporaryDirectory() as d:
        write_gz(d + '/p/a.json.gz', patents)
        write_gz(d + '/w/a.json.gz', works)
        al = []
        if aliases is not None:
            with open(d + '/aliases.csv', 'w') as f:
                f.write(aliases)
            al = ['--aliases', d + '/aliases.csv']
        for np in (1, 3):
            run(np, 'ingest', '--patents', d + '/p', '--works', d + '/w', '--store', d + '/s%d.h5' % np)
            out = d + '/out%d' % np
            run(np, 'analyze', '--store', d + '/s%d.h5' % np, '--out', out, *al, *opts)
            for table, text in expected.items():
                got = open('%s/tables/%s.csv' % (out, table)).read()
                if got != text:
                    FAILS.append('%s/%s on %d ranks:\n--- expected\n%s--- got\n%s' % (corpus, table, np, text, got))
            if links is not None:
                g = h5py.File(out + '/links.h5')['links']
                col = lambda c: [bytes(g[c]['bytes'][g[c]['offsets'][i]:g[c]['offsets'][i + 1]]).decode()
                                 for i in range(len(g[c]['offsets']) - 1)]
                got = sorted(zip(col('patent'), col('work'), col('method')))
                if got != sorted(links):
                    FAILS.append('%s/links on %d ranks: expected %s, got %s' % (corpus, np, sorted(links), got))
                conf = dict(zip(col('patent'), g['confidence'][:]))
                for pn, want in (confidence or {}).items():
                    if abs(conf.get(pn, -1) - want) > 1e-9:
                        FAILS.append('%s/confidence of %s on %d ranks: expected %s, got %s' %
                                     (corpus, pn, np, want, conf.get(pn)))
    print('%s: %s' % (corpus, name))


# ---- A: patents -------------------------------------------------------------
ALIASES_A = '''match,kind,canonical,type
ACME CORP,exact,Acme Group,Company
ACME,prefix,Acme Prefix,Other
BETA,prefix,Beta Short,Company
BETA TECH,prefix,Beta Long,Company
SUB ONE,exact,Gamma Holding,Company
SUB TWO,exact,Gamma Holding,Company
'''
PAT_A = [
    # "Acme Corp": exact ACME CORP beats prefix ACME. Cites CN-2-A lower-case and
    # padded, and again normally (once), itself (ignored), one outside the corpus.
    pat('CN-1-A', 2020, [('Acme Corp', 'CN')], cited=[' cn-2-a ', 'CN-2-A', 'CN-1-A', 'XX-999-A']),
    pat('CN-2-A', 2021, [('Beta Tech Ltd', 'CN')]),           # longest prefix: Beta Long
    pat('CN-3-A', 2024, [('Beta Labs', 'CN')], cited=['CN-2-A']),  # prefix BETA: Beta Short
    pat('US-4-B', 2015, [('Zeta Univ', 'US')], cited=['CN-1-A', 'CN-2-A']),  # outside the window, still cites
    pat('CN-5-A', 2022, [('Sub One', 'jp'), ('Sub Two', 'JP')]),  # one publication, Gamma Holding once; JP
    pat('CN-6-A', 2020, [('Delta Hospital', 'CN')]),          # inferred Healthcare
    pat('CN-7-A', 2020, [('Omega Things', 'CN')]),            # inferred Other
    pat('CN-8-A', 2021, [('Kappa University', 'CN')]),        # inferred Education
]
# CN window publications: 1, 2, 3, 5, 6, 7, 8 = 7. Cited among them: CN-1-A
# (by US-4-B; its self-citation does not count) and CN-2-A (by CN-1-A, CN-3-A,
# US-4-B) = 2, share 2/7. US-4-B is outside the window: US has 0 publications.
OFFICE_A = '''office,patents,cited_patents,cited_share
CN,7,2,0.285714
US,0,0,
GB,0,0,
DE,0,0,
JP,0,0,
AU,0,0,
'''
# Every canonical assignee has 1 publication: ties broken by name, byte-wise
# (upper-case unmatched names sort among them by their first byte).
TOP_A = '''rank,assignee,type,patents,citing_patents
1,Acme Group,Company,1,1
2,Beta Long,Company,1,3
3,Beta Short,Company,1,0
4,DELTA HOSPITAL,Healthcare,1,0
5,Gamma Holding,Company,1,0
6,KAPPA UNIVERSITY,Education,1,0
7,OMEGA THINGS,Other,1,0
'''
FOREIGN_A = '''rank,assignee,type,patents,citing_patents,country
1,Gamma Holding,Company,1,0,JP
'''

# ---- B: BCG quadrants, window 2020-2021, thresholds 5 patents and CAGR 0.5 ---
def many(name, n2020, n2021, start):
    out = []
    for i in range(n2020 + n2021):
        out.append(pat('CN-%d-A' % (start + i), 2020 if i < n2020 else 2021, [(name, 'CN')]))
    return out


PAT_B = many('Star Co', 2, 3, 100) + many('Dog Co', 2, 2, 200) + many('Cash Co', 3, 3, 300) + \
    many('Quest Co', 1, 2, 400) + many('Zero Co', 0, 2, 500) + many('Fall Co', 1, 0, 600)
# 21 publications. CAGR over one year = n2021/n2020 - 1. Star Co: 5 patents
# (= threshold) and 3/2 - 1 = 0.5 (= threshold, exact in binary): Star. Cash Co
# 6, 0.0: Cash cow. Dog Co 4, 0.0: Dog. Quest Co 3, 1.0: Question mark. Zero Co:
# first year 0, CAGR empty: n/a. Fall Co: last year 0, -1: Dog.
GROWTH_B = '''assignee,type,n2020,n2021,patents,share,cagr,quadrant
CASH CO,Company,3,3,6,0.285714,0.000000,Cash cow
STAR CO,Company,2,3,5,0.238095,0.500000,Star
DOG CO,Company,2,2,4,0.190476,0.000000,Dog
QUEST CO,Company,1,2,3,0.142857,1.000000,Question mark
ZERO CO,Company,0,2,2,0.095238,,n/a
FALL CO,Company,1,0,1,0.047619,-1.000000,Dog
'''

# Default thresholds (1000 patents, CAGR 0.10), window 2020-2021: Count Co has
# exactly 1000 patents and CAGR 0 (Cash cow); Near Co 999 and 499/500 - 1 < 0
# (Dog); Rate Co 210 patents (shares of 2209) and 110/100 - 1 = 0.10 (in doubles 0.1000000000000001,
# which is >= the double 0.10): Question mark.
PAT_B2 = many('Count Co', 500, 500, 10000) + many('Near Co', 500, 499, 20000) + many('Rate Co', 100, 110, 30000)
GROWTH_B2 = '''assignee,type,n2020,n2021,patents,share,cagr,quadrant
COUNT CO,Company,500,500,1000,0.452694,0.000000,Cash cow
NEAR CO,Company,500,499,999,0.452241,-0.002000,Dog
RATE CO,Company,100,110,210,0.095066,0.100000,Question mark
'''

# ---- C: publications ----------------------------------------------------------
I1 = ('I1', 'Peking U', 'cn')           # lower-case code
I2a = ('I2', 'Oxford Univ', 'GB')       # two display names for I2
I2b = ('I2', 'University of Oxford', 'GB')
I3 = ('I3', 'US Inst', 'US')
I4 = ('I4', 'Berlin TU', 'DE')
I5 = ('I5', 'Cambridge', 'GB')
WORK_C = [
    # cohort (2021, field 33): ten works, counts 0 1 2 3 4 5 6 7 9 9.
    work('C1', 2021, 0, insts=[I1], field='33'),                       # CN from institutions only
    work('C2', 2021, 1, countries=['us'], field='33'),                 # US from countries[] only, lower-case
    work('C3', 2021, 2, insts=[I5], countries=['GB'], field='33'),     # GB from both
    work('C4', 2021, 3, insts=[I1, I2a, I2a, I3], field='33'),         # China and two partners; I2 twice
    work('C5', 2021, 4, insts=[I1, I4], field='33'),
    work('C6', 2021, 5, countries=['JP'], field='33'),
    work('C7', 2021, 6, countries=['AU'], field='33'),
    work('C8', 2021, 7, countries=['CN'], field='33'),
    work('C9', 2021, 9, insts=[I1, I2b], field='33'),
    work('C10', 2021, 9, countries=['US'], field='33'),
    work('C11', 2022, 5, countries=['CN'], field='12'),                # cohort of one
    work('C12', 2023, 3, countries=['US']),                            # no field: cohort (2023, none), alone
    work('C13', None, 100, countries=['CN'], field='33'),              # no year: counted nowhere
    work('C14', 2020, 0, countries=['DE'], field='33'),                # cohorts of one in 2020 and 2024
    work('C15', 2024, 0, countries=['DE'], field='33'),
]
# Cohort (2021, 33), N = 10. Top 10 %: t is the smallest count with
# #{c <= t}/N >= 0.9: #{<= 7} = 8, #{<= 9} = 10, so t = 9; w = (10/10 - 0.9) /
# (2/10) = 0.5 for each of the two 9s (C9, C10). Top 1 %: t = 9 again,
# w = (1 - 0.99) / 0.2 = 0.05. A cohort of one: t = its count, w = 0.1 (top 10)
# and 0.01 (top 1): C11, C12, C14, C15.
# CN: C1 C4 C5 C8 C9 C11 = 6 works, 0+3+4+7+9+5 = 28 citations; top10 (0.5 +
#     0.1)/6 = 0.1, top1 (0.05 + 0.01)/6 = 0.01.
# US: C2 C4 C10 C12 = 4, 1+3+9+3 = 16; top10 (0.5 + 0.1)/4, top1 0.06/4.
# GB: C3 C4 C9 = 3, 2+3+9 = 14; top10 0.5/3, top1 0.05/3.
# DE: C5 C14 C15 = 3, 4; top10 (0.1 + 0.1)/3, top1 0.02/3.
COUNTRY_C = '''country,publications,citations,citations_per_publication,top10_share,top1_share
CN,6,28,4.666667,0.100000,0.010000
US,4,16,4.000000,0.150000,0.015000
GB,3,14,4.666667,0.166667,0.016667
DE,3,4,1.333333,0.066667,0.006667
JP,1,5,5.000000,0.000000,0.000000
AU,1,6,6.000000,0.000000,0.000000
'''
# Years: CN 2021: C1 C4 C5 C8 C9, 2022: C11. DE 2020, 2021, 2024 one each:
# CAGR (1/1)^(1/4) - 1 = 0. Others have no 2020 works: CAGR empty.
GROWTH_C = ''.join('%s,%d,%d\n' % (c, y, n) for c, ys in [
    ('CN', {2021: 5, 2022: 1}), ('US', {2021: 3, 2023: 1}), ('GB', {2021: 3}),
    ('DE', {2020: 1, 2021: 1, 2024: 1}), ('JP', {2021: 1}), ('AU', {2021: 1})]
    for y, n in [(y, ys.get(y, 0)) for y in range(2020, 2025)])
GROWTH_C = 'country,year,publications\n' + GROWTH_C + \
    'CN,cagr,\nUS,cagr,\nGB,cagr,\nDE,cagr,0.000000\nJP,cagr,\nAU,cagr,\n'
# CN works with another country: C4 (GB, US), C5 (DE), C9 (GB) = 3.
PARTNERS_C = '''rank,partner,coauthored,share
1,GB,2,0.666667
2,DE,1,0.333333
3,US,1,0.333333
'''
# Non-CN institutions on CN works: I2 on C4 (twice, once) and C9: 2 works,
# 3 + 9 citations, name the smaller of its two; I3 (C4), I4 (C5): one each,
# tie broken by id.
INST_C = '''rank,institution,name,country,coauthored,citations,citations_per_publication
1,I2,Oxford Univ,GB,2,12,6.000000
2,I3,US Inst,US,1,3,3.000000
3,I4,Berlin TU,DE,1,4,4.000000
'''

# ---- D: links and topics -------------------------------------------------------
SHARED = 'Shared title of two different works here'
WORK_D = [
    work('W101', 2021, countries=['CN'], doi='https://doi.org/10.1234/ABC.1', field='17',
         topic='https://openalex.org/T1', tname='Zinc batteries',
         title='Zinc-ion batteries with stable anodes for grid storage'),
    work('W102', 2022, countries=['GB'], doi='10.5555/xyz', field='18', topic='https://openalex.org/T2',
         tname='Radiative cooling', title='Radiative cooling films for buildings in hot climates'),
    work('W103', 2020, countries=['CN', 'GB'], field='17', topic='T1', tname='Batteries, zinc',
         title='Deep learning methods for protein structure prediction'),
    work('W104', 2019, countries=['US'], title=SHARED, field='19', topic='T3', tname='Shared'),
    work('W105', 2023, countries=['US'], title=SHARED, field='19', topic='T3', tname='Shared'),
    work('W106', 2021, countries=['JP'], doi='https://doi.org/10.7777/dup', field='18', topic='T2', tname=''),
    work('W107', 2021, countries=['AU'], doi='10.7777/DUP'),
    work('W108', 2020, countries=['US'], field='19', topic='T3', tname='Shared'),
    work('W109', 2024, countries=['DE'], field='20', topic='T4', tname='Four'),
    work('W110', 2022, countries=['DE'], field='20', topic='T4', tname='Four'),
    work('W111', 2021, countries=['CN'], field='21', topic='T5', tname='Five'),
]
PAT_D = [
    pat('CN-11-A', 2021, [('Han Co', 'CN')],
        npl=['Smith et al., doi:10.1234/abc.1.', 'see https://doi.org/10.5555/XYZ).']),
    pat('CN-12-A', 2021, [('Brit Ltd', 'GB')],
        npl=['X. Li, "ZINC-ION BATTERIES WITH STABLE ANODES FOR GRID STORAGE", J. Power Sources, 2021',
             'DOI:10.1234/ABC.1;']),                           # same pair again, by DOI
    pat('US-13-B', 2021, [('Yank Inc', 'US')], npl=['two dois: 10.7777/dup and 10.9999/notincorpus']),
    pat('CN-14-A', 2021, [('Han Co', 'CN')],
        npl=['Deep learning method for protein structure prediction, Nature, 2020']),  # near miss
    pat('CN-15-A', 2021, [('Kor Co', 'KR')], npl=['Brown A, ' + SHARED + '. J. Test, 2023']),  # W105 by year
    pat('CN-16-A', 2021, [('Han Co', 'CN')], npl=[SHARED + ', J. Test']),  # no year: ambiguous, no link
    pat('CN-17-A', 2015, [('Brit Two Ltd', 'gb ')], npl=['(10.5555/xyz), radiative']),
    pat('CN-18-A', 2021, [('Han Co', 'CN')], npl=[SHARED.upper() + ' (2019)']),  # W104, outside the window
]
LINKS_DOI = [('CN-11-A', 'W101', 'doi'), ('CN-11-A', 'W102', 'doi'), ('CN-12-A', 'W101', 'doi'),
             ('US-13-B', 'W106', 'doi'), ('US-13-B', 'W107', 'doi'), ('CN-17-A', 'W102', 'doi')]
LINKS_BOTH = LINKS_DOI + [('CN-15-A', 'W105', 'title'), ('CN-18-A', 'W104', 'title')]
# Window works per country: CN W101 W103 W111; US W105 W108; GB W102 W103;
# DE W109 W110; JP W106; AU W107.
PAPERS_BOTH = '''country,works,works_cited_by_patents,citing_patents,links
CN,3,1,2,2
US,2,1,1,1
GB,2,1,2,2
DE,2,0,0,0
JP,1,1,1,1
AU,1,1,1,1
'''
PAPERS_DOI = PAPERS_BOTH.replace('US,2,1,1,1', 'US,2,0,0,0')
# Window works with a topic: W101 W102 W103 W105 W106 W108 W109 W110 W111, N = 9;
# CN's: W101 W103 W111 (3); GB's: W102 W103 (2). --min-topic-works 2 drops T5.
# T1: n 2 (2021, 2020), CN 2, GB 1: focus (2/3)/(2/9) = 3, partner (1/2)/(2/9)
#     = 2.25, mutual 2.25; CAGR n2020 1, n2024 0: -1. Linked CN-office patents:
#     W101 <- CN-11-A (CN assignee), CN-12-A (GB assignee).
# T2: W102 W106: CN 0, GB 1: 0, 2.25, mutual 0; no 2020 work: CAGR empty.
#     W102 <- CN-11-A (CN), CN-17-A (assignee 'gb ', trimmed and upper-cased).
#     W106 <- US-13-B: not office CN. Name: the non-empty one.
# T3: W105 W108: 0, 0, 0; CAGR -1 (n2020 1, n2024 0). W105 <- CN-15-A (KR).
# T4: W109 W110: 0, 0, 0; CAGR empty.
# Order: T1 (2.25); T3, T2, T4 tie at 0: T3's defined CAGR first, then T2 and
# T4 (both empty) by key.
TOPICS_D = '''rank,topic,name,field,works,cagr,focus_works,partner_works,focus_index,partner_index,mutual,focus_patents,partner_patents
1,T1,"Batteries, zinc",17,2,-1.000000,2,1,3.000000,2.250000,2.250000,1,1
2,T3,Shared,19,2,-1.000000,0,0,0.000000,0.000000,0.000000,0,0
3,T2,Radiative cooling,18,2,,0,1,0.000000,2.250000,0.000000,1,1
4,T4,Four,20,2,,0,0,0.000000,0.000000,0.000000,0,0
'''
# --partner FR: FR has no works, so partner_index and mutual are empty; the
# order falls to CAGR (T1, T3 defined and equal), then key.
TOPICS_FR = '''rank,topic,name,field,works,cagr,focus_works,partner_works,focus_index,partner_index,mutual,focus_patents,partner_patents
1,T1,"Batteries, zinc",17,2,-1.000000,2,0,3.000000,,,1,0
2,T3,Shared,19,2,-1.000000,0,0,0.000000,,,0,0
3,T2,Radiative cooling,18,2,,0,0,0.000000,,,1,0
4,T4,Four,20,2,,0,0,0.000000,,,0,0
'''

# ---- E: title links on real-shaped references -----------------------------------
GNN = 'A survey of graph neural network methods'
FISH = 'Tracking the fine scale movements of fish using autonomous maritime robotics: a review'
WORK_E = [
    work('W201', 2009, title='Malaria', author='William K. Reisen'),
    work('W202', 2015, title='Deep learning', author='Yann LeCun'),
    work('W203', 2020, title='Growth of LiFePO<sub>4</sub> films on <i>\u00c5ngstr\u00f6m</i>-scale substrates',
         author='Marc\u2010Andr\u00e9 Simard'),
    work('W204', 2004, title='African American English', author='Lisa Green'),
    work('W205', 2014, cites=85713, title='Adam: a method for stochastic optimization', author='Diederik P. Kingma'),
    work('W206', 2014, cites=52432, doi='10.48550/arxiv.1412.6980', title='Adam: A Method for Stochastic Optimization',
         author='Kingma, Diederik'),
    work('W207', 2005, cites=100, doi='10.1/a', title='Gaussian processes for machine learning', author='C. Rasmussen'),
    work('W208', 2005, cites=200, doi='10.1/b', title='Gaussian Processes for Machine Learning', author='Carl Rasmussen'),
    work('W209', 1965, cites=7, title='Fuzzy sets and systems theory', author='L. A. Zadeh'),
    work('W21', 1965, cites=7, title='Fuzzy sets and systems theory', author='Lotfi Zadeh'),
    work('W213', 2020, title=GNN, author='Wei Zhang'),
    work('W214', 2020, title=GNN, author='Anna Smith'),
    work('W215', 2018, title='Reinforcement learning for robotic grasping tasks', author='Sergey Levine'),
    work('W216', 2021, title=FISH, author='J. Z. Nash'),
]
PAT_E = [
    pat('US-201-A', 2021, npl=['Reisen WK. Malaria. In: Encyclopedia of Insects, 2009.']),  # short: 0.95
    pat('US-202-A', 2021, npl=['Malaria, Encyclopedia of Insects, 2009']),  # no surname: none
    pat('US-203-A', 2021, npl=['Reisen WK, Malaria, 2010']),  # another year: none
    pat('US-204-A', 2021, npl=['LeCun Y et al., Deep learning methods for vision, Nature, 2015']),  # goes on: none
    pat('US-205-A', 2021, npl=['LeCun Y, Bengio Y, Hinton G. Deep learning. Nature. 2015;521:436-44.']),  # 0.95
    # typographic quotes; the work's markup and diacritics are not typed: 0.99
    pat('US-206-A', 2021, npl=['SIMARD M-A ET AL: \u201cGROWTH OF LIFEPO4 FILMS ON ANGSTROM-SCALE SUBSTRATES\u201d, '
                               'J. Mater., 2020']),
    pat('US-207-A', 2021, npl=['Green L, African American English: A Linguistic Introduction, 2004']),  # subtitle
    # two records of one paper: the one with a DOI (W206); both with DOIs: the
    # most cited (W208); neither, equal citations: the smaller id (W21 < W209)
    pat('US-208-A', 2021, npl=['Kingma D, Ba J. Adam: A method for stochastic optimization. arXiv, 2014']),
    pat('US-209-A', 2021, npl=['Rasmussen CE, Williams CKI. \u00abGaussian processes for machine learning\u00bb, '
                               'MIT Press, 2005']),
    pat('US-215-A', 2021, npl=['Zadeh LA, "Fuzzy sets and systems theory", Inf. Control, 1965']),
    pat('US-210-A', 2021, npl=['Smith A, ' + GNN + ', 2020']),  # two papers; the surname picks W214
    pat('US-211-A', 2021, npl=['"' + GNN + '", 2020']),  # two papers, nothing to choose: none
    pat('US-212-A', 2021, npl=['Levine S, Reinforcement learning for robotic grasping tasks, IJRR']),  # 0.8
    pat('US-213-A', 2021, npl=['Reinforcement learning for robotic grasping tasks, IJRR']),  # no year, no name
    # cut after its own colon: 12 of 14 words, year and surname named: 0.9
    pat('US-214-A', 2021, npl=['Nash JZ et al., "Tracking the fine scale movements of fish using autonomous '
                               'maritime robotics: ...", Ocean Eng., 2021']),
]
LINKS_E = [('US-201-A', 'W201', 'title'), ('US-205-A', 'W202', 'title'), ('US-206-A', 'W203', 'title'),
           ('US-208-A', 'W206', 'title'), ('US-209-A', 'W208', 'title'), ('US-215-A', 'W21', 'title'),
           ('US-210-A', 'W214', 'title'), ('US-212-A', 'W215', 'title'), ('US-214-A', 'W216', 'title')]
CONF_E = {'US-201-A': 0.95, 'US-205-A': 0.95, 'US-206-A': 0.99, 'US-208-A': 0.99, 'US-212-A': 0.8,
          'US-214-A': 0.9}

check('aliases, types, citations, ties', 'A', PAT_A, [work('X1', 2021)], ALIASES_A,
      {'office_patents': OFFICE_A, 'top_assignees': TOP_A, 'foreign_assignees': FOREIGN_A})
check('BCG boundaries', 'B', PAT_B, [work('X1', 2021)], None, {'assignee_growth': GROWTH_B},
      opts=['--window', '2020-2021', '--min-patents', '1', '--bcg-count', '5', '--bcg-cagr', '0.5'])
check('BCG boundaries at the default thresholds', 'B2', PAT_B2, [work('X1', 2021)], None,
      {'assignee_growth': GROWTH_B2}, opts=['--window', '2020-2021'])
check('cohorts, countries, partners, institutions', 'C', [pat('CN-1-A', 2021)], WORK_C, None,
      {'country_publications': COUNTRY_C, 'publication_growth': GROWTH_C,
       'collaboration_partners': PARTNERS_C, 'collaborating_institutions': INST_C})
check('links (doi,title), paper_citations, topic_growth', 'D', PAT_D, WORK_D, None,
      {'paper_citations': PAPERS_BOTH, 'topic_growth': TOPICS_D}, opts=['--min-topic-works', '2'],
      links=LINKS_BOTH)
check('links (doi only)', 'D', PAT_D, WORK_D, None, {'paper_citations': PAPERS_DOI, 'topic_growth': TOPICS_D},
      opts=['--min-topic-works', '2', '--link-methods', 'doi'], links=LINKS_DOI)
check('title links on real-shaped references', 'E', PAT_E, WORK_E, None, {}, links=LINKS_E, confidence=CONF_E)
check('topic_growth with an absent partner', 'D', PAT_D, WORK_D, None, {'topic_growth': TOPICS_FR},
      opts=['--min-topic-works', '2', '--partner', 'FR'])
if FAILS:
    sys.exit('\n'.join(['FAIL'] + FAILS))
print('tables: all hand-worked expectations met on 1 and 3 ranks')
