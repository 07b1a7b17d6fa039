#include "cm_gen_biblio.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cm_error.h"

/* Title vocabulary: real words, so that titles look like titles and share
 * words (and stop words) the way real ones do. */
static const char *VOCAB[] = {"analysis",
                              "of",
                              "the",
                              "in",
                              "for",
                              "and",
                              "a",
                              "on",
                              "with",
                              "by",
                              "using",
                              "based",
                              "novel",
                              "effect",
                              "effects",
                              "study",
                              "design",
                              "synthesis",
                              "characterization",
                              "performance",
                              "high",
                              "low",
                              "temperature",
                              "pressure",
                              "zinc-ion",
                              "lithium",
                              "sodium",
                              "battery",
                              "batteries",
                              "anode",
                              "cathode",
                              "electrolyte",
                              "solid-state",
                              "perovskite",
                              "solar",
                              "cells",
                              "thin",
                              "film",
                              "films",
                              "radiative",
                              "cooling",
                              "thermal",
                              "management",
                              "graphene",
                              "carbon",
                              "nanotubes",
                              "oxide",
                              "catalyst",
                              "catalytic",
                              "hydrogen",
                              "evolution",
                              "reaction",
                              "water",
                              "splitting",
                              "deep",
                              "learning",
                              "neural",
                              "network",
                              "networks",
                              "image",
                              "segmentation",
                              "classification",
                              "detection",
                              "sensor",
                              "sensors",
                              "wireless",
                              "communication",
                              "channel",
                              "estimation",
                              "power",
                              "grid",
                              "control",
                              "optimization",
                              "algorithm",
                              "model",
                              "models",
                              "simulation",
                              "numerical",
                              "experimental",
                              "investigation",
                              "properties",
                              "mechanical",
                              "structure",
                              "structures",
                              "composite",
                              "polymer",
                              "membrane",
                              "separation",
                              "gas",
                              "adsorption",
                              "porous",
                              "framework",
                              "metal-organic",
                              "frameworks",
                              "quantum",
                              "dots",
                              "optical",
                              "laser",
                              "fiber",
                              "photonic",
                              "crystal",
                              "magnetic",
                              "spin",
                              "dynamics",
                              "molecular",
                              "protein",
                              "gene",
                              "expression",
                              "cancer",
                              "tumor",
                              "cell",
                              "therapy",
                              "clinical",
                              "patients",
                              "risk",
                              "factors",
                              "survey",
                              "review",
                              "approach",
                              "method",
                              "methods",
                              "efficient",
                              "stable",
                              "flexible",
                              "wearable",
                              "devices",
                              "device",
                              "energy",
                              "storage",
                              "conversion",
                              "electrochemical",
                              "transport",
                              "flow",
                              "heat",
                              "transfer",
                              "surface",
                              "interface",
                              "engineering",
                              "robust",
                              "adaptive",
                              "multi-scale",
                              "large-scale",
                              "real-time",
                              "distributed",
                              "system",
                              "systems",
                              "urban",
                              "climate",
                              "change",
                              "soil",
                              "plant",
                              "growth",
                              "rice",
                              "wheat",
                              "yield"};
#define N_VOCAB (sizeof VOCAB / sizeof VOCAB[0])

static const char *SURNAMES[] = {"Wang",   "Li",    "Zhang",   "Liu",     "Chen",   "Yang",
                                 "Huang",  "Zhao",  "Smith",   "Jones",   "Brown",  "Taylor",
                                 "Wilson", "Evans", "Mueller", "Schmidt", "Tanaka", "Suzuki",
                                 "Kim",    "Park",  "Nguyen",  "Garcia",  "Rossi",  "Dubois"};
#define N_SURNAMES (sizeof SURNAMES / sizeof SURNAMES[0])
/* Rarer surnames: three syllables, 16^3 of them. */
static const char *SYL[3][16] = {
    {"Ka", "Mo", "Ri", "Ta", "Be", "Lo", "Su", "Ha", "Ve", "No", "Fe", "Za", "Gu", "Pe", "Di", "Yo"},
    {"ren", "lan", "sa", "to", "mi", "ko", "ra", "ne", "vi", "dor", "lin", "ma", "shi", "ba", "ga", "tu"},
    {"berg", "son", "ez", "ov", "ini", "ski", "ton", "ova", "ier", "ado", "awa", "ell", "ani", "man", "ley",
     "ard"}};
