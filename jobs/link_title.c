/* The title link method: NPL strings without a DOI, such as
 * "Smith J et al., Title, J. Appl. Phys., vol. 12, pp. 33-41, 2021" in any
 * order, quoting and case, matched to works by normalized title, confirmed
 * by year.
 *
 * Keys: a work with a title of at least KEY_WORDS words (cm_title_words)
 * has one key, the hash of its first KEY_WORDS words; an NPL string has one
 * key per word position (a sliding window of KEY_WORDS words), since the
 * title can sit anywhere in it. Both go to the key's owner, which pairs them
 * (a key shared by more than HOT_KEY works is skipped, and counted when
 * some string has it: such a common opening would make candidate pairs
 * explode, and titles that common are not identifying anyway). Candidates travel to the patent's owner,
 * which has the NPL text and verifies each one word by word:
 *  - full: every title word follows from the key's position on; accepted
 *    when the string names the work's year, or names no year at all;
 *  - truncated: at least KEY_WORDS words and half the title match and the
 *    string continues with "..." (or U+2026) there; accepted only when the
 *    string names the work's year.
 * Of the accepted candidates of one string, the longest match wins; two
 * different works tied for it (say, one title shared by two works whose
 * year the string does not name) give no link. The full-title comparison
 * also makes a 64-bit key collision harmless. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_bloom.h"
#include "cm_error.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"
#include "cm_jobs.h"

#define KEY_WORDS 5
#define HOT_KEY 64

typedef struct {
  cm_buf norm, words, scratch;
  size_t nw;
} words_t;

static void words_free(words_t *w) {
  cm_buf_free(&w->norm);
  cm_buf_free(&w->words);
  cm_buf_free(&w->scratch);
}

static uint32_t word_at(const words_t *w, size_t i, int field) {
  return CM_BUF_AT(&w->words, uint32_t, 4 * i + (size_t)field);
}

/* Key of words [i, i + KEY_WORDS) as they stand in norm: its fingerprint
 * (cm_key128; h2 is also the Bloom filters' key). Two different keys merge
 * only if both hashes collide (2^-128), and even then no wrong link can
 * follow: candidates are verified word by word. */
typedef cm_key128 title_key;

static const uint8_t *window(const words_t *w, size_t i, size_t *len) {
  uint32_t a = word_at(w, i, 0), e = word_at(w, i + KEY_WORDS - 1, 0) + word_at(w, i + KEY_WORDS - 1, 1);
  *len = e - a;
  return w->norm.data + a;
}

static title_key key_at(const words_t *w, size_t i) {
  size_t n;
  const uint8_t *p = window(w, i, &n);
  return cm_key128_of(p, n);
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
#define KEY_MSG_BYTES 33 /* h, h2, tag, patent row, entry, position */

static int in_round(title_key k, uint64_t round, uint64_t rounds) { return k.h2 % rounds == round; }

/* Per local work: its key, and has[i] = 0 (title shorter than a key),
 * KEYED, or WANTED (some kept window may have its key: it takes part). */
enum { KEYED = 1, WANTED = 2 };
typedef struct {
  title_key *key;
  uint8_t *has;
  uint64_t n_keys, bytes; /* bytes: upper bound of this rank's key messages */
} work_keys;

static void work_keys_free(work_keys *k) {
  free(k->key);
  free(k->has);
}

/* Pass 1: the key of every local work, into the filter. */
static int compute_work_keys(cm_ctx *c, words_t *w, work_keys *wk) {
  wk->key = malloc((c->w_n + 1) * sizeof *wk->key);
  wk->has = calloc(c->w_n + 1, 1);
  CM_ALLOC(wk->key, (c->w_n + 1) * sizeof *wk->key);
  CM_ALLOC(wk->has, c->w_n + 1);
  for (size_t i = 0; i < c->w_n; i++) {
    size_t tl;
    const uint8_t *t = cm_strcol_get(&c->w_title, i, &tl);
    CM_TRY(cm_title_words((const char *)t, tl, &w->norm, &w->words, &w->nw));
    if (w->nw < KEY_WORDS) continue;
    wk->key[i] = key_at(w, 0);
    wk->has[i] = KEYED;
    wk->n_keys++;
  }
  return CM_OK;
}

/* A window kept in pass 2. */
typedef struct {
  title_key k;
  uint64_t row;
  uint32_t entry, pos;
} npl_window;

/* Pass 2: windows of DOI-less NPL strings whose key may be a work's. */
#define WINDOW_BATCH 32
static int filter_npl(cm_ctx *c, words_t *w, const uint8_t *has_doi, const cm_bloom *works, cm_buf *kept) {
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
      /* windows in batches: hash and prefetch a batch's filter blocks,
       * then ask, so that the cache misses overlap */
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
          npl_window x = {{cm_hash(p, n), h2[k]}, c->p_lo + i, (uint32_t)e, (uint32_t)(at + k)};
          CM_TRY(cm_buf_append(kept, &x, sizeof x));
        }
      }
    }
  }
  return CM_OK;
}

