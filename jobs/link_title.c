/* The title link method: NPL strings without a DOI, such as
 * "Smith J et al., Title, J. Appl. Phys., vol. 12, pp. 33-41, 2021" in any
 * order, quoting and case, matched to works by normalized title
 * (cm_title_words: the same words for both sides), confirmed by the year,
 * the first author's surname and the punctuation around the title.
 *
 * Keys: a work with a title of at least KEY_WORDS words has one key, the
 * hash of its first KEY_WORDS words; an NPL string has one such key per word
 * position (a sliding window), since the title can sit anywhere in it. A
 * work with a shorter title ("Malaria", "Generative adversarial nets") has
 * a key only when it has a year and a first author: its title and year;
 * the string has one per run of 1-4 words set off by punctuation on both
 * sides and per year it names. Both go to the key's owner, which pairs them
 * (a key shared by more than HOT_KEY works is skipped, and counted when
 * some string has it: candidate pairs would explode, and titles that
 * common do not identify a paper). Candidates travel to the patent's
 * owner, which has the NPL text and verifies each one word by word:
 *  - full (5+ words): every title word follows from the key's position on,
 *    with punctuation (or the string's edge) before and after the title;
 *    accepted when the string names the work's year (0.99), or no year at
 *    all (0.8);
 *  - short (1-4 words): as full, and the string names the work's year and
 *    its first author's surname outside the title (0.95);
 *  - truncated: at least KEY_WORDS words and half the title match, the
 *    string continues with "..." (or U+2026) there, names the work's year
 *    and, when the work has a first author, the surname (0.9).
 * Of the accepted candidates of one string, the longest match wins. Works
 * tied for it: those whose surname the string names are preferred; the
 * rest must be records of one paper (same normalized title, year and
 * surname), of which the one with a DOI, then the most cited, then the
 * smallest id is linked (docs/linkage.md); otherwise no link. The
 * full-title comparison also makes a 64-bit key collision harmless. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_bloom.h"
#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

#define KEY_WORDS 5
#define HOT_KEY 64

/* A string's or title's words (cm_title_words); for NPL strings also
 * gaps[i], what separates word i - 1 from word i (gap_flags). */
typedef struct {
  cm_buf norm, words, scratch, gaps;
  size_t nw;
} words_t;

static void words_free(words_t *w) {
  cm_buf_free(&w->norm);
  cm_buf_free(&w->words);
  cm_buf_free(&w->scratch);
  cm_buf_free(&w->gaps);
}

/* Normalized words of the part of a display name that holds the surname
 * ("Wagner, Adina S." -> "wagner"; "Adina S. Wagner" -> "adina s wagner"). */
static int name_words(const uint8_t *name, size_t n, words_t *a) {
  const void *comma = memchr(name, ',', n);
  if (comma) n = (size_t)((const uint8_t *)comma - name);
  return cm_title_words((const char *)name, n, &a->norm, &a->words, &a->nw);
}

static uint32_t word_at(const words_t *w, size_t i, int field) {
  return CM_BUF_AT(&w->words, uint32_t, 4 * i + (size_t)field);
}

/* Key of words [i, i + KEY_WORDS) as they stand in norm: its fingerprint
 * (cm_key128; h2 is also the Bloom filters' key). Two different keys merge
 * only if both hashes collide (2^-128), and even then no wrong link can
 * follow: candidates are verified word by word. */
typedef cm_key128 title_key;

/* Words [i, i + n) as they stand in norm. */
static const uint8_t *span(const words_t *w, size_t i, size_t n, size_t *len) {
  uint32_t a = word_at(w, i, 0), e = word_at(w, i + n - 1, 0) + word_at(w, i + n - 1, 1);
  *len = e - a;
  return w->norm.data + a;
}

static const uint8_t *window(const words_t *w, size_t i, size_t *len) { return span(w, i, KEY_WORDS, len); }

static int has_digit(const words_t *w, size_t i) {
  const uint8_t *p = w->norm.data + word_at(w, i, 0);
  for (uint32_t k = 0; k < word_at(w, i, 1); k++)
    if (p[k] >= '0' && p[k] <= '9') return 1;
  return 0;
}

/* Words [i, i + n) could be a short title: one of them is a word, not a
 * number ("12", "33-41", "2021") or an initial ("J"). Keyed on both sides
 * alike, so that the pages and initials of every string cost no lookups. */
static int could_be_title(const words_t *w, size_t i, size_t n) {
  for (size_t k = i; k < i + n; k++)
    if (word_at(w, k, 1) >= 2 && !has_digit(w, k)) return 1;
  return 0;
}

static title_key key_at(const words_t *w, size_t i) {
  size_t n;
  const uint8_t *p = window(w, i, &n);
  return cm_key128_of(p, n);
}

/* Key of a short title published in year: the key of its words, mixed
 * with the year (an odd multiplier spreads years over all bits). A string's
 * words are hashed once and mixed with each year it names. */
static title_key with_year(title_key k, int64_t year) {
  uint64_t y = (uint64_t)year * 0x9E3779B97F4A7C15ull;
  return (title_key){k.h ^ y, k.h2 ^ (y >> 32 | y << 32)};
}

