#include "cm_gen.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>
#include <zlib.h>

#include "cm_buf.h"
#include "cm_error.h"
#include "cm_gen_biblio.h"
#include "cm_outputs.h"
#include "cm_progress.h"
#include "cm_rng.h"
#include "cm_text.h"

#define SHARD_RECORDS 20000

/* ---- deterministic randomness (cm_rng.h) ---- */

typedef cm_rng rng;
#define rng_for cm_rng_for
#define next_u64 cm_rng_u64
#define unif cm_rng_unif
#define below cm_rng_below

static int pick(rng *r, const double *w, int n) {
  double t = 0;
  for (int i = 0; i < n; i++)
    t += w[i];
  double u = unif(r) * t;
  for (int i = 0; i < n; i++) {
    if (u < w[i]) return i;
    u -= w[i];
  }
  return n - 1;
}

/* ---- the reference shape (../shared/reference-figures.md) ---- */

static const char *OFFICES[] = {"CN", "US", "JP", "DE", "GB", "AU"};
static const double OFFICE_N[] = {25114899, 3817954, 2559211, 407353, 191585, 283839};
static const double OFFICE_CITED[] = {0.176, 0.342, 0.082, 0.143, 0.040, 0.024};
#define N_OFFICES 6

typedef struct {
  const char *name, *type;
  double patents, growth;
  const char *spellings[3];
} named;

/* Top assignees of the reference (their Table 3), with spellings that the
 * alias table folds together, and a growth rate for the BCG picture. */
static const named TOP[] = {
    {"State Grid Corporation of China",
     "Company",
     165991,
     0.03,
     {"STATE GRID CORPORATION OF CHINA", "State Grid Corp of China",
      "STATE GRID JIANGSU ELECTRIC POWER CO LTD"}},
    {"Huawei Technologies",
     "Company",
     80025,
     0.02,
     {"HUAWEI TECHNOLOGIES CO LTD", "Huawei Tech Co., Ltd.", "HUAWEI DEVICE CO LTD"}},
    {"Gree",
     "Company",
     72180,
     0.04,
     {"GREE ELECTRIC APPLIANCES INC OF ZHUHAI", "Gree Electric Appliances, Inc.",
      "GREE GREEN REFRIGERATION TECH CT CO LTD"}},
    {"China Southern Power Grid",
     "Company",
     62777,
     0.05,
     {"CHINA SOUTHERN POWER GRID CO LTD", "China Southern Power Grid Company",
      "CSG POWER GENERATION CO LTD"}},
    {"Sinopec",
     "Company",
     62567,
     0.01,
     {"CHINA PETROLEUM & CHEMICAL CORP", "Sinopec Corp.", "SINOPEC RESEARCH INSTITUTE OF PETROLEUM"}},
    {"Zhejiang University",
     "Education",
     53672,
     0.08,
     {"ZHEJIANG UNIVERSITY", "Zhejiang Univ", "UNIV ZHEJIANG"}},
    {"Tsinghua University",
     "Education",
     44596,
     0.06,
     {"TSINGHUA UNIVERSITY", "Tsinghua Univ", "UNIV TSINGHUA"}},
    {"BOE Technology Group",
     "Company",
     40915,
     0.03,
     {"BOE TECHNOLOGY GROUP CO LTD", "BOE Tech Group Co., Ltd",
      "BEIJING BOE OPTOELECTRONICS TECHNOLOGY CO LTD"}},
    {"BBK Electronics",
     "Company",
     39930,
     0.02,
     {"GUANGDONG OPPO MOBILE TELECOMMUNICATIONS CORP LTD", "VIVO MOBILE COMMUNICATION CO LTD",
      "BBK ELECTRONICS CORP LTD"}},
    {"Haier Group",
     "Company",
     38270,
     0.04,
     {"HAIER GROUP CORP", "Qingdao Haier Co., Ltd.", "HAIER SMART HOME CO LTD"}},
    {"Harbin Institute of Technology",
     "Education",
     36089,
     0.15,
     {"HARBIN INSTITUTE OF TECHNOLOGY", "Harbin Inst of Tech", "HARBIN INSTITUTE OF TECHNOLOGY SHENZHEN"}},
    {"Metallurgical Corporation of China",
     "Company",
     34743,
     0.02,
     {"METALLURGICAL CORPORATION OF CHINA LTD", "MCC Group Co Ltd", "CHINA MCC20 GROUP CORP LTD"}},
    {"Huazhong University of Science and Technology",
     "Education",
     33347,
     0.07,
     {"HUAZHONG UNIVERSITY OF SCIENCE AND TECHNOLOGY", "Huazhong Univ of Sci & Tech",
      "UNIV HUAZHONG SCIENCE TECH"}},
    {"Midea Group",
     "Company",
     32001,
     0.03,
     {"MIDEA GROUP CO LTD", "Midea Group Co., Ltd.", "GD MIDEA AIR CONDITIONING EQUIPMENT CO LTD"}},
    {"Xi'an Jiaotong University",
     "Education",
     31462,
     0.08,
     {"XIAN JIAOTONG UNIVERSITY", "Xi'an Jiaotong Univ", "UNIV XIAN JIAOTONG"}},
    {"Peking University People's Hospital",
     "Healthcare",
     31172,
     0.05,
     {"PEKING UNIVERSITY PEOPLE'S HOSPITAL", "Peking Univ Peoples Hospital", "PEOPLES HOSPITAL PEKING UNIV"}},
    {"South China University of Technology",
     "Education",
     30842,
     0.07,
     {"SOUTH CHINA UNIVERSITY OF TECHNOLOGY", "South China Univ of Tech", "UNIV SOUTH CHINA TECH"}},
    {"University of Electronic Science and Technology of China",
     "Education",
     30825,
     0.09,
     {"UNIVERSITY OF ELECTRONIC SCIENCE AND TECHNOLOGY OF CHINA", "Univ of Electronic Sci & Tech of China",
      "UESTC"}},
    {"TCL",
     "Company",
     29941,
     0.02,
     {"TCL CORP", "TCL China Star Optoelectronics Technology Co., Ltd.", "TCL TECHNOLOGY GROUP CORP"}},
    {"Beijing Institute of Technology",
     "Education",
     22000,
     0.16,
     {"BEIJING INSTITUTE OF TECHNOLOGY", "Beijing Inst of Tech",
      "BEIJING INSTITUTE OF TECHNOLOGY CHONGQING INNOVATION CENTER"}},
};
#define N_TOP (int)(sizeof TOP / sizeof TOP[0])