/* Work side of one round: (key, tag 0, work row, year, id, normalized title)
 * for the works some kept window may match. */
static int send_works(cm_ctx *c, cm_outbox *ob, words_t *w, const work_keys *wk, uint64_t round,
                      uint64_t rounds) {
  for (size_t i = 0; i < c->w_n; i++) {
    if (wk->has[i] != WANTED || !in_round(wk->key[i], round, rounds)) continue;
    size_t tl, kl;
    const uint8_t *t = cm_strcol_get(&c->w_title, i, &tl);
    CM_TRY(cm_title_words((const char *)t, tl, &w->norm, &w->words, &w->nw));
    const uint8_t *id = cm_strcol_get(&c->w_key, i, &kl);
    int64_t year = CM_BUF_AT(&c->w_has_year, uint8_t, i) ? CM_BUF_AT(&c->w_year, int64_t, i) : 0;
    cm_buf *b = &ob->to[cm_owner(wk->key[i].h, c->nranks)];
    CM_TRY(put_key(b, wk->key[i], 0, c->w_lo + i));
    CM_TRY(cm_buf_push_i64(b, year));
    CM_TRY(cm_buf_push_u32(b, (uint32_t)kl));
    CM_TRY(cm_buf_append(b, id, kl));
    CM_TRY(cm_buf_push_u32(b, (uint32_t)w->norm.len));
    CM_TRY(cm_buf_append(b, w->norm.data, w->norm.len));
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
  int64_t year;
  uint32_t entry, pos;
  const uint8_t *id, *title;
  uint32_t id_len, title_len;
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

/* At the key's owner: candidates (patent row, entry, pos, work row, year,
 * id, title) to the patents' owners. */
static int pair_keys(cm_ctx *c, const cm_buf *data, cm_outbox *ob, uint64_t *hot) {
  size_t cap = data->len / 33 + 1, n = 0;
  key_item *it = calloc(cap, sizeof *it);
  CM_ALLOC(it, cap * sizeof *it);
  for (cm_cursor q = cm_cursor_of(data); cm_cursor_more(&q); n++) {
    key_item *x = &it[n];
    x->k.h = cm_cursor_u64(&q);
    x->k.h2 = cm_cursor_u64(&q);
    x->tag = cm_cursor_u8(&q);
    x->row = cm_cursor_u64(&q);
    if (x->tag == 0) {
      x->year = (int64_t)cm_cursor_u64(&q);
      x->id_len = cm_cursor_u32(&q);
      x->id = cm_cursor_bytes(&q, x->id_len);
      x->title_len = cm_cursor_u32(&q);
      x->title = cm_cursor_bytes(&q, x->title_len);
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
      for (size_t w = a; w < w_end && rc == CM_OK; w++) {
        cm_buf *b = &ob->to[cm_row_owner(c->p_bounds, c->nranks, it[p].row)];
        rc = cm_buf_push_u64(b, it[p].row);
        if (rc == CM_OK) rc = cm_buf_push_u32(b, it[p].entry);
        if (rc == CM_OK) rc = cm_buf_push_u32(b, it[p].pos);
        if (rc == CM_OK) rc = cm_buf_push_u64(b, it[w].row);
        if (rc == CM_OK) rc = cm_buf_push_i64(b, it[w].year);
        if (rc == CM_OK) rc = cm_buf_push_u32(b, it[w].id_len);
        if (rc == CM_OK) rc = cm_buf_append(b, it[w].id, it[w].id_len);
        if (rc == CM_OK) rc = cm_buf_push_u32(b, it[w].title_len);
        if (rc == CM_OK) rc = cm_buf_append(b, it[w].title, it[w].title_len);
      }
    a = e;
  }
  free(it);
  return rc;
}

typedef struct {
  uint64_t prow, wrow;
  uint32_t entry, pos;
  int64_t year;
  const uint8_t *id, *title;
  uint32_t id_len, title_len;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->prow != y->prow) return x->prow < y->prow ? -1 : 1;
  if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
  if (x->wrow != y->wrow) return x->wrow < y->wrow ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Years named in the string: standalone four-digit words 1900-2099. */
static int names_year(const words_t *w, int64_t year, int *any) {
  int hit = 0;
  *any = 0;
  for (size_t i = 0; i < w->nw; i++) {
    if (word_at(w, i, 1) != 4) continue;
    const uint8_t *p = w->norm.data + word_at(w, i, 0);
    int v = 0, ok = 1;
    for (int k = 0; k < 4; k++)
      ok &= p[k] >= '0' && p[k] <= '9', v = v * 10 + (p[k] - '0');
    if (!ok || v < 1900 || v > 2099) continue;
    *any = 1;
    hit |= v == year;
  }
  return hit;
}

/* Words of the title matching the string from word `pos` on. */
static size_t match_len(const words_t *w, uint32_t pos, const uint8_t *title, uint32_t tlen, size_t *twords) {
  size_t m = 0, i = pos, k = 0, nt = 1;
  for (uint32_t x = 0; x < tlen; x++)
    nt += title[x] == ' ';
  *twords = nt;
  while (k < tlen && i < w->nw) {
    size_t e = k;
    while (e < tlen && title[e] != ' ')
      e++;
    if (word_at(w, i, 1) != e - k || memcmp(w->norm.data + word_at(w, i, 0), title + k, e - k) != 0) break;
    m++, i++, k = e + 1;
  }
  return m;
}

/* The raw text continues with an ellipsis right after word i. */
static int ellipsis_after(const char *raw, size_t n, const words_t *w, size_t i) {
  size_t at = word_at(w, i, 2);
  while (at < n && raw[at] == ' ')
    at++;
  if (at + 3 <= n && memcmp(raw + at, "...", 3) == 0) return 1;
  return at + 3 <= n && memcmp(raw + at, "\xE2\x80\xA6", 3) == 0;
}

/* Verifies the candidates of one NPL string; appends the link, if any. */
static int decide(cm_ctx *c, const cand *k, size_t n, words_t *w, cm_buf *recs) {
  size_t first, cnt, l;
  cm_listcol_row(&c->p_npl, k[0].prow - c->p_lo, &first, &cnt);
  const char *raw = (const char *)cm_strcol_get(&c->p_npl.items, first + k[0].entry, &l);
  CM_TRY(cm_title_words(raw, l, &w->norm, &w->words, &w->nw));
  size_t best = 0, best_m = 0;
  int tie = 0;
  double conf = 0;
  for (size_t j = 0; j < n; j++) {
    size_t nt, m = match_len(w, k[j].pos, k[j].title, k[j].title_len, &nt);
    int any_year, year_ok = names_year(w, k[j].year, &any_year) && k[j].year != 0;
    double cf;
    if (m == nt && (year_ok || !any_year))
      cf = year_ok ? 0.99 : 0.8;
    else if (m < nt && m >= KEY_WORDS && 2 * m >= nt && year_ok &&
             ellipsis_after(raw, l, w, k[j].pos + m - 1))
      cf = 0.9;
    else
      continue;
    if (m > best_m)
      best = j, best_m = m, tie = 0, conf = cf;
    else if (m == best_m && k[j].wrow != k[best].wrow)
      tie = 1;
  }
  if (!best_m || tie) return CM_OK;
  return cm_link_record(recs, k[best].prow, k[best].wrow, CM_LINK_TITLE, conf, k[best].id, k[best].id_len);
}

static int verify(cm_ctx *c, const cm_buf *data, cm_buf *recs, words_t *w) {
  size_t cap = data->len / 36 + 1, n = 0;
  cand *k = malloc(cap * sizeof *k);
  CM_ALLOC(k, cap * sizeof *k);
  for (cm_cursor q = cm_cursor_of(data); cm_cursor_more(&q); n++) {
    k[n].prow = cm_cursor_u64(&q);
    k[n].entry = cm_cursor_u32(&q);
    k[n].pos = cm_cursor_u32(&q);
    k[n].wrow = cm_cursor_u64(&q);
    k[n].year = (int64_t)cm_cursor_u64(&q);
    k[n].id_len = cm_cursor_u32(&q);
    k[n].id = cm_cursor_bytes(&q, k[n].id_len);
    k[n].title_len = cm_cursor_u32(&q);
    k[n].title = cm_cursor_bytes(&q, k[n].title_len);
  }
  CM_TRY(cm_sort_by_u64(k, n, sizeof *k, offsetof(cand, prow), cand_cmp));
  int rc = CM_OK;
  for (size_t a = 0; a < n && rc == CM_OK;) {
    size_t e = a;
    while (e < n && k[e].prow == k[a].prow && k[e].entry == k[a].entry)
      e++;
    rc = decide(c, k + a, e - a, w, recs);
    a = e;
  }
  free(k);
  return rc;
}

/* Passes 1-3 (see above): fills the kept windows, marks the WANTED works and
 * sets wk->bytes. */
static int select_keys(cm_ctx *c, words_t *w, const uint8_t *has_doi, work_keys *wk, cm_buf *kept) {
  cm_bloom works = {0}, wanted = {0};
  int rc = compute_work_keys(c, w, wk);
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) return rc;
  CM_TRY(cm_bloom_init(c->comm, &works, wk->n_keys));
  for (size_t i = 0; i < c->w_n; i++)
    if (wk->has[i]) cm_bloom_add(&works, wk->key[i].h2);
  rc = cm_bloom_union(c->comm, &works);
  if (rc == CM_OK) rc = filter_npl(c, w, has_doi, &works, kept);
  cm_bloom_free(&works);
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) return rc;
  size_t n = CM_BUF_COUNT(kept, npl_window);
  CM_TRY(cm_bloom_init(c->comm, &wanted, n));
  for (size_t i = 0; i < n; i++)
    cm_bloom_add(&wanted, CM_BUF_AT(kept, npl_window, i).k.h2);
  rc = cm_bloom_union(c->comm, &wanted);
  wk->bytes = n * KEY_MSG_BYTES;
  for (size_t i = 0; rc == CM_OK && i < c->w_n; i++) {
    if (!wk->has[i] || !cm_bloom_has(&wanted, wk->key[i].h2)) continue;
    size_t tl, kl;
    cm_strcol_get(&c->w_title, i, &tl);
    cm_strcol_get(&c->w_key, i, &kl);
    wk->bytes += KEY_MSG_BYTES + 16 + tl + kl;
    wk->has[i] = WANTED;
  }
  cm_bloom_free(&wanted);
  return cm_agree(c->comm, rc);
}

int cm_title_links(cm_ctx *c, cm_buf *recs, const uint8_t *has_doi, uint64_t *hot_keys) {
  words_t w;
  memset(&w, 0, sizeof w);
  work_keys wk;
  memset(&wk, 0, sizeof wk);
  cm_buf kept = {0}, cand = {0}; /* cand: candidates of every round, at the patents' owners */
  cm_outbox ob = {0};
  int rc = select_keys(c, &w, has_doi, &wk, &kept);
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
    rc = send_works(c, &ob, &w, &wk, r, rounds);
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
  return rc;
}