static const char *GIVEN[] = {"Wei",  "Anna", "John",  "Maria", "Hiroshi", "Olga",  "Pierre", "Min",
                              "Luca", "Sara", "Ahmed", "Ying",  "Elena",   "Jonas", "Priya",  "Tomas"};
#define N_GIVEN (sizeof GIVEN / sizeof GIVEN[0])

/* Words with diacritics; patents type them with or without (the second form). */
static const char *ACCENTED[][2] = {
    {"naïve", "naive"},       {"Ångström", "Angstrom"}, {"Schrödinger", "Schrodinger"},
    {"Poincaré", "Poincare"}, {"Möbius", "Mobius"},     {"Fréchet", "Frechet"}};
#define N_ACCENTED (sizeof ACCENTED / sizeof ACCENTED[0])

static const char *JOURNALS[][2] = {{"Journal of Applied Physics", "J. Appl. Phys."},
                                    {"Advanced Materials", "Adv. Mater."},
                                    {"Nature Communications", "Nat. Commun."},
                                    {"Journal of Power Sources", "J. Power Sources"},
                                    {"Energy & Environmental Science", "Energy Environ. Sci."},
                                    {"IEEE Transactions on Power Systems", "IEEE Trans. Power Syst."},
                                    {"Chemical Engineering Journal", "Chem. Eng. J."},
                                    {"Physical Review B", "Phys. Rev. B"},
                                    {"Journal of the American Chemical Society", "J. Am. Chem. Soc."},
                                    {"Scientia Sinica", "Sci. Sin."}};
#define N_JOURNALS (sizeof JOURNALS / sizeof JOURNALS[0])

/* Topics CN and GB are jointly strong in (the seed report's headline). */
static const char *HOT[] = {"Zinc-ion batteries", "Radiative cooling", "Perovskite solar cells",
                            "Solid-state lithium batteries"};
#define N_HOT 4u
#define HOT_FIRST 7u /* topic numbers 7..10 */

uint32_t cm_bib_topic_count(uint64_t works) {
  uint64_t t = works / 40;
  return (uint32_t)(t < 300 ? 300 : t > 4000 ? 4000 : t);
}

uint32_t cm_bib_pick_topic(cm_rng *r, uint32_t ntopics, int country) {
  if (cm_rng_unif(r) < 0.3) { /* the country's own strengths */
    if ((country == 0 || country == 2) && cm_rng_below(r, 3) < 2)
      return HOT_FIRST + (uint32_t)cm_rng_below(r, N_HOT);
    cm_rng s = cm_rng_for(77, (uint64_t)country, cm_rng_below(r, 6));
    return 11 + (uint32_t)cm_rng_below(&s, ntopics / 2 - 11);
  }
  /* log-uniform: P(t) ~ 1/(t+1), heavy-tailed topic sizes */
  uint32_t t = (uint32_t)floor(pow((double)ntopics + 1, cm_rng_unif(r))) - 1;
  return t < ntopics ? t : ntopics - 1;
}

double cm_bib_topic_growth(uint32_t topic) {
  if (topic >= HOT_FIRST && topic < HOT_FIRST + N_HOT) return 0.25;
  cm_rng r = cm_rng_for(78, 0, topic);
  return 0.2 * cm_rng_unif(&r) - 0.1;
}

int cm_bib_topic_field(uint32_t topic) { return 11 + (int)(topic % 26); }