static const char *FOREIGN[][2] = {
    {"TOYOTA MOTOR CORP", "JP"},
    {"SONY GROUP CORP", "JP"},
    {"CANON KK", "JP"},
    {"PANASONIC IP MAN CO LTD", "JP"},
    {"SAMSUNG ELECTRONICS CO LTD", "KR"},
    {"LG ELECTRONICS INC", "KR"},
    {"HONDA MOTOR CO LTD", "JP"},
    {"DENSO CORP", "JP"},
    {"HYUNDAI MOTOR CO LTD", "KR"},
    {"MITSUBISHI ELECTRIC CORP", "JP"},
    {"QUALCOMM INC", "US"},
    {"SIEMENS AG", "DE"},
    {"LG CHEM LTD", "KR"},
    {"SAMSUNG DISPLAY CO LTD", "KR"},
    {"NISSAN MOTOR CO LTD", "JP"},
    {"KYOCERA CORP", "JP"},
    {"ROBERT BOSCH GMBH", "DE"},
    {"SK HYNIX INC", "KR"},
    {"FANUC CORP", "JP"},
    {"SHARP KK", "JP"},
    {"TOSHIBA KK", "JP"},
    {"NEC CORP", "JP"},
    {"ARM LTD", "GB"},
    {"DYSON TECHNOLOGY LTD", "GB"},
    {"OXFORD NANOPORE TECHNOLOGIES LTD", "GB"},
};
#define N_FOREIGN (int)(sizeof FOREIGN / sizeof FOREIGN[0])

static const char *WORDS[] = {"Advanced",  "Smart",    "Energy",   "Micro",   "Quantum", "Digital",
                              "Green",     "Power",    "Bio",      "Nano",    "Cloud",   "Optical",
                              "Precision", "Material", "Robotics", "Vision",  "Thermal", "Signal",
                              "Fluid",     "Circuit",  "Polymer",  "Battery", "Sensor",  "Laser"};
#define N_WORDS 24

/* Works: countries, their publication weights and citation means. */
static const char *COUNTRIES[] = {"CN", "US", "GB", "DE", "JP", "AU", "CA", "FR", "IN", "KR",
                                  "IT", "ES", "BR", "NL", "CH", "SE", "SG", "HK", "TW", "ZA"};
static const double COUNTRY_W[] = {6.0, 4.19, 1.31, 1.18, 1.02, 0.63, 0.7, 0.7, 0.9, 0.6,
                                   0.6, 0.5,  0.4,  0.35, 0.3,  0.25, 0.2, 0.2, 0.2, 0.1};
/* base means, set below the reference so that the 1.3x boost of international
 * works brings each country's average near it (docs/generator.md) */
static const double COUNTRY_CPP[] = {9.0, 8.3, 10.5, 8.4,  4.4,  12.3, 10.0, 9.0,  6.0, 8.0,
                                     9.0, 8.5, 6.0,  11.0, 12.0, 11.0, 12.0, 10.0, 7.0, 8.0};