static uint64_t h2_with_year(uint64_t h2, int64_t year) {
  uint64_t y = (uint64_t)year * 0x9E3779B97F4A7C15ull;
  return h2 ^ (y >> 32 | y << 32);
}

static int put_key(cm_buf *b, title_key k, uint8_t tag, uint64_t row) {
  CM_TRY(cm_key128_push(b, k));
  CM_TRY(cm_buf_push_u8(b, tag));
  return cm_buf_push_u64(b, row);
}

static int no_doi(void *user, const char *doi, size_t len) {
  (void)doi, (void)len;
  *(int *)user = 1;
  return CM_OK;
}

/* The join runs in three local passes and one shuffle:
 *  1. each rank computes its works' keys and adds them to a Bloom filter
 *     shared by all ranks (cm_bloom);
 *  2. each rank cuts its DOI-less NPL strings into windows and keeps only
 *     the windows the filter says some work may have (about 1 % false
 *     positives; the rest cannot match anything), in a second filter;
 *  3. only the works whose key is in that second filter take part.
 * Every string is tokenized once, and what is shuffled and sorted is close
 * to the true matches instead of every window of every string.
 * The kept keys are then joined in rounds by key (the second hash modulo
 * the number of rounds), so that the key messages of one round stay near
 * ROUND_BYTES per rank; candidates of all rounds are verified together at
 * the end (one string's candidates may come from several rounds). */
#define ROUND_BYTES (128ull << 20)
#define KEY_MSG_BYTES 33  /* h, h2, tag, patent row, entry, position */
#define WORK_MSG_BYTES 45 /* h, h2, tag, row, year, DOI flag, cites, 3 lengths (+ id, title, surname) */
#define MAX_YEARS 4       /* years of a string that short-title keys are formed with */

static int in_round(title_key k, uint64_t round, uint64_t rounds) { return k.h2 % rounds == round; }

/* What the verification needs of a work, as it travels with the keys. */
typedef struct {
  int64_t year, cites; /* year 0: unknown */
  uint8_t has_doi;
  cm_view id, title, surname; /* title: normalized words; surname: see surname_of */
} work_info;

static int put_work_info(cm_buf *b, const work_info *x) {
  CM_TRY(cm_buf_push_i64(b, x->year));
  CM_TRY(cm_buf_push_i64(b, x->cites));
  CM_TRY(cm_buf_push_u8(b, x->has_doi));
  CM_TRY(cm_view_put(b, x->id));
  CM_TRY(cm_view_put(b, x->title));
  return cm_view_put(b, x->surname);
}

static work_info cursor_work_info(cm_cursor *q) {
  work_info x;
  x.year = (int64_t)cm_cursor_u64(q);
  x.cites = (int64_t)cm_cursor_u64(q);
  x.has_doi = cm_cursor_u8(q);
  x.id = cm_view_get(q);
  x.title = cm_view_get(q);
  x.surname = cm_view_get(q);
  return x;
}

/* Passes over a work_info, returning its bytes: the messages are sorted
 * and passed on as they are, and parsed only where they are judged. */
static cm_view skip_work_info(cm_cursor *q) {
  const uint8_t *at = q->p;
  (void)cursor_work_info(q);
  return (cm_view){at, (uint32_t)(q->p - at)};
}

static work_info work_info_of(cm_view v) {
  cm_cursor q = {v.p, v.p + v.n};
  return cursor_work_info(&q);
}

static int64_t work_year(const cm_ctx *c, size_t i) {
  return CM_BUF_AT(&c->w_has_year, uint8_t, i) ? CM_BUF_AT(&c->w_year, int64_t, i) : 0;
}

static int is_name_suffix(const words_t *a, size_t i) {
  static const char *suffix[] = {"jr", "sr", "ii", "iii", "iv"};
  for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++)
    if (word_at(a, i, 1) == strlen(suffix[k]) &&
        !memcmp(a->norm.data + word_at(a, i, 0), suffix[k], word_at(a, i, 1)))
      return 1;
  return 0;
}

/* The words local work i's first author's surname may be, into sur (reset
 * first), joined by spaces: the last word of the name's surname part
 * (before a comma; "Jr", "III" passed over), and for a name without a
 * comma also its first word, since East Asian names are often written
 * surname first. Words of one letter are no evidence and left out. Empty
 * when the work has no first author. */
static int surname_of(const cm_ctx *c, size_t i, words_t *a, cm_buf *sur) {
  size_t n;
  const uint8_t *name = cm_strcol_get(&c->w_first_author, i, &n);
  sur->len = 0;
  CM_TRY(name_words(name, n, a));
  size_t last = a->nw;
  while (last > 1 && is_name_suffix(a, last - 1))
    last--;
  for (size_t k = 0; k < 2 && last > 0; k++) {
    size_t at = k == 0 ? last - 1 : 0;
    if (k == 1 && (memchr(name, ',', n) || last < 2)) break;
    if (word_at(a, at, 1) < 2) continue;
    if (sur->len) CM_TRY(cm_buf_push_u8(sur, ' '));
    CM_TRY(cm_buf_append(sur, a->norm.data + word_at(a, at, 0), word_at(a, at, 1)));
  }
  return CM_OK;
}

