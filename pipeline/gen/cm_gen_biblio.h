/* The bibliographic side of the generator: work titles, OpenAlex primary
 * topics, and the free-text NPL strings with which patents cite works
 * (in the messy forms real ones take). Deterministic functions of their
 * arguments; nothing here is collective. */
#ifndef CM_GEN_BIBLIO_H
#define CM_GEN_BIBLIO_H

#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "cm_rng.h"

/* Number of topics for a corpus of `works` works (a few hundred to 4000). */
uint32_t cm_bib_topic_count(uint64_t works);
/* A topic for a work whose first country is `country` (an index; 0 is CN, 2
 * is GB): heavy-tailed sizes, each country strong in a few topics, CN and GB
 * jointly in the "hot" ones. */
uint32_t cm_bib_pick_topic(cm_rng *r, uint32_t ntopics, int country);
/* Growth offset of a topic (added to the country's growth rate). */
double cm_bib_topic_growth(uint32_t topic);
/* OpenAlex field number of a topic. */
int cm_bib_topic_field(uint32_t topic);
/* Appends the primary_topic object (JSON), id as URL or bare. */
int cm_bib_topic_json(cm_buf *b, uint32_t topic, int bare_id);

/* Title of work j as OpenAlex holds it (about 1 % of works share the
 * title of the previous one; some carry markup or diacritics). */
void cm_bib_title(uint64_t seed, uint64_t j, char *out, size_t n);
/* Whether work j is a second record of work j - 1's paper (0.5 %): same
 * title, year and authors, its own id, DOI and citations. */
int cm_bib_is_duplicate(uint64_t j);
/* Display name of author k of work j ("Given Surname", or "Surname,
 * Given"); *initial (when not NULL): the given name's initial. */
void cm_bib_author(uint64_t seed, uint64_t j, int k, char *out, size_t n, char *initial);

/* What an NPL string refers to. */
typedef struct {
  uint64_t j;    /* work index */
  int year;      /* its publication year */
  int has_doi;   /* whether the work has a DOI (10.<1000 + j % 9000>/W<j>) */
  int exists;    /* 1 in the corpus; 0 not (no link is correct); 2 in the corpus,
                    but cited with one title word changed (no link is correct) */
  int duplicate; /* the paper has two records in the corpus (for the form's name) */
} cm_bib_target;

/* Appends one npl_text (raw text, not JSON-escaped) citing t; `form` names
 * the form used (for the truth files). `seed` chooses titles. */
int cm_bib_npl(cm_buf *b, cm_rng *r, uint64_t seed, const cm_bib_target *t, char *form, size_t formlen);
#endif