#define N_COUNTRIES 20
/* China's partners: share of internationally co-authored CN works. */
/* China's co-authored works come only from CN-first works with one partner
 * drawn from these weights (they sum to ~100, so they are the shares). */
static const double CN_PARTNER_W[] = {0,   33.7, 13.8, 7.4, 3.0, 10.6, 7.3, 3.0, 2.0, 4.0,
                                      2.0, 1.5,  1.0,  2.0, 1.5, 1.5,  2.0, 3.0, 1.0, 0.5};
static const char *AU_NAMED[] = {"University of Sydney", "University of Melbourne",
                                 "UNSW Sydney",          "University of Queensland",
                                 "Monash University",    "Australian National University"};
static const char *GB_NAMED[] = {"University College London", "University of Oxford",
                                 "Imperial College London", "University of Cambridge"};

/* ---- sizes ---- */

typedef struct {
  uint64_t office_n[N_OFFICES], office_start[N_OFFICES + 1];
  uint64_t patents, works;
  uint64_t pool; /* synthetic assignees */
  uint32_t topics;
  double lambda_total;
  double cite_w[N_OFFICES];
  uint64_t seed;
} plan;

static void make_plan(const cm_config *cfg, plan *p) {
  memset(p, 0, sizeof *p);
  double s = cfg->scale;
  if (cfg->gen_patents >= 0) s = (double)cfg->gen_patents / OFFICE_N[0] * 0.9;
  p->office_start[0] = 0;
  for (int o = 0; o < N_OFFICES; o++) {
    /* 90 % of each office's records fall in the 2020-2024 window */
    p->office_n[o] = (uint64_t)llround(OFFICE_N[o] * s / 0.9);
    if (cfg->gen_patents >= 0 && o == 0) p->office_n[o] = (uint64_t)cfg->gen_patents;
    p->office_start[o + 1] = p->office_start[o] + p->office_n[o];
    double lam = -log(1 - OFFICE_CITED[o]);
    p->cite_w[o] = lam * (double)p->office_n[o];
    p->lambda_total += p->cite_w[o];
  }
  p->patents = p->office_start[N_OFFICES];
  p->works = cfg->gen_works >= 0 ? (uint64_t)cfg->gen_works : (uint64_t)llround(12e6 * cfg->scale);
  p->pool = p->office_n[0] + 50; /* top synthetic share ~ pool^(-2/3), below the named ones */
  p->seed = cfg->seed;
  p->topics = cm_bib_topic_count(p->works);
}

/* ---- JSON writing helpers ---- */

static int puts_(cm_buf *b, const char *s) { return cm_buf_append(b, s, strlen(s)); }

static int json_text(cm_buf *b, const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"' || s[i] == '\\') CM_TRY(cm_buf_push_u8(b, '\\'));
    CM_TRY(cm_buf_push_u8(b, s[i]));
  }
  return CM_OK;
}

static int json_str(cm_buf *b, const char *s) {
  CM_TRY(cm_buf_push_u8(b, '"'));
  CM_TRY(json_text(b, (const uint8_t *)s, strlen(s)));
  return cm_buf_push_u8(b, '"');
}

static int filler(cm_buf *b, rng *r, int words) {
  for (int i = 0; i < words; i++) {
    if (i) CM_TRY(cm_buf_push_u8(b, ' '));
    CM_TRY(puts_(b, WORDS[below(r, N_WORDS)]));
  }
  return CM_OK;
}

static int year_with_growth(rng *r, double g) {
  double w[7];
  /* 2018, 2019 and 2025 outside the window (10 %), 2020-2024 with growth g */
  for (int y = 0; y < 5; y++)
    w[y] = pow(1 + g, y);
  if (unif(r) < 0.10) return (int)(2018 + below(r, 2) + (below(r, 3) == 0 ? 7 : 0));
  return 2020 + pick(r, w, 5);
}

static void pubnum(char *out, size_t n, const plan *p, uint64_t i) {
  int o = 0;
  while (o + 1 < N_OFFICES && i >= p->office_start[o + 1])
    o++;
  snprintf(out, n, "%s-%" PRIu64 "-%s", OFFICES[o], (uint64_t)100000000 + i, o == 1 ? "B2" : "A");
}

/* Country, topic, year and DOI of work j: their own stream, so that patents
 * citing work j can name its year and DOI too. */
typedef struct {
  int c0;
  uint32_t topic;
  int year, has_doi;
} work_meta;