int cm_bib_topic_json(cm_buf *b, uint32_t topic, int bare_id) {
  char name[128];
  if (topic >= HOT_FIRST && topic < HOT_FIRST + N_HOT)
    snprintf(name, sizeof name, "%s", HOT[topic - HOT_FIRST]);
  else {
    cm_rng r = cm_rng_for(79, 0, topic);
    const char *a = VOCAB[50 + cm_rng_below(&r, N_VOCAB - 50)],
               *b2 = VOCAB[50 + cm_rng_below(&r, N_VOCAB - 50)];
    snprintf(name, sizeof name, "%c%s %s and %s", a[0] & ~0x20, a + 1, b2,
             VOCAB[50 + cm_rng_below(&r, N_VOCAB - 50)]);
  }
  int f = cm_bib_topic_field(topic);
  return cm_buf_printf(
      b,
      "\"primary_topic\":{\"id\":\"%sT%u\",\"display_name\":\"%s\",\"score\":0.99,"
      "\"subfield\":{\"id\":\"https://openalex.org/subfields/%d%02u\",\"display_name\":\"Subfield\"},"
      "\"field\":{\"id\":\"https://openalex.org/fields/%d\",\"display_name\":\"Field %d\"},"
      "\"domain\":{\"id\":\"https://openalex.org/domains/%d\",\"display_name\":\"Domain\"}}",
      bare_id ? "" : "https://openalex.org/", 10000 + topic, name, f, topic % 100, f, f, 1 + f % 4);
}

int cm_bib_is_duplicate(uint64_t j) { return j % 200 == 120; }

/* The paper's first record: work j, or the record j duplicates. */
static uint64_t paper_of(uint64_t j) { return cm_bib_is_duplicate(j) ? j - 1 : j; }

void cm_bib_author(uint64_t seed, uint64_t j, int k, char *out, size_t n, char *initial) {
  cm_rng r = cm_rng_for(seed, 5, paper_of(j) * 4 + (uint64_t)k);
  char sur[32];
  if (cm_rng_below(&r, 10) < 3)
    snprintf(sur, sizeof sur, "%s", SURNAMES[cm_rng_below(&r, N_SURNAMES)]);
  else
    snprintf(sur, sizeof sur, "%s%s%s", SYL[0][cm_rng_below(&r, 16)], SYL[1][cm_rng_below(&r, 16)],
             SYL[2][cm_rng_below(&r, 16)]);
  const char *given = GIVEN[cm_rng_below(&r, N_GIVEN)];
  if (cm_rng_below(&r, 7) == 0) /* as some sources write it: "Surname, Given" */
    snprintf(out, n, "%s, %s", sur, given);
  else
    snprintf(out, n, "%s %s", given, sur);
  if (initial) *initial = given[0];
}

/* The surname of cm_bib_author's name. */
static void surname_of(const char *name, char *out, size_t n) {
  const char *comma = strchr(name, ','), *sp = strrchr(name, ' ');
  if (comma)
    snprintf(out, n, "%.*s", (int)(comma - name), name);
  else
    snprintf(out, n, "%s", sp ? sp + 1 : name);
}

/* A work's title: vocabulary indexes (N_VOCAB + a: ACCENTED[a]) and how it
 * is dressed. */
enum { MARK_NONE, MARK_ITALIC, MARK_FORMULA, MARK_ENTITY };
typedef struct {
  uint16_t w[16];
  int n, colon, markup, accent, is_short;
} title_spec;

/* Title of work j: 6 % are short (1-4 content words, never cut); 1 % share
 * the previous work's title; duplicate records repeat their paper's title.
 * One in 50 carries markup in OpenAlex (italics, a formula with <sub>, an
 * entity), one in 20 a word with diacritics. */
static void title_of(uint64_t seed, uint64_t j, title_spec *t) {
  j = paper_of(j);
  if (j % 100 == 50) j--; /* shares the previous work's title */
  cm_rng r = cm_rng_for(seed, 4, j);
  t->n = 5 + (int)cm_rng_below(&r, 9);
  for (int i = 0; i < t->n; i++)
    t->w[i] = (uint16_t)cm_rng_below(&r, N_VOCAB);
  t->colon = cm_rng_below(&r, 5) == 0 ? 3 : -1;
  t->is_short = cm_rng_below(&r, 100) < 6;
  if (t->is_short) { /* content words only: short titles name a subject */
    t->n = cm_rng_below(&r, 10) == 0 ? 1 : 2 + (int)cm_rng_below(&r, 3);
    t->colon = -1;
    for (int i = 0; i < t->n; i++)
      t->w[i] = (uint16_t)(50 + cm_rng_below(&r, N_VOCAB - 50));
  }
  t->accent = cm_rng_below(&r, 20) == 0;
  if (t->accent) t->w[cm_rng_below(&r, (uint64_t)t->n)] = (uint16_t)(N_VOCAB + cm_rng_below(&r, N_ACCENTED));
  t->markup = j % 50 == 7    ? MARK_ITALIC
              : j % 50 == 17 ? MARK_FORMULA
              : j % 50 == 27 ? MARK_ENTITY
                             : MARK_NONE;
}