/* Per local work: its key, and has[i]: 0 (no key: an empty title, or a
 * short one without year or first author), else KEYED, with SHORT for a
 * short title's key and WANTED when some kept window may have its key (it
 * takes part). */
enum { KEYED = 1, WANTED = 2, SHORT = 4 };
typedef struct {
  title_key *key;
  uint8_t *has;
  uint64_t n_keys, n_short, bytes; /* bytes: upper bound of this rank's key messages */
} work_keys;

static void work_keys_free(work_keys *k) {
  free(k->key);
  free(k->has);
}

/* Pass 1: the key of every local work, into the filter. */
static int compute_work_keys(cm_ctx *c, words_t *w, words_t *a, work_keys *wk) {
  wk->key = malloc((c->w_n + 1) * sizeof *wk->key);
  wk->has = calloc(c->w_n + 1, 1);
  CM_ALLOC(wk->key, (c->w_n + 1) * sizeof *wk->key);
  CM_ALLOC(wk->has, c->w_n + 1);
  for (size_t i = 0; i < c->w_n; i++) {
    size_t tl;
    const uint8_t *t = cm_strcol_get(&c->w_title, i, &tl);
    CM_TRY(cm_title_words((const char *)t, tl, &w->norm, &w->words, &w->nw));
    if (w->nw >= KEY_WORDS) {
      wk->key[i] = key_at(w, 0);
    } else {
      if (w->nw == 0 || work_year(c, i) == 0 || !could_be_title(w, 0, w->nw)) continue;
      CM_TRY(surname_of(c, i, a, &a->scratch));
      if (a->scratch.len == 0) continue;
      size_t n;
      const uint8_t *p = span(w, 0, w->nw, &n);
      wk->key[i] = with_year(cm_key128_of(p, n), work_year(c, i));
    }
    wk->has[i] = w->nw >= KEY_WORDS ? KEYED : KEYED | SHORT;
    wk->n_keys += w->nw >= KEY_WORDS, wk->n_short += w->nw < KEY_WORDS;
  }
  return CM_OK;
}

/* A window kept in pass 2. */
typedef struct {
  title_key k;
  uint64_t row;
  uint32_t entry, pos;
} npl_window;

/* Word i of w as a year 1900-2099 (a standalone four-digit word), or 0. */
static int64_t year_word(const words_t *w, size_t i) {
  if (word_at(w, i, 1) != 4) return 0;
  const uint8_t *p = w->norm.data + word_at(w, i, 0);
  int v = 0;
  for (int k = 0; k < 4; k++) {
    if (p[k] < '0' || p[k] > '9') return 0;
    v = v * 10 + (p[k] - '0');
  }
  return v >= 1900 && v <= 2099 ? v : 0;
}

/* What separates word i - 1 from word i in the raw text, for i = 0..nw (0
 * and nw: the string's edges): GAP_SEPARATES (cm_gap_separates, or an
 * edge), GAP_COLON (the gap's first mark is a colon: what follows is a
 * subtitle, "African American English: A Linguistic Introduction" is not
 * the work "African American English"), GAP_DOT (only dots, spaces,
 * hyphens and apostrophes: after an initial, "F. Sanger", "O’Donnell", it
 * does not end the author's name). Computed once per string. */
enum { GAP_SEPARATES = 1, GAP_COLON = 2, GAP_DOT = 4 };
static int gap_flags(const char *raw, words_t *w) {
  w->gaps.len = 0;
  CM_TRY(cm_buf_reserve(&w->gaps, w->nw + 1));
  for (size_t i = 0; i <= w->nw; i++) {
    uint8_t f = GAP_SEPARATES;
    if (i > 0 && i < w->nw) {
      uint32_t a = word_at(w, i - 1, 2), b = word_at(w, i, 3);
      if (b == a + 1 && (raw[a] == ' ' || raw[a] == '-')) { /* most gaps: one space or hyphen */
        w->gaps.data[i] = 0;
        continue;
      }
      f = b > a && cm_gap_separates(raw + a, b - a) ? GAP_SEPARATES : 0;
      int other = 0; /* anything but dots, spaces, hyphens, apostrophes (' and U+2019) */
      for (uint32_t k = a; k < b; k++)
        if (b - k >= 3 && !memcmp(raw + k, "\xE2\x80\x99", 3))
          k += 2;
        else
          other |= raw[k] != '.' && raw[k] != ' ' && raw[k] != '-' && raw[k] != '\'';
      if (f && !other) f |= GAP_DOT;
      while (f && a < b && (raw[a] == ' ' || raw[a] == '\t'))
        a++;
      if (f && raw[a] == ':') f |= GAP_COLON;
    }
    w->gaps.data[i] = f;
  }
  w->gaps.len = w->nw + 1;
  return CM_OK;
}

/* A title may start at word i: punctuation (or the edge) before it. */
static int title_starts_at(const words_t *w, size_t i) { return w->gaps.data[i] & GAP_SEPARATES; }