static void work_meta_of(const plan *p, uint64_t j, work_meta *m) {
  rng r = rng_for(p->seed, 3, j);
  m->c0 = pick(&r, COUNTRY_W, N_COUNTRIES);
  m->topic = cm_bib_pick_topic(&r, p->topics, m->c0);
  m->year = year_with_growth(&r, (m->c0 == 0 ? 0.065 : 0.02) + cm_bib_topic_growth(m->topic));
  m->has_doi = below(&r, 10) != 0;
  if (cm_bib_is_duplicate(j)) { /* a second record of work j - 1's paper: its year */
    work_meta first;
    work_meta_of(p, j - 1, &first);
    m->year = first.year;
  }
}

/* Countries and citation count of work j, drawn first from r (its stream). */
static void work_reach(rng *r, int c0, int cs[3], int *nc, int64_t *cites) {
  cs[0] = c0, cs[1] = cs[2] = -1, *nc = 1;
  if (unif(r) < (c0 == 0 ? 0.22 : 0.3)) {
    int c1 = c0 == 0 ? pick(r, CN_PARTNER_W, N_COUNTRIES) : 1 + pick(r, COUNTRY_W + 1, N_COUNTRIES - 1);
    if (c1 != c0) cs[(*nc)++] = c1;
  }
  double mean = 0;
  for (int k = 0; k < *nc; k++)
    mean += COUNTRY_CPP[cs[k]] / *nc;
  if (*nc > 1) mean *= 1.3; /* international co-authorship is cited more */
  *cites = (int64_t)floor(-mean * log(1 - unif(r)));
}

/* The record a correct title link names when the paper of work j has two
 * records (j - 1 and its duplicate): the one with a DOI, then the most
 * cited, then the smaller id (docs/linkage.md). */
static uint64_t linked_record(const plan *p, uint64_t j) {
  uint64_t a = cm_bib_is_duplicate(j) ? j - 1 : j, b = a + 1;
  if (!cm_bib_is_duplicate(b) || b >= p->works) return j;
  work_meta ma, mb;
  work_meta_of(p, a, &ma), work_meta_of(p, b, &mb);
  if (ma.has_doi != mb.has_doi) return ma.has_doi ? a : b;
  int cs[3], nc;
  int64_t ca, cb;
  rng ra = rng_for(p->seed, 2, a), rb = rng_for(p->seed, 2, b);
  work_reach(&ra, ma.c0, cs, &nc, &ca);
  work_reach(&rb, mb.c0, cs, &nc, &cb);
  return cb > ca ? b : a;
}

/* One NPL citation: 80 % name a corpus work, the rest a work that is not in
 * the corpus or a near miss of one (linking those would be an error). */
static int npl_entry(cm_buf *b, cm_buf *truth, rng *r, const plan *p, const char *pn, int k) {
  cm_bib_target t;
  uint64_t u = below(r, 100);
  t.j = u < 10 ? p->works + 1000 + below(r, 1000000000) : below(r, p->works);
  t.exists = u < 10 ? 0 : u < 20 ? 2 : 1;
  work_meta m;
  work_meta_of(p, t.j, &m);
  t.year = m.year;
  t.has_doi = m.has_doi;
  uint64_t linked = t.exists == 1 ? linked_record(p, t.j) : t.j;
  t.duplicate = t.exists == 1 && (cm_bib_is_duplicate(t.j) || cm_bib_is_duplicate(t.j + 1));
  cm_buf text = {0};
  char form[24];
  int rc = cm_bib_npl(&text, r, p->seed, &t, form, sizeof form);
  if (rc == CM_OK) rc = json_text(b, text.data, text.len);
  cm_buf_free(&text);
  CM_TRY(rc);
  if (t.exists == 1) /* a DOI names its own record; a title, the paper's linked record */
    return cm_buf_printf(truth, "%s,%d,W%" PRIu64 ",%s\n", pn, k,
                         (uint64_t)1000000000 + (strncmp(form, "doi", 3) ? linked : t.j), form);
  return cm_buf_printf(truth, "%s,%d,,%s\n", pn, k, form);
}

/* ---- patents ---- */