/* Renders the first `upto` words: as OpenAlex holds it (in_openalex: with
 * its markup and diacritics) or as a patent types it (plain text; fold:
 * diacritics dropped). */
static void render_title(const title_spec *t, int upto, int in_openalex, int fold, char *out, size_t cap) {
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; i < t->n && i < upto; i++) {
    const char *word = t->w[i] >= N_VOCAB ? ACCENTED[t->w[i] - N_VOCAB][fold] : VOCAB[t->w[i]];
    const char *pre = "", *post = "";
    if (t->markup == MARK_ITALIC && i == 1 && in_openalex) pre = "<i>", post = "</i>";
    if (t->markup == MARK_ENTITY && !strcmp(word, "and")) word = in_openalex ? "&amp;" : "&";
    int k = snprintf(out + at, cap - at, "%s%s%s%s%s", i ? " " : "", pre, word, post,
                     i == t->colon - 1 ? ":" : "");
    if (k < 0 || (size_t)k >= cap - at) return;
    size_t first = at + (i ? 1 : 0) + strlen(pre);
    if (i == 0 && out[first] >= 'a' && out[first] <= 'z')
      out[first] = (char)(out[first] & ~0x20); /* sentence case */
    at += (size_t)k;
  }
  if (t->markup == MARK_FORMULA && upto >= t->n)
    snprintf(out + at, cap - at, in_openalex ? " on TiO<sub>2</sub>" : " on TiO2");
}

void cm_bib_title(uint64_t seed, uint64_t j, char *out, size_t n) {
  title_spec t;
  title_of(seed, j, &t);
  render_title(&t, t.n, 1, 0, out, n);
}

static void upper(char *s) {
  for (; *s; s++)
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 32);
}

/* DOI forms of the reference to t (the work has a DOI): one of the
 * spellings SPEC 2 must find. */
static int doi_npl(cm_buf *b, cm_rng *r, const cm_bib_target *t, const char *title, const char *s1, char ini1,
                   const char *s2, char *form, size_t formlen) {
  uint64_t prefix = 1000 + t->j % 9000;
  switch (cm_rng_below(r, 5)) {
  case 0:
    snprintf(form, formlen, "doi");
    return cm_buf_printf(b, "%s %c et al., %s, J. Appl. Phys., doi:10.%" PRIu64 "/w%" PRIu64 ".", s1, ini1,
                         title, prefix, t->j);
  case 1:
    snprintf(form, formlen, "doi-url");
    return cm_buf_printf(b, "%s. https://doi.org/10.%" PRIu64 "/W%" PRIu64, title, prefix, t->j);
  case 2:
    snprintf(form, formlen, "doi-upper");
    return cm_buf_printf(b, "%s %c, \"%s\", DOI: 10.%" PRIu64 "/W%" PRIu64 ");", s1, ini1, title, prefix,
                         t->j);
  case 3:
    snprintf(form, formlen, "doi-paren");
    return cm_buf_printf(b, "(10.%" PRIu64 "/w%" PRIu64 "), %s, %d", prefix, t->j, title, t->year);
  default:
    snprintf(form, formlen, "doi-two");
    return cm_buf_printf(b, "%s et al. %s; see also 10.%" PRIu64 "/W%" PRIu64 "]; 10.9999/missing.%" PRIu64,
                         s2, title, prefix, t->j, t->j);
  }
}

/* Quote marks around a title in a reference: none, ASCII, typographic,
 * guillemets. */
static const char *QUOTES[][2] = {
    {"", ""}, {"\"", "\""}, {"\xE2\x80\x9C", "\xE2\x80\x9D"}, {"\xC2\xAB", "\xC2\xBB"}};

/* NPL citing t. DOI forms (40 % when the work has a DOI); title forms carry
 * the first author's surname, the title, journal, volume, pages and year in
 * varied orders, casing and quoting, with abbreviated journals, truncated
 * titles, extra words and missing years. */