/* A title may end at word i: punctuation (or the edge) after it, not a colon. */
static int title_ends_at(const words_t *w, size_t i) {
  return (w->gaps.data[i + 1] & (GAP_SEPARATES | GAP_COLON)) == GAP_SEPARATES;
}

static int keep_window(cm_buf *kept, title_key k, uint64_t row, size_t entry, size_t pos) {
  npl_window x = {k, row, (uint32_t)entry, (uint32_t)pos};
  return cm_buf_append(kept, &x, sizeof x);
}

/* Long-title windows of one string: every KEY_WORDS words. In batches: hash
 * and prefetch a batch's filter blocks, then ask, so that the cache misses
 * overlap. */
#define WINDOW_BATCH 32
static int long_windows(const words_t *w, uint64_t row, size_t entry, const cm_bloom *works, cm_buf *kept) {
  uint64_t h2[WINDOW_BATCH];
  size_t windows = w->nw + 1 > KEY_WORDS ? w->nw + 1 - KEY_WORDS : 0;
  for (size_t at = 0; at < windows; at += WINDOW_BATCH) {
    size_t nb = windows - at < WINDOW_BATCH ? windows - at : WINDOW_BATCH;
    for (size_t k = 0; k < nb; k++) {
      size_t n;
      const uint8_t *p = window(w, at + k, &n);
      h2[k] = cm_hash2(p, n);
      cm_bloom_prefetch(works, h2[k]);
    }
    for (size_t k = 0; k < nb; k++) {
      if (!cm_bloom_has(works, h2[k])) continue;
      size_t n;
      const uint8_t *p = window(w, at + k, &n);
      CM_TRY(keep_window(kept, (title_key){cm_hash(p, n), h2[k]}, row, entry, at + k));
    }
  }
  return CM_OK;
}

/* Short-title windows of one string: each run of 1 to KEY_WORDS - 1 words
 * with punctuation (or the edge) before and after it, with each of the
 * first MAX_YEARS years the string names. A string without a year has
 * none: a short title is linked only with its year. The runs are hashed
 * first and their filter blocks prefetched, then asked, as for long
 * windows. */
typedef struct {
  uint64_t h2;
  uint32_t i, n;
} short_run;

static int short_windows(words_t *w, const char *raw, uint64_t row, size_t entry, const cm_bloom *works,
                         cm_buf *kept) {
  int64_t years[MAX_YEARS];
  size_t ny = 0;
  for (size_t i = 0; i < w->nw && ny < MAX_YEARS; i++) {
    int64_t y = year_word(w, i);
    size_t k = 0;
    while (k < ny && years[k] != y)
      k++;
    if (y && k == ny) years[ny++] = y;
  }
  if (ny == 0) return CM_OK;
  CM_TRY(gap_flags(raw, w));
  w->scratch.len = 0;
  for (size_t i = 0; i < w->nw; i++) {
    if (!title_starts_at(w, i)) continue;
    for (size_t n = 1; n < KEY_WORDS && i + n <= w->nw; n++) {
      if (!title_ends_at(w, i + n - 1) || !could_be_title(w, i, n)) continue;
      size_t len;
      const uint8_t *p = span(w, i, n, &len);
      short_run x = {cm_hash2(p, len), (uint32_t)i, (uint32_t)n};
      CM_TRY(cm_buf_append(&w->scratch, &x, sizeof x));
      for (size_t y = 0; y < ny; y++)
        cm_bloom_prefetch(works, h2_with_year(x.h2, years[y]));
    }
  }
  for (size_t r = 0; r < CM_BUF_COUNT(&w->scratch, short_run); r++) {
    const short_run *x = &CM_BUF_AT(&w->scratch, short_run, r);
    for (size_t y = 0; y < ny; y++) {
      if (!cm_bloom_has(works, h2_with_year(x->h2, years[y]))) continue;
      size_t len;
      const uint8_t *p = span(w, x->i, x->n, &len);
      CM_TRY(keep_window(kept, with_year((title_key){cm_hash(p, len), x->h2}, years[y]), row, entry, x->i));
    }
  }
  return CM_OK;
}

/* Pass 2: windows of DOI-less NPL strings whose key may be a work's. */
static int filter_npl(cm_ctx *c, words_t *w, const uint8_t *has_doi, const cm_bloom *works,
                      const cm_bloom *shorts, cm_buf *kept) {
  for (size_t i = 0; i < c->p_n; i++) {
    size_t first, cnt;
    cm_listcol_row(&c->p_npl, i, &first, &cnt);
    for (size_t e = 0; e < cnt; e++) {
      size_t l;
      const char *t = (const char *)cm_strcol_get(&c->p_npl.items, first + e, &l);
      int doi = has_doi ? has_doi[first + e] : 0;
      if (!has_doi) CM_TRY(cm_dois_in_text(t, l, &w->scratch, no_doi, &doi));
      if (doi) continue; /* the DOI method's case */
      CM_TRY(cm_title_words(t, l, &w->norm, &w->words, &w->nw));
      CM_TRY(long_windows(w, c->p_lo + i, e, works, kept));
      if (shorts) CM_TRY(short_windows(w, t, c->p_lo + i, e, shorts, kept));
    }
  }
  return CM_OK;
}

