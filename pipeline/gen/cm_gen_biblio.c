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

/* Title words of work j: a list of vocabulary indexes. */
static int title_words(uint64_t seed, uint64_t j, uint16_t *w, int *colon) {
  if (j % 100 == 50) j--; /* shares the previous work's title */
  cm_rng r = cm_rng_for(seed, 4, j);
  int n = 5 + (int)cm_rng_below(&r, 9);
  for (int i = 0; i < n; i++)
    w[i] = (uint16_t)cm_rng_below(&r, N_VOCAB);
  *colon = cm_rng_below(&r, 5) == 0 ? 3 : -1;
  return n;
}

static void render_title(const uint16_t *w, int n, int colon, int upto, char *out, size_t cap) {
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; i < n && i < upto; i++) {
    int k = snprintf(out + at, cap - at, "%s%s%s", i ? " " : "", VOCAB[w[i]], i == colon - 1 ? ":" : "");
    if (k < 0 || (size_t)k >= cap - at) break;
    if (i == 0) out[at] = (char)(out[at] & ~0x20); /* sentence case */
    at += (size_t)k;
  }
}

void cm_bib_title(uint64_t seed, uint64_t j, char *out, size_t n) {
  uint16_t w[16];
  int colon, k = title_words(seed, j, w, &colon);
  render_title(w, k, colon, k, out, n);
}

static void upper(char *s) {
  for (; *s; s++)
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 32);
}

/* NPL citing t. DOI forms (40 % when the work has a DOI) carry the DOI in
 * one of the spellings SPEC 2 must find; title forms carry authors, title,
 * journal, volume, pages and year in varied orders, casing and quoting, with
 * abbreviated journals, truncated titles, extra words and missing years. */
int cm_bib_npl(cm_buf *b, cm_rng *r, uint64_t seed, const cm_bib_target *t, char *form, size_t formlen) {
  uint16_t w[16];
  int colon, n = title_words(seed, t->j, w, &colon);
  char title[512];
  const char *s1 = SURNAMES[cm_rng_below(r, N_SURNAMES)], *s2 = SURNAMES[cm_rng_below(r, N_SURNAMES)];
  char ini1 = (char)('A' + cm_rng_below(r, 26)), ini2 = (char)('A' + cm_rng_below(r, 26));
  uint64_t prefix = 1000 + t->j % 9000;
  if (t->exists == 1 && t->has_doi && cm_rng_below(r, 10) < 4) {
    render_title(w, n, colon, n, title, sizeof title);
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
  /* title forms */
  int truncated = n >= 8 && cm_rng_below(r, 8) == 0;
  int shown = truncated ? (n * 6 + 9) / 10 : n;
  if (t->exists == 2) { /* near miss: one word differs, must not link */
    w[n / 2] = (uint16_t)((w[n / 2] + 1) % N_VOCAB);
    snprintf(form, formlen, "near-miss");
  } else if (!t->exists)
    snprintf(form, formlen, "absent");
  else
    snprintf(form, formlen, truncated ? "title-trunc" : "title");
  render_title(w, n, colon, shown, title, sizeof title);
  if (truncated) strcat(title, "...");
  uint64_t c = cm_rng_below(r, 4);
  if (c == 0)
    upper(title);
  else if (c == 1)
    for (char *q = title; *q; q++)
      if (*q >= 'A' && *q <= 'Z') *q = (char)(*q + 32);
  char authors[128];
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
  int q = cm_rng_below(r, 2) == 0;
  switch (cm_rng_below(r, 4)) {
  case 0:
    return cm_buf_printf(b, "%s%s%s, %s%s%s, %s, vol. %d, pp. %d-%d%s%s%s", xp, *xp ? "123456 " : "", authors,
                         q ? "\"" : "", title, q ? "\"" : "", journal, vol, pg, pg + 9, *year ? ", " : "",
                         year, tail);
  case 1:
    return cm_buf_printf(b, "%s%s%s. %s %s%s%s; %d(%d):%d-%d%s", q ? "\"" : "", title, q ? "\"" : "", authors,
                         journal, *year ? " " : "", year, vol, 1 + vol % 12, pg, pg + 7, tail);
  case 2:
    return cm_buf_printf(b, "%s%s%s%s%s %s. %s, %d, %d", authors, *year ? " (" : "", year, *year ? ")" : "",
                         *year ? "" : "", title, journal, vol, pg);
  default:
    return cm_buf_printf(b, "%s, %s, %d, %s%s%s, by %s%s%s", journal, *year ? year : "n.d.", vol,
                         q ? "'" : "", title, q ? "'" : "", authors, *xp ? ", XP055987654" : "", tail);
  }
}