static int gen_patent(cm_buf *b, cm_buf *truth, const plan *p, uint64_t i) {
  rng r = rng_for(p->seed, 1, i);
  int o = 0;
  while (o + 1 < N_OFFICES && i >= p->office_start[o + 1])
    o++;
  char pn[64];
  pubnum(pn, sizeof pn, p, i);
  /* assignee */
  char name[256];
  const char *ctry = OFFICES[o];
  double growth = 0.05;
  double top_share = 0;
  for (int k = 0; k < N_TOP; k++)
    top_share += TOP[k].patents;
  top_share /= OFFICE_N[0];
  int plain = 0;
  if (o == 0 && unif(&r) < top_share) {
    double w[N_TOP];
    for (int k = 0; k < N_TOP; k++)
      w[k] = TOP[k].patents;
    int k = pick(&r, w, N_TOP);
    snprintf(name, sizeof name, "%s", TOP[k].spellings[below(&r, 3)]);
    growth = TOP[k].growth;
  } else if (o == 0 && unif(&r) < 0.012) { /* foreign firms: below the named top 20 */
    int k = (int)(N_FOREIGN * pow(unif(&r), 1.2));
    snprintf(name, sizeof name, "%s", FOREIGN[k][0]);
    ctry = FOREIGN[k][1];
  } else {
    uint64_t k = (uint64_t)((double)p->pool * pow(unif(&r), 1.5)); /* heavy-tailed sizes */
    rng nr = rng_for(p->seed, 7, k + (uint64_t)o * 1000000007ull);
    int kind = (int)below(&nr, 10);
    if (kind < 7)
      snprintf(name, sizeof name, "%s %s %s Co Ltd %" PRIu64, OFFICES[o], WORDS[below(&nr, N_WORDS)],
               WORDS[below(&nr, N_WORDS)], k);
    else if (kind < 9)
      snprintf(name, sizeof name, "%s %s University %" PRIu64, OFFICES[o], WORDS[below(&nr, N_WORDS)], k);
    else
      snprintf(name, sizeof name, "%s Institute %" PRIu64, WORDS[below(&nr, N_WORDS)], k);
    growth = 0.2 * unif(&nr) - 0.05;
    plain = below(&r, 20) == 0;
  }
  int year = year_with_growth(&r, growth);
  CM_TRY(cm_buf_printf(b, "{\"publication_number\":\"%s\",\"country_code\":\"%s\",\"kind_code\":\"%s\",", pn,
                       OFFICES[o], o == 1 ? "B2" : "A"));
  CM_TRY(cm_buf_printf(b, "\"publication_date\":\"%d%02d%02d\",\"family_id\":\"%" PRIu64 "\",", year,
                       (int)(1 + below(&r, 12)), (int)(1 + below(&r, 28)), 50000000 + i / 2));
  CM_TRY(puts_(b, "\"title_localized\":[{\"text\":\""));
  CM_TRY(filler(b, &r, 8));
  CM_TRY(puts_(b, "\",\"language\":\"en\"}],\"abstract_localized\":[{\"text\":\""));
  CM_TRY(filler(b, &r, 80 + (int)below(&r, 120)));
  CM_TRY(puts_(b, "\",\"language\":\"en\"}],"));
  if (below(&r, 50) == 0) { /* 2 %: a long description (20-60 KB), as some real rows have */
    CM_TRY(puts_(b, "\"description_localized\":[{\"text\":\""));
    CM_TRY(filler(b, &r, 2500 + (int)below(&r, 5000)));
    CM_TRY(puts_(b, "\",\"language\":\"en\"}],"));
  }
  if (plain) {
    CM_TRY(puts_(b, "\"assignee\":["));
    CM_TRY(json_str(b, name));
    CM_TRY(puts_(b, "],"));
  } else {
    CM_TRY(puts_(b, "\"assignee\":["));
    CM_TRY(json_str(b, name));
    CM_TRY(puts_(b, "],\"assignee_harmonized\":[{\"name\":"));
    CM_TRY(json_str(b, name));
    CM_TRY(cm_buf_printf(b, ",\"country_code\":\"%s\"}],", ctry));
  }
  /* citations: Poisson-like count, targets weighted to the offices' cited shares */
  double mean = p->lambda_total / (double)(p->patents ? p->patents : 1);
  int nc = 0;
  double u = unif(&r);
  while (u > exp(-mean) && nc < 30)
    u *= unif(&r), nc++; /* Knuth's Poisson */
  CM_TRY(puts_(b, "\"citation\":["));
  int first = 1;
  for (int k = 0; k < nc; k++) {
    int to = pick(&r, p->cite_w, N_OFFICES);
    uint64_t t = p->office_start[to] + below(&r, p->office_n[to]);
    char tn[64];
    pubnum(tn, sizeof tn, p, t);
    CM_TRY(cm_buf_printf(
        b, "%s{\"publication_number\":\"%s\",\"npl_text\":\"\",\"type\":\"\",\"category\":\"SEA\"}",
        first ? "" : ",", tn));
    first = 0;
  }
  if (p->works && below(&r, 5) == 0) { /* non-patent literature */
    int nn = 1 + (int)below(&r, 3);
    for (int k = 0; k < nn; k++) {
      CM_TRY(cm_buf_printf(b, "%s{\"publication_number\":\"\",\"npl_text\":\"", first ? "" : ","));
      CM_TRY(npl_entry(b, truth, &r, p, pn, k));
      CM_TRY(puts_(b, "\",\"type\":\"\",\"category\":\"\"}"));
      first = 0;
    }
  }
  return puts_(b, "]}\n");
}

/* ---- works ---- */