/* Work side of one round: (key, tag 0, work row, work_info) for the works
 * some kept window may match. */
static int send_works(cm_ctx *c, cm_outbox *ob, words_t *w, words_t *a, const work_keys *wk, uint64_t round,
                      uint64_t rounds) {
  for (size_t i = 0; i < c->w_n; i++) {
    if (!(wk->has[i] & WANTED) || !in_round(wk->key[i], round, rounds)) continue;
    size_t tl, kl, dl;
    const uint8_t *t = cm_strcol_get(&c->w_title, i, &tl);
    CM_TRY(cm_title_words((const char *)t, tl, &w->norm, &w->words, &w->nw));
    CM_TRY(surname_of(c, i, a, &a->scratch));
    const uint8_t *id = cm_strcol_get(&c->w_key, i, &kl);
    cm_strcol_get(&c->w_doi, i, &dl);
    work_info x = {work_year(c, i),
                   CM_BUF_AT(&c->w_cites, int64_t, i),
                   dl > 0,
                   {id, (uint32_t)kl},
                   {w->norm.data, (uint32_t)w->norm.len},
                   {a->scratch.data, (uint32_t)a->scratch.len}};
    cm_buf *b = &ob->to[cm_owner(wk->key[i].h, c->nranks)];
    CM_TRY(put_key(b, wk->key[i], 0, c->w_lo + i));
    CM_TRY(put_work_info(b, &x));
  }
  return CM_OK;
}

/* Patent side of one round: (key, tag 1, patent row, NPL entry, position). */
static int send_npl(cm_ctx *c, cm_outbox *ob, const cm_buf *kept, uint64_t round, uint64_t rounds) {
  size_t n = CM_BUF_COUNT(kept, npl_window);
  for (size_t i = 0; i < n; i++) {
    const npl_window *x = &CM_BUF_AT(kept, npl_window, i);
    if (!in_round(x->k, round, rounds)) continue;
    cm_buf *b = &ob->to[cm_owner(x->k.h, c->nranks)];
    CM_TRY(put_key(b, x->k, 1, x->row));
    CM_TRY(cm_buf_push_u32(b, x->entry));
    CM_TRY(cm_buf_push_u32(b, x->pos));
  }
  return CM_OK;
}

typedef struct {
  title_key k;
  uint8_t tag;
  uint64_t row; /* work or patent row */
  uint32_t entry, pos;
  cm_view info; /* a work's work_info as it came (copied on, parsed at the patent's owner) */
} key_item;