int cm_bib_npl(cm_buf *b, cm_rng *r, uint64_t seed, const cm_bib_target *t, char *form, size_t formlen) {
  title_spec ts;
  title_of(seed, t->j, &ts);
  char title[512], name[96], s1[96];
  cm_bib_author(seed, t->j, 0, name, sizeof name, NULL);
  surname_of(name, s1, sizeof s1);
  const char *s2 = SURNAMES[cm_rng_below(r, N_SURNAMES)];
  char ini1 = (char)('A' + cm_rng_below(r, 26)), ini2 = (char)('A' + cm_rng_below(r, 26));
  int fold = (int)cm_rng_below(r, 2);
  if (t->exists == 1 && t->has_doi && cm_rng_below(r, 10) < 4) {
    render_title(&ts, ts.n, 0, fold, title, sizeof title);
    return doi_npl(b, r, t, title, s1, ini1, s2, form, formlen);
  }
  /* title forms */
  int truncated = ts.n >= 8 && cm_rng_below(r, 8) == 0;
  int shown = truncated ? (ts.n * 6 + 9) / 10 : ts.n;
  int qk = (int)cm_rng_below(r, 4);
  if (t->exists == 2) { /* near miss: one word differs, must not link */
    ts.w[ts.n / 2] = (uint16_t)((ts.w[ts.n / 2] + 1) % N_VOCAB);
    snprintf(form, formlen, "near-miss");
  } else if (!t->exists)
    snprintf(form, formlen, "absent");
  else
    snprintf(form, formlen, "%s",
             truncated      ? "title-trunc"
             : t->duplicate ? "title-dup"
             : ts.is_short  ? "title-short"
             : ts.markup    ? "title-markup"
             : ts.accent    ? "title-accent"
             : qk >= 2      ? "title-quotes"
                            : "title");
  render_title(&ts, shown, 0, fold, title, sizeof title);
  if (truncated) strcat(title, "...");
  uint64_t c = cm_rng_below(r, 4);
  if (c == 0)
    upper(title);
  else if (c == 1)
    for (char *q = title; *q; q++)
      if (*q >= 'A' && *q <= 'Z') *q = (char)(*q + 32);
  char authors[160];
  switch (cm_rng_below(r, 3)) {
  case 0:
    snprintf(authors, sizeof authors, "%s %c et al.", s1, ini1);
    break;
  case 1:
    snprintf(authors, sizeof authors, "%s, %c.; %s, %c.", s1, ini1, s2, ini2);
    break;
  default:
    snprintf(authors, sizeof authors, "%s %c; %s %c", s1, ini1, s2, ini2);
    upper(authors);
  }
  const char *journal = JOURNALS[cm_rng_below(r, N_JOURNALS)][cm_rng_below(r, 2)];
  int vol = 1 + (int)cm_rng_below(r, 60), pg = 1 + (int)cm_rng_below(r, 900);
  char year[32] = "";
  if (cm_rng_below(r, 10) != 0) snprintf(year, sizeof year, "%d", t->year);
  const char *xp = cm_rng_below(r, 3) == 0 ? "XP055" : "";
  const char *tail = cm_rng_below(r, 4) == 0 ? ", the whole document" : "";
  const char *qo = QUOTES[qk][0], *qc = QUOTES[qk][1];
  switch (cm_rng_below(r, 4)) {
  case 0:
    return cm_buf_printf(b, "%s%s%s, %s%s%s, %s, vol. %d, pp. %d-%d%s%s%s", xp, *xp ? "123456 " : "", authors,
                         qo, title, qc, journal, vol, pg, pg + 9, *year ? ", " : "", year, tail);
  case 1:
    return cm_buf_printf(b, "%s%s%s. %s %s%s%s; %d(%d):%d-%d%s", qo, title, qc, authors, journal,
                         *year ? " " : "", year, vol, 1 + vol % 12, pg, pg + 7, tail);
  case 2:
    return cm_buf_printf(b, "%s%s%s%s%s %s%s%s. %s, %d, %d", authors, *year ? " (" : "", year,
                         *year ? ")" : "", *year ? "" : "", qo, title, qc, journal, vol, pg);
  default:
    return cm_buf_printf(b, "%s, %s, %d, %s%s%s, by %s%s%s", journal, *year ? year : "n.d.", vol,
                         qk ? qo : "'", title, qk ? qc : "'", authors, *xp ? ", XP055987654" : "", tail);
  }
}