static int gen_work(cm_buf *b, const plan *p, uint64_t j) {
  rng r = rng_for(p->seed, 2, j);
  work_meta m;
  work_meta_of(p, j, &m);
  int cs[3], nc, year = m.year;
  int64_t cites;
  work_reach(&r, m.c0, cs, &nc, &cites);
  char title[512];
  cm_bib_title(p->seed, j, title, sizeof title);
  CM_TRY(cm_buf_printf(b, "{\"id\":\"https://openalex.org/W%" PRIu64 "\",", (uint64_t)1000000000 + j));
  if (m.has_doi)
    CM_TRY(cm_buf_printf(b, "\"doi\":\"https://doi.org/10.%" PRIu64 "/W%" PRIu64 "\",", 1000 + j % 9000, j));
  else
    CM_TRY(puts_(b, "\"doi\":null,"));
  CM_TRY(cm_buf_printf(b, "\"title\":\"%s\",\"display_name\":\"%s\",\"publication_year\":%d,\"type\":\"%s\",",
                       title, title, year, below(&r, 8) ? "article" : "review"));
  CM_TRY(cm_buf_printf(b, "\"cited_by_count\":%" PRId64 ",\"authorships\":[", cites));
  for (int k = 0; k < nc; k++) {
    const char *cc = COUNTRIES[cs[k]];
    /* heavy-tailed institution sizes; fewer institutions in smaller countries */
    uint64_t n_inst = 10 + (uint64_t)(20 * COUNTRY_W[cs[k]]);
    uint64_t inst = (uint64_t)((double)n_inst * unif(&r) * unif(&r));
    char iname[128];
    if (cs[k] == 2 && inst < 4)
      snprintf(iname, sizeof iname, "%s", GB_NAMED[inst]);
    else if (cs[k] == 5 && inst < 6)
      snprintf(iname, sizeof iname, "%s", AU_NAMED[inst]);
    else
      snprintf(iname, sizeof iname, "%s %s University %" PRIu64, cc, WORDS[inst % N_WORDS], inst);
    char author[96];
    cm_bib_author(p->seed, j, k, author, sizeof author, NULL);
    CM_TRY(cm_buf_printf(b,
                         "%s{\"author_position\":\"%s\",\"author\":{\"id\":\"https://openalex.org/A%" PRIu64
                         "\",\"display_name\":\"%s\"},",
                         k ? "," : "", k ? "middle" : "first", next_u64(&r) % 100000000, author));
    CM_TRY(cm_buf_printf(
        b,
        "\"institutions\":[{\"id\":\"https://openalex.org/I%d%03" PRIu64
        "\",\"display_name\":\"%s\",\"country_code\":\"%s\",\"type\":\"education\"}],\"countries\":[\"%s\"]}",
        cs[k] + 10, inst, iname, cc, cc));
  }
  CM_TRY(puts_(b, "],"));
  CM_TRY(cm_bib_topic_json(b, m.topic, below(&r, 10) == 0));
  CM_TRY(puts_(b, ","));
  CM_TRY(puts_(b, "\"abstract\":\""));
  CM_TRY(filler(b, &r, 120 + (int)below(&r, 100)));
  return puts_(b, "\"}\n");
}

/* ---- output ---- */

/* The files of shard s (patents shards first, then works parts), relative
 * to the corpus folder: its data, and its truth file (patents only; "" for
 * works). A patents shard is plain .json.gz, or with --containers mixed a
 * .tar.gz (s % 3 == 1) or a .zip (s % 5 == 2). */
static void shard_paths(uint64_t s, uint64_t np, int mixed, char *data, char *truth, size_t n) {
  if (s < np) {
    const char *ext = mixed && s % 3 == 1 ? ".tar.gz" : mixed && s % 5 == 2 ? ".zip" : ".json.gz";
    snprintf(data, n, "patents/publications-%012" PRIu64 "%s", s, ext);
    snprintf(truth, n, "truth/npl-%012" PRIu64 ".csv", s);
  } else {
    uint64_t w = s - np;
    snprintf(data, n, "works/data/works/updated_date=2024-%02d-%02d/part_%03" PRIu64 ".gz",
             (int)(1 + (w / 28) % 12), (int)(1 + w % 28), w / 336);
    truth[0] = '\0';
  }
}

/* A generated corpus is a folder citemill owns; its record lists every file
 * gen writes there. */
static const cm_dir_spec GEN_CORPUS = {"gen corpus", NULL, 0};

/* Rank 0: an older corpus in the folder goes (only the files its record
 * lists; anything else there fails the run, naming it), and the record of
 * the new one lists all its files before any is written, so that a killed
 * gen leaves a folder the next gen may replace. */