static int key_item_cmp(const void *a, const void *b) {
  const key_item *x = a, *y = b;
  int c = cm_key128_cmp(x->k, y->k);
  if (c) return c;
  if (x->tag != y->tag) return x->tag - y->tag;
  if (x->row != y->row) return x->row < y->row ? -1 : 1;
  if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* A candidate: (patent row, entry, pos, work row, work_info). */
static int put_candidate(cm_buf *b, const key_item *p, const key_item *w) {
  CM_TRY(cm_buf_push_u64(b, p->row));
  CM_TRY(cm_buf_push_u32(b, p->entry));
  CM_TRY(cm_buf_push_u32(b, p->pos));
  CM_TRY(cm_buf_push_u64(b, w->row));
  return cm_buf_append(b, w->info.p, w->info.n);
}

/* At the key's owner: candidates to the patents' owners. */
static int pair_keys(cm_ctx *c, const cm_buf *data, cm_outbox *ob, uint64_t *hot) {
  size_t cap = data->len / KEY_MSG_BYTES + 1, n = 0;
  key_item *it = calloc(cap, sizeof *it);
  CM_ALLOC(it, cap * sizeof *it);
  for (cm_cursor q = cm_cursor_of(data); cm_cursor_more(&q); n++) {
    key_item *x = &it[n];
    x->k.h = cm_cursor_u64(&q);
    x->k.h2 = cm_cursor_u64(&q);
    x->tag = cm_cursor_u8(&q);
    x->row = cm_cursor_u64(&q);
    if (x->tag == 0) {
      x->info = skip_work_info(&q);
    } else {
      x->entry = cm_cursor_u32(&q);
      x->pos = cm_cursor_u32(&q);
    }
  }
  CM_TRY(cm_sort_by_u64(it, n, sizeof *it, offsetof(key_item, k.h), key_item_cmp));
  int rc = CM_OK;
  for (size_t a = 0; a < n && rc == CM_OK;) {
    size_t e = a, w_end;
    while (e < n && cm_key128_cmp(it[e].k, it[a].k) == 0)
      e++;
    for (w_end = a; w_end < e && it[w_end].tag == 0;)
      w_end++;
    if (w_end - a > HOT_KEY) {
      (*hot)++;
      a = e;
      continue;
    }
    for (size_t p = w_end; p < e && rc == CM_OK; p++)
      for (size_t w = a; w < w_end && rc == CM_OK; w++)
        rc = put_candidate(&ob->to[cm_row_owner(c->p_bounds, c->nranks, it[p].row)], &it[p], &it[w]);
    a = e;
  }
  free(it);
  return rc;
}

typedef struct {
  uint64_t prow, wrow;
  uint32_t entry, pos;
  cm_view info; /* work_info, parsed by decide */
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->prow != y->prow) return x->prow < y->prow ? -1 : 1;
  if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
  if (x->wrow != y->wrow) return x->wrow < y->wrow ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Whether the string names year (and, in *any, whether it names a year). */
/* The years a string names (year_word), into w->scratch, once per string. */
static int years_of(words_t *w) {
  w->scratch.len = 0;
  for (size_t i = 0; i < w->nw; i++) {
    int64_t y = year_word(w, i);
    if (y) CM_TRY(cm_buf_append(&w->scratch, &y, sizeof y));
  }
  return CM_OK;
}

/* Whether the string (years_of) names year. */
static int names_year(const words_t *w, int64_t year) {
  for (size_t i = 0; i < CM_BUF_COUNT(&w->scratch, int64_t); i++)
    if (CM_BUF_AT(&w->scratch, int64_t, i) == year) return 1;
  return 0;
}

/* Calls fn on each space-separated word of v until it returns nonzero. */
static int any_word(cm_view v, int (*fn)(const void *ctx, const uint8_t *p, size_t n), const void *ctx) {
  for (uint32_t s = 0; s < v.n;) {
    uint32_t e = s;
    while (e < v.n && v.p[e] != ' ')
      e++;
    if (fn(ctx, v.p + s, e - s)) return 1;
    s = e + 1;
  }
  return 0;
}

/* Where a reference names its first author: in the first part of the
 * string, or the first part after the title ("SMITH J ET AL: \"TITLE\"",
 * "Smith, J., Jones, K. (2020). Title", "'Title', by Smith J; Jones K").
 * A part ends at a mark that sets parts apart (gap_flags), except the dot
 * of an initial ("F. Sanger", "J.-P. Dupont"); words with a digit
 * ("XP055123456") are passed over; at most AUTHOR_WORDS words are read. A
 * surname named further on belongs to another author ("RIMIANI D; ZHANG
 * S") or another part, and is no evidence. */
#define AUTHOR_WORDS 4

typedef struct {
  const words_t *w;
  size_t pos, m;
} title_at;

static int author_word(const void *ctx, const uint8_t *p, size_t n) {
  const title_at *t = ctx;
  const words_t *w = t->w;
  size_t from[2] = {0, t->pos + t->m};
  for (int s = 0; s < 2; s++)
    for (size_t i = from[s], seen = 0; i < w->nw && seen < AUTHOR_WORDS; i++) {
      if (i >= t->pos && i < t->pos + t->m) break; /* the title */
      if (has_digit(w, i)) continue;
      seen++;
      if (word_at(w, i, 1) == n && !memcmp(w->norm.data + word_at(w, i, 0), p, n)) return 1;
      uint8_t after = w->gaps.data[i + 1];
      if ((after & GAP_SEPARATES) && !(word_at(w, i, 1) == 1 && (after & GAP_DOT))) break; /* the part ends */
    }
  return 0;
}

/* One of the surname's words stands where the string names its first
 * author (AUTHOR_WORDS), outside words [pos, pos + m), the title. */
static int names_surname(const words_t *w, cm_view sur, size_t pos, size_t m) {
  title_at t = {w, pos, m};
  return any_word(sur, author_word, &t);
}

static int word_in_view(const void *ctx, const uint8_t *p, size_t n) {
  const cm_view *v = ctx;
  for (uint32_t s = 0; s < v->n;) {
    uint32_t e = s;
    while (e < v->n && v->p[e] != ' ')
      e++;
    if (e - s == n && !memcmp(v->p + s, p, n)) return 1;
    s = e + 1;
  }
  return 0;
}

/* Words of the title matching the string from word `pos` on. */
static size_t match_len(const words_t *w, uint32_t pos, cm_view title, size_t *twords) {
  size_t m = 0, i = pos, k = 0, nt = title.n > 0;
  for (uint32_t x = 0; x < title.n; x++)
    nt += title.p[x] == ' ';
  *twords = nt;
  while (k < title.n && i < w->nw) {
    size_t e = k;
    while (e < title.n && title.p[e] != ' ')
      e++;
    if (word_at(w, i, 1) != e - k || memcmp(w->norm.data + word_at(w, i, 0), title.p + k, e - k) != 0) break;
    m++, i++, k = e + 1;
  }
  return m;
}

/* The raw text between word i and the next word (or the end) holds an
 * ellipsis, "..." or U+2026: the title was cut there, perhaps after its
 * own punctuation ("Tracking fish: ..."). */
static int ellipsis_after(const char *raw, size_t n, const words_t *w, size_t i) {
  size_t at = word_at(w, i, 2), end = i + 1 < w->nw ? word_at(w, i + 1, 3) : n;
  for (; at + 3 <= end; at++)
    if (!memcmp(raw + at, "...", 3) || !memcmp(raw + at, "\xE2\x80\xA6", 3)) return 1;
  return 0;
}

/* A verified candidate: words matched, confidence (0: rejected), and
 * whether the string names the work's first author. */
typedef struct {
  size_t m;
  double conf;
  int surname;
  work_info wi;
} verdict;

/* The rules of the header comment, for one candidate of the string w
 * (raw: its text, l bytes). */
static verdict judge(const cand *k, const words_t *w, const char *raw, size_t l) {
  work_info wi = work_info_of(k->info);
  size_t nt, m = match_len(w, k->pos, wi.title, &nt);
  verdict v = {m, 0, names_surname(w, wi.surname, k->pos, m), wi};
  int any_year = w->scratch.len > 0, year_ok = wi.year != 0 && names_year(w, wi.year);
  if (m == 0 || !title_starts_at(w, k->pos)) return v;
  if (m == nt) {
    if (!title_ends_at(w, k->pos + m - 1)) return v; /* the string's title goes on */
    if (nt < KEY_WORDS)
      v.conf = year_ok && v.surname ? 0.95 : 0;
    else if (year_ok)
      v.conf = 0.99;
    else if (!any_year && (v.surname || wi.surname.n == 0))
      v.conf = 0.8; /* no year to confirm it: the first author, where known, must be named */
  } else if (m >= KEY_WORDS && 2 * m >= nt && year_ok && (v.surname || wi.surname.n == 0) &&
             ellipsis_after(raw, l, w, k->pos + m - 1)) {
    v.conf = 0.9;
  }
  return v;
}

static int same_view(cm_view a, cm_view b) { return a.n == b.n && !memcmp(a.p, b.p, a.n); }

/* Two records of one paper: the same normalized title and year, and first
 * authors with a surname word in common ("Shay, Monat" and "Monat Shay";
 * "Nico Saporiti" and "Nicola Ruggero Saporiti"), or both without one. */
static int same_paper(const work_info *a, const work_info *b) {
  if (a->year != b->year || !same_view(a->title, b->title)) return 0;
  if (!a->surname.n || !b->surname.n) return !a->surname.n && !b->surname.n;
  return any_word(a->surname, word_in_view, &b->surname);
}

/* Of two records of one paper, the one linked: with a DOI, then the most
 * cited, then the smallest id (shorter first, as W-numbers). */
static int preferred(const work_info *a, const work_info *b) {
  if (a->has_doi != b->has_doi) return a->has_doi;
  if (a->cites != b->cites) return a->cites > b->cites;
  if (a->id.n != b->id.n) return a->id.n < b->id.n;
  return memcmp(a->id.p, b->id.p, a->id.n) < 0;
}

/* Verifies the candidates of one NPL string; appends the link, if any.
 * v: room for n verdicts. */
static int decide(cm_ctx *c, const cand *k, size_t n, words_t *w, verdict *v, cm_buf *recs) {
  size_t first, cnt, l;
  cm_listcol_row(&c->p_npl, k[0].prow - c->p_lo, &first, &cnt);
  const char *raw = (const char *)cm_strcol_get(&c->p_npl.items, first + k[0].entry, &l);
  CM_TRY(cm_title_words(raw, l, &w->norm, &w->words, &w->nw));
  CM_TRY(gap_flags(raw, w));
  CM_TRY(years_of(w));
  size_t best_m = 0;
  int by_surname = 0;
  for (size_t j = 0; j < n; j++) {
    v[j] = judge(&k[j], w, raw, l);
    if (v[j].conf > 0 && v[j].m > best_m) best_m = v[j].m;
  }
  for (size_t j = 0; j < n; j++)
    by_surname |= v[j].conf > 0 && v[j].m == best_m && v[j].surname;
  size_t pick = n;
  for (size_t j = 0; j < n && best_m; j++) {
    if (v[j].conf == 0 || v[j].m != best_m || (by_surname && !v[j].surname)) continue;
    if (pick == n) {
      pick = j;
      continue;
    }
    if (k[pick].wrow == k[j].wrow) continue;
    /* a tie: two papers; or records of a one-word title, which generic
     * titles ("Introduction", "Malaria") share across papers too often to
     * merge */
    if (best_m < 2 || !same_paper(&v[pick].wi, &v[j].wi)) return CM_OK;
    if (preferred(&v[j].wi, &v[pick].wi)) pick = j;
  }
  if (pick == n) return CM_OK;
  return cm_link_record(recs, k[pick].prow, k[pick].wrow, CM_LINK_TITLE, v[pick].conf, v[pick].wi.id.p,
                        v[pick].wi.id.n);
}

static int verify(cm_ctx *c, const cm_buf *data, cm_buf *recs, words_t *w) {
  size_t cap = data->len / 36 + 1, n = 0;
  cand *k = malloc(cap * sizeof *k);
  verdict *v = malloc(cap * sizeof *v);
  if (!k || !v) {
    free(k), free(v);
    return CM_FAIL("out of memory (%zu title candidates)", cap);
  }
  for (cm_cursor q = cm_cursor_of(data); cm_cursor_more(&q); n++) {
    k[n].prow = cm_cursor_u64(&q);
    k[n].entry = cm_cursor_u32(&q);
    k[n].pos = cm_cursor_u32(&q);
    k[n].wrow = cm_cursor_u64(&q);
    k[n].info = skip_work_info(&q);
  }
  int rc = cm_sort_by_u64(k, n, sizeof *k, offsetof(cand, prow), cand_cmp);
  for (size_t a = 0; a < n && rc == CM_OK;) {
    size_t e = a;
    while (e < n && k[e].prow == k[a].prow && k[e].entry == k[a].entry)
      e++;
    rc = decide(c, k + a, e - a, w, v + a, recs);
    a = e;
  }
  free(k), free(v);
  return rc;
}

/* Passes 1-3 (see above): fills the kept windows, marks the WANTED works and
 * sets wk->bytes. */
static int select_keys(cm_ctx *c, words_t *w, words_t *a, const uint8_t *has_doi, work_keys *wk,
                       cm_buf *kept) {
  cm_bloom works = {0}, shorts = {0}, wanted = {0};
  int rc = compute_work_keys(c, w, a, wk);
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) return rc;
  /* two filters: the short titles' is small (few works have one), so the
   * many short runs of every string ask a filter that stays in cache; when
   * no work has a short title, the strings' short runs are not looked at */
  uint64_t n_short = wk->n_short;
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &n_short, 1, MPI_UINT64_T, MPI_SUM, c->comm));
  CM_TRY(cm_bloom_init(c->comm, &works, wk->n_keys));
  if (n_short) CM_TRY(cm_bloom_init(c->comm, &shorts, wk->n_short));
  for (size_t i = 0; i < c->w_n; i++)
    if (wk->has[i]) cm_bloom_add(wk->has[i] & SHORT ? &shorts : &works, wk->key[i].h2);
  rc = cm_bloom_union(c->comm, &works);
  if (rc == CM_OK && n_short) rc = cm_bloom_union(c->comm, &shorts);
  if (rc == CM_OK) rc = filter_npl(c, w, has_doi, &works, n_short ? &shorts : NULL, kept);
  cm_bloom_free(&works);
  cm_bloom_free(&shorts);
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) return rc;
  size_t n = CM_BUF_COUNT(kept, npl_window);
  CM_TRY(cm_bloom_init(c->comm, &wanted, n));
  for (size_t i = 0; i < n; i++)
    cm_bloom_add(&wanted, CM_BUF_AT(kept, npl_window, i).k.h2);
  rc = cm_bloom_union(c->comm, &wanted);
  wk->bytes = n * KEY_MSG_BYTES;
  for (size_t i = 0; rc == CM_OK && i < c->w_n; i++) {
    if (!(wk->has[i] & KEYED) || !cm_bloom_has(&wanted, wk->key[i].h2)) continue;
    size_t tl, kl, al;
    cm_strcol_get(&c->w_title, i, &tl);
    cm_strcol_get(&c->w_key, i, &kl);
    cm_strcol_get(&c->w_first_author, i, &al);
    wk->bytes += WORK_MSG_BYTES + tl + kl + al;
    wk->has[i] |= WANTED;
  }
  cm_bloom_free(&wanted);
  return cm_agree(c->comm, rc);
}

int cm_title_links(cm_ctx *c, cm_buf *recs, const uint8_t *has_doi, uint64_t *hot_keys) {
  words_t w, a; /* a: the first authors' names */
  memset(&w, 0, sizeof w);
  memset(&a, 0, sizeof a);
  work_keys wk;
  memset(&wk, 0, sizeof wk);
  cm_buf kept = {0}, cand = {0}; /* cand: candidates of every round, at the patents' owners */
  cm_outbox ob = {0};
  int rc = select_keys(c, &w, &a, has_doi, &wk, &kept);
  if (rc == CM_OK) rc = cm_outbox_init(&ob, c->nranks);
  rc = cm_agree(c->comm, rc);
  uint64_t bytes = wk.bytes;
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_UINT64_T, MPI_MAX, c->comm));
  /* CITEMILL_TITLE_ROUND_BYTES (tests only) forces many rounds on small corpora */
  const char *env = getenv("CITEMILL_TITLE_ROUND_BYTES");
  uint64_t per_round = env && atoll(env) > 0 ? (uint64_t)atoll(env) : ROUND_BYTES;
  uint64_t rounds = (bytes + per_round - 1) / per_round;
  if (rounds < 1) rounds = 1;
  for (uint64_t r = 0; r < rounds && rc == CM_OK; r++) {
    rc = send_works(c, &ob, &w, &a, &wk, r, rounds);
    if (rc == CM_OK) rc = send_npl(c, &ob, &kept, r, rounds);
    cm_inbox in = {0}, in2 = {0};
    rc = cm_job_shuffle(c, rc, &ob, &in);
    if (rc == CM_OK) {
      rc = cm_job_shuffle(c, pair_keys(c, &in.data, &ob, hot_keys), &ob, &in2);
      cm_inbox_free(&in);
      in = in2;
    }
    if (rc == CM_OK) {
      rc = cm_buf_append(&cand, in.data.data, in.data.len);
      cm_inbox_free(&in);
    }
  }
  if (rc == CM_OK) rc = cm_agree(c->comm, verify(c, &cand, recs, &w));
  cm_buf_free(&cand);
  cm_buf_free(&kept);
  if (ob.to) cm_outbox_free(&ob);
  work_keys_free(&wk);
  words_free(&w);
  words_free(&a);
  return rc;
}