static int begin_corpus_dir(const char *out, uint64_t np, uint64_t nw, int mixed) {
  CM_TRY(cm_dir_remove(out, &GEN_CORPUS));
  size_t n = 2 * np + nw + 2, k = 0;
  char(*names)[128] = malloc(n * sizeof *names);
  const char **v = malloc(n * sizeof *v);
  int rc = names && v ? CM_OK : CM_FAIL("out of memory");
  for (uint64_t s = 0; rc == CM_OK && s < np + nw; s++) {
    char truth[128];
    shard_paths(s, np, mixed, names[k], truth, sizeof names[k]);
    v[k] = names[k], k++;
    if (*truth) snprintf(names[k], sizeof names[k], "%s", truth), v[k] = names[k], k++;
  }
  if (rc == CM_OK) {
    v[k++] = "aliases.csv";
    v[k++] = "works/data/works/manifest";
    rc = cm_dir_create(out, &GEN_CORPUS, v, k);
  }
  free(names);
  free(v);
  return rc;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int write_gz(const char *path, const cm_buf *b) {
  char tmp[CM_PATH_MAX];
  CM_PATH(tmp, "%s.tmp", path);
  gzFile g = gzopen(tmp, "wb1");
  if (!g) return CM_FAIL("cannot create '%s'", tmp);
  int w = b->len ? gzwrite(g, b->data, (unsigned)b->len) : 0;
  int c = gzclose(g);
  if ((size_t)w != b->len || c != Z_OK) return CM_FAIL("writing '%s' failed (disk full?)", tmp);
  if (rename(tmp, path) != 0) return CM_FAIL("cannot rename '%s'", tmp);
  return CM_OK;
}

static int write_archive(const char *path, const char *member, const cm_buf *b, int zip) {
  struct archive *a = archive_write_new();
  if (!a) return CM_FAIL("out of memory");
  if (zip)
    archive_write_set_format_zip(a);
  else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    /* no timestamp in the gzip header: same seed, same bytes */
    archive_write_set_options(a, "gzip:!timestamp");
  }
  if (archive_write_open_filename(a, path) != ARCHIVE_OK)
    return CM_FAIL("cannot create '%s': %s", path, archive_error_string(a));
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, member);
  archive_entry_set_size(e, (la_int64_t)b->len);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, 1700000000, 0);
  int rc = CM_OK;
  if (archive_write_header(a, e) != ARCHIVE_OK ||
      archive_write_data(a, b->data, b->len) != (la_ssize_t)b->len)
    rc = CM_FAIL("writing '%s' failed: %s", path, archive_error_string(a));
  archive_entry_free(e);
  if (archive_write_close(a) != ARCHIVE_OK && rc == CM_OK) rc = CM_FAIL("closing '%s' failed", path);
  archive_write_free(a);
  return rc;
}

static int write_text(const char *path, const cm_buf *b) {
  FILE *f = fopen(path, "wb");
  if (!f) return CM_FAIL("cannot create '%s': %s", path, strerror(errno));
  size_t w = fwrite(b->data, 1, b->len, f);
  if (fclose(f) != 0 || w != b->len) return CM_FAIL("writing '%s' failed", path);
  return CM_OK;
}

static int write_aliases(const char *dir) {
  cm_buf b = {0};
  CM_TRY(puts_(&b, "match,kind,canonical,type\n"));
  for (int k = 0; k < N_TOP; k++)
    for (int s = 0; s < 3; s++) {
      int quote = strchr(TOP[k].spellings[s], ',') != NULL;
      CM_TRY(cm_buf_printf(&b, "%s%s%s,exact,\"%s\",%s\n", quote ? "\"" : "", TOP[k].spellings[s],
                           quote ? "\"" : "", TOP[k].name, TOP[k].type));
    }
  /* prefix rules catch subsidiaries spelled in ways not listed */
  CM_TRY(puts_(&b, "STATE GRID,prefix,State Grid Corporation of China,Company\n"));
  CM_TRY(puts_(&b, "HUAWEI,prefix,Huawei Technologies,Company\n"));
  char path[CM_PATH_MAX];
  CM_PATH(path, "%s/aliases.csv", dir);
  int rc = write_text(path, &b);
  cm_buf_free(&b);
  return rc;
}

/* Rank 0: the OpenAlex-style manifest of the works parts (not records:
 * ingest skips it). */
static int write_manifest(const char *wdir, const plan *p, uint64_t nw) {
  cm_buf m = {0};
  int rc = cm_buf_printf(&m, "{\"entries\":[\n");
  for (uint64_t w = 0; w < nw && rc == CM_OK; w++) {
    uint64_t n = (w + 1) * SHARD_RECORDS < p->works ? SHARD_RECORDS : p->works - w * SHARD_RECORDS;
    rc = cm_buf_printf(&m,
                       "{\"url\":\"s3://openalex/data/works/updated_date=2024-%02d-%02d/part_%03" PRIu64
                       ".gz\",\"meta\":{\"record_count\":%" PRIu64 "}}%s\n",
                       (int)(1 + (w / 28) % 12), (int)(1 + w % 28), w / 336, n, w + 1 < nw ? "," : "");
  }
  if (rc == CM_OK) rc = cm_buf_printf(&m, "],\"meta\":{\"record_count\":%" PRIu64 "}}\n", p->works);
  char path[CM_PATH_MAX];
  CM_PATH(path, "%s/manifest", wdir);
  if (rc == CM_OK) rc = write_text(path, &m);
  cm_buf_free(&m);
  return rc;
}

int cm_gen(MPI_Comm comm, const cm_config *cfg) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  int mixed = strcmp(cfg->containers, "mixed") == 0;
  plan p;
  make_plan(cfg, &p);
  char wdir[CM_PATH_MAX], dir[4300];
  CM_PATH(wdir, "%s/works/data/works", cfg->out);
  uint64_t np = (p.patents + SHARD_RECORDS - 1) / SHARD_RECORDS,
           nw = (p.works + SHARD_RECORDS - 1) / SHARD_RECORDS;
  int rc = CM_OK;
  if (rank == 0) {
    rc = begin_corpus_dir(cfg->out, np, nw, mixed);
    const char *sub[] = {"patents", "truth", "works/data/works"};
    for (int i = 0; i < 3 && rc == CM_OK; i++) {
      CM_PATH(dir, "%s/%s", cfg->out, sub[i]);
      rc = cm_mkdirs(dir);
    }
    if (rc == CM_OK) rc = write_aliases(cfg->out);
  }
  CM_AGREE(comm, rc);
  if (rank == 0 && !cfg->quiet)
    printf("gen: %" PRIu64 " patents in %" PRIu64 " shards, %" PRIu64 " works in %" PRIu64
           " parts, %d ranks\n",
           p.patents, np, p.works, nw, P);
  double t0 = cm_now(), last = t0;
  cm_buf b = {0}, truth = {0};
  char path[CM_PATH_MAX], member[256];
  uint64_t done = 0;
  for (uint64_t s = (uint64_t)rank; s < np + nw && rc == CM_OK; s += (uint64_t)P) {
    b.len = truth.len = 0;
    char data[128], tpath[128];
    shard_paths(s, np, mixed, data, tpath, sizeof data);
    CM_PATH(path, "%s/%s", cfg->out, data);
    if (s < np) {
      uint64_t lo = s * SHARD_RECORDS, hi = lo + SHARD_RECORDS < p.patents ? lo + SHARD_RECORDS : p.patents;
      for (uint64_t i = lo; i < hi && rc == CM_OK; i++)
        rc = gen_patent(&b, &truth, &p, i);
      snprintf(member, sizeof member, "publications-%012" PRIu64 ".json", s);
      if (rc == CM_OK && ends_with(data, ".tar.gz"))
        rc = write_archive(path, member, &b, 0);
      else if (rc == CM_OK && ends_with(data, ".zip"))
        rc = write_archive(path, member, &b, 1);
      else if (rc == CM_OK)
        rc = write_gz(path, &b);
      CM_PATH(path, "%s/%s", cfg->out, tpath);
      if (rc == CM_OK) rc = write_text(path, &truth);
    } else {
      uint64_t w = s - np, lo = w * SHARD_RECORDS,
               hi = lo + SHARD_RECORDS < p.works ? lo + SHARD_RECORDS : p.works;
      for (uint64_t j = lo; j < hi && rc == CM_OK; j++)
        rc = gen_work(&b, &p, j);
      CM_PATH(dir, "%s", path);
      *strrchr(dir, '/') = '\0';
      if (rc == CM_OK) rc = cm_mkdirs(dir);
      if (rc == CM_OK) rc = write_gz(path, &b);
    }
    done++;
    if (rank == 0 && !cfg->quiet && cm_now() - last > 2) {
      last = cm_now();
      double rate = (double)done / (last - t0);
      printf("gen: rank 0 wrote %" PRIu64 " of its ~%" PRIu64 " shards, %.1f shards/s, ~%.0f s left\n", done,
             (np + nw) / (uint64_t)P + 1, rate,
             ((double)((np + nw) / (uint64_t)P + 1) - (double)done) / rate);
      fflush(stdout);
    }
  }
  cm_buf_free(&b);
  cm_buf_free(&truth);
  CM_AGREE(comm, rc);
  if (rank == 0) rc = write_manifest(wdir, &p, nw);
  if (rank == 0 && rc == CM_OK && !cfg->quiet) printf("gen: wrote '%s' in %.1f s\n", cfg->out, cm_now() - t0);
  return cm_agree(comm, rc);
}
