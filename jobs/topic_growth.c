/* topic_growth (SPEC 3, note 3): per primary topic of the window works, its
 * size and growth, the focus's and the partner's activity indexes, their
 * minimum (`mutual`), and the office-O patents linking to it by assignee
 * country.
 *
 * 1. Each rank aggregates its window works by topic key (a hash table), and
 *    sends one partial per topic to the key's owner (hash partitioning).
 * 2. Links whose patent is office-O with a focus or partner assignee are
 *    sent, with the work's topic, to the same owner; it counts distinct
 *    patents per topic.
 * 3. Totals (N, the focus's and partner's works with a topic) by reduction;
 *    topics with enough works go to rank 0, which orders them exactly
 *    (ratios of integers compared by cross-multiplication in 128 bits). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

typedef unsigned __int128 u128;

/* Per-topic counts: works, first- and last-year works, with focus, with partner. */
enum { T_N, T_FIRST, T_LAST, T_FOCUS, T_PARTNER, T_COUNTS };

/* Local window work i with a topic: its key, else n == 0. */
static cm_view topic_of(const cm_ctx *c, size_t i) {
  cm_view v = {NULL, 0};
  if (!cm_work_in_window(c, i)) return v;
  size_t l;
  v.p = cm_strcol_get(&c->w_topic_id, i, &l);
  v.n = (uint32_t)l;
  return v;
}

static cm_view field_of(const cm_ctx *c, size_t i) {
  size_t l;
  const uint8_t *p = cm_strcol_get(&c->field_dict, CM_BUF_AT(&c->w_field, uint32_t, i), &l);
  return (cm_view){p, (uint32_t)l};
}

/* The smaller of two non-empty names (empty loses). */
static cm_view min_name(cm_view a, cm_view b) {
  if (!a.n) return b;
  if (!b.n) return a;
  return cm_bytes_cmp(a.p, a.n, b.p, b.n) <= 0 ? a : b;
}

/* The field of a topic: the byte-wise smallest field key of its works,
 * `none` only when none of them has one. */
static cm_view min_field(cm_view a, cm_view b) {
  int a_none = a.n == 4 && memcmp(a.p, "none", 4) == 0, b_none = b.n == 4 && memcmp(b.p, "none", 4) == 0;
  if (!a.n || (a_none && !b_none)) return b;
  if (!b.n || (b_none && !a_none)) return a;
  return cm_bytes_cmp(a.p, a.n, b.p, b.n) <= 0 ? a : b;
}

/* One topic's partial counts on this rank. */
typedef struct {
  uint64_t h;
  cm_view key, name, field;
  uint64_t cnt[T_COUNTS];
  uint64_t pats[2]; /* at the owner: distinct linking patents, focus's and partner's */
} partial;

/* This rank's topics: open addressing on the key's hash (linear probing),
 * slots holding 1 + an index into `part` (0: empty). Works are scanned in
 * row order and each finds its topic's partial in a table that fits in
 * cache (a few thousand topics), where sorting every work by topic and then
 * reading its columns in that order would be cache misses. */
typedef struct {
  uint32_t *slot;
  size_t mask;
  partial *part;
  size_t n, cap;
} topic_table;

static void table_free(topic_table *t) {
  free(t->slot);
  free(t->part);
}

static int table_grow(topic_table *t) {
  size_t slots = t->slot ? 2 * (t->mask + 1) : 64; /* small: every test corpus regrows it */
  uint32_t *s = calloc(slots, sizeof *s);
  CM_ALLOC(s, slots * sizeof *s);
  for (size_t j = 0; j < t->n; j++) {
    size_t at = t->part[j].h & (slots - 1);
    while (s[at])
      at = (at + 1) & (slots - 1);
    s[at] = (uint32_t)(j + 1);
  }
  free(t->slot);
  t->slot = s;
  t->mask = slots - 1;
  t->cap = slots / 2; /* load factor at most 1/2 */
  partial *p = realloc(t->part, t->cap * sizeof *p);
  CM_ALLOC(p, t->cap * sizeof *p);
  t->part = p;
  return CM_OK;
}

/* The partial of topic key k (hash h), created empty when new. */
static int table_find(topic_table *t, uint64_t h, cm_view k, partial **out) {
  if (t->n == t->cap) CM_TRY(table_grow(t)); /* also the first time: both 0 */
  size_t at = h & t->mask;
  for (; t->slot[at]; at = (at + 1) & t->mask) {
    partial *p = &t->part[t->slot[at] - 1];
    if (p->h == h && p->key.n == k.n && memcmp(p->key.p, k.p, k.n) == 0) {
      *out = p;
      return CM_OK;
    }
  }
  if (t->n >= UINT32_MAX - 1) return CM_FAIL("too many distinct topics on one rank");
  partial *p = &t->part[t->n++];
  memset(p, 0, sizeof *p);
  p->h = h;
  p->key = k;
  t->slot[at] = (uint32_t)t->n;
  *out = p;
  return CM_OK;
}

/* Step 1: local partials per topic; totals[3] = N, focus's, partner's. The
 * owner sums the partials of a topic whatever order they arrive in (sums
 * and minimums), so the table's order does not reach the output. */
static int send_partials(cm_ctx *c, cm_outbox *ob, uint64_t totals[3]) {
  const cm_params *par = c->par;
  topic_table t;
  memset(&t, 0, sizeof t);
  int rc = CM_OK;
  for (size_t i = 0; i < c->w_n && rc == CM_OK; i++) {
    cm_view k = topic_of(c, i);
    if (!k.n) continue;
    partial *p = NULL;
    rc = table_find(&t, cm_hash(k.p, k.n), k, &p);
    if (rc != CM_OK) break;
    size_t l;
    int64_t y = CM_BUF_AT(&c->w_year, int64_t, i);
    const uint8_t *nm = cm_strcol_get(&c->w_topic_name, i, &l);
    p->name = min_name(p->name, (cm_view){nm, (uint32_t)l});
    p->field = min_field(p->field, field_of(c, i));
    p->cnt[T_N]++;
    p->cnt[T_FIRST] += y == par->window_first;
    p->cnt[T_LAST] += y == par->window_last;
    p->cnt[T_FOCUS] += (uint64_t)cm_work_has_country(c, i, par->focus);
    p->cnt[T_PARTNER] += (uint64_t)cm_work_has_country(c, i, par->partner);
  }
  for (size_t j = 0; j < t.n && rc == CM_OK; j++) {
    const partial *p = &t.part[j];
    totals[0] += p->cnt[T_N];
    totals[1] += p->cnt[T_FOCUS];
    totals[2] += p->cnt[T_PARTNER];
    cm_buf *b = &ob->to[cm_owner(p->h, c->nranks)];
    rc = cm_buf_push_u64(b, p->h);
    if (rc == CM_OK) rc = cm_buf_push_u8(b, 0);
    if (rc == CM_OK) rc = cm_view_put(b, p->key);
    if (rc == CM_OK) rc = cm_view_put(b, p->name);
    if (rc == CM_OK) rc = cm_view_put(b, p->field);
    for (int k = 0; k < T_COUNTS && rc == CM_OK; k++)
      rc = cm_buf_push_u64(b, p->cnt[k]);
  }
  table_free(&t);
  return rc;
}

/* Step 2: (topic, patent, flags) for links from office-O patents with a
 * focus or partner assignee to local window works with a topic. */
static int send_patents(cm_ctx *c, const cm_work_links *wl, cm_outbox *ob) {
  for (size_t j = 0; j < wl->n; j++) {
    if (!(wl->flags[j] & 1) || !(wl->flags[j] & 6)) continue;
    cm_view k = topic_of(c, wl->work_row[j] - c->w_lo);
    if (!k.n) continue;
    uint64_t h = cm_hash(k.p, k.n);
    cm_buf *b = &ob->to[cm_owner(h, c->nranks)];
    CM_TRY(cm_buf_push_u64(b, h));
    CM_TRY(cm_buf_push_u8(b, 1));
    CM_TRY(cm_view_put(b, k));
    CM_TRY(cm_buf_push_u64(b, wl->patent_row[j]));
    CM_TRY(cm_buf_push_u8(b, wl->flags[j]));
  }
  return CM_OK;
}

/* A linking patent at the owner: its row, its topic's index in the owner's
 * table, and its flags. */
typedef struct {
  uint64_t prow;
  uint32_t topic;
  uint8_t flags;
} topic_patent;

static int patent_cmp(const void *a, const void *b) {
  const topic_patent *x = a, *y = b;
  if (x->prow != y->prow) return x->prow < y->prow ? -1 : 1;
  return (x->topic > y->topic) - (x->topic < y->topic);
}

/* Step 3 at the owner: one row per topic with enough works, sent to rank 0:
 * key, name, field, then n, first, last, focus, partner, focus_patents,
 * partner_patents. The partials of a topic are summed in a table like
 * step 1's; its linking patents are sorted by (row, topic), so that the
 * entries of one patent and topic are adjacent (their flags are OR-ed) with
 * no key bytes compared. The rows reach rank 0 in the table's order, which
 * depends on the rank count; write_table orders them completely. */
static int merge_topics(cm_ctx *c, const cm_buf *data, cm_outbox *to_root) {
  topic_table t;
  memset(&t, 0, sizeof t);
  cm_buf pats = {0};
  int rc = CM_OK;
  for (cm_cursor q = {data->data, data->data + data->len}; cm_cursor_more(&q) && rc == CM_OK;) {
    uint64_t h = cm_cursor_u64(&q);
    uint8_t tag = cm_cursor_u8(&q);
    partial *p = NULL;
    rc = table_find(&t, h, cm_view_get(&q), &p);
    if (rc != CM_OK) break;
    if (tag == 0) {
      p->name = min_name(p->name, cm_view_get(&q));
      p->field = min_field(p->field, cm_view_get(&q));
      for (int k = 0; k < T_COUNTS; k++)
        p->cnt[k] += cm_cursor_u64(&q);
    } else {
      topic_patent x = {.topic = (uint32_t)(p - t.part)};
      x.prow = cm_cursor_u64(&q); /* in this order: an initializer list's calls are unsequenced */
      x.flags = cm_cursor_u8(&q);
      rc = cm_buf_append(&pats, &x, sizeof x);
    }
  }
  size_t n = CM_BUF_COUNT(&pats, topic_patent);
  topic_patent *x = (topic_patent *)pats.data;
  if (rc == CM_OK) rc = cm_sort_by_u64(x, n, sizeof *x, offsetof(topic_patent, prow), patent_cmp);
  for (size_t a = 0; a < n && rc == CM_OK;) {
    uint8_t f = 0; /* OR over the entries of one patent */
    size_t e = a;
    for (; e < n && x[e].prow == x[a].prow && x[e].topic == x[a].topic; e++)
      f |= x[e].flags;
    t.part[x[a].topic].pats[0] += (f & 2) != 0;
    t.part[x[a].topic].pats[1] += (f & 4) != 0;
    a = e;
  }
  for (size_t j = 0; j < t.n && rc == CM_OK; j++) {
    const partial *p = &t.part[j];
    if (p->cnt[T_N] == 0 || p->cnt[T_N] < (uint64_t)c->par->min_topic_works) continue;
    cm_buf *b = &to_root->to[0];
    rc = cm_view_put(b, p->key);
    if (rc == CM_OK) rc = cm_view_put(b, p->name);
    if (rc == CM_OK) rc = cm_view_put(b, p->field);
    for (int k = 0; k < T_COUNTS && rc == CM_OK; k++)
      rc = cm_buf_push_u64(b, p->cnt[k]);
    for (int k = 0; k < 2 && rc == CM_OK; k++)
      rc = cm_buf_push_u64(b, p->pats[k]);
  }
  cm_buf_free(&pats);
  table_free(&t);
  return rc;
}

/* ---- rank 0: order and print ---- */

typedef struct {
  cm_view key, name, field;
  uint64_t cnt[T_COUNTS], pats[2];
  int has_index[2], has_mutual, has_cagr;
  uint64_t inum[2], iden[2]; /* index = inum / iden */
  uint64_t mnum, mden;       /* mutual */
} topic_row;

/* a/b vs c/d for positive denominators: -1, 0, 1. */
static int frac_cmp(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  u128 l = (u128)a * d, r = (u128)c * b;
  return (l > r) - (l < r);
}

static int row_cmp(const void *pa, const void *pb) {
  const topic_row *x = pa, *y = pb;
  if (x->has_mutual != y->has_mutual) return x->has_mutual ? -1 : 1;
  if (x->has_mutual) {
    int c = frac_cmp(x->mnum, x->mden, y->mnum, y->mden);
    if (c) return -c;
  }
  if (x->has_cagr != y->has_cagr) return x->has_cagr ? -1 : 1;
  if (x->has_cagr) {
    int c = frac_cmp(x->cnt[T_LAST], x->cnt[T_FIRST], y->cnt[T_LAST], y->cnt[T_FIRST]);
    if (c) return -c;
  }
  return cm_bytes_cmp(x->key.p, x->key.n, y->key.p, y->key.n);
}

static int write_table(cm_ctx *c, const cm_buf *data, uint64_t totals[3], const char *out, int64_t h5) {
  const cm_params *par = c->par;
  size_t cap = data->len / 68 + 1, n = 0;
  topic_row *r = calloc(cap, sizeof *r);
  CM_ALLOC(r, cap * sizeof *r);
  uint64_t N = totals[0], of[2] = {totals[1], totals[2]}; /* works with a topic: all, focus's, partner's */
  int years = par->window_last - par->window_first;
  for (cm_cursor q = {data->data, data->data + data->len}; cm_cursor_more(&q); n++) {
    topic_row *x = &r[n];
    x->key = cm_view_get(&q);
    x->name = cm_view_get(&q);
    x->field = cm_view_get(&q);
    for (int k = 0; k < T_COUNTS; k++)
      x->cnt[k] = cm_cursor_u64(&q);
    for (int k = 0; k < 2; k++)
      x->pats[k] = cm_cursor_u64(&q);
    for (int k = 0; k < 2; k++) { /* (works_k / total_k) / (n / N) = works_k N / (total_k n) */
      x->has_index[k] = of[k] > 0 && N > 0;
      x->inum[k] = x->cnt[T_FOCUS + k] * N;
      x->iden[k] = of[k] * x->cnt[T_N];
    }
    x->has_mutual = x->has_index[0] && x->has_index[1];
    if (x->has_mutual) {
      int k = frac_cmp(x->inum[0], x->iden[0], x->inum[1], x->iden[1]) <= 0 ? 0 : 1;
      x->mnum = x->inum[k], x->mden = x->iden[k];
    }
    x->has_cagr = years > 0 && x->cnt[T_FIRST] > 0;
  }
  if (n) qsort(r, n, sizeof *r, row_cmp);
  static const char *const cols[] = {"rank",           "topic",         "name",        "field",
                                     "works",          "cagr",          "focus_works", "partner_works",
                                     "focus_index",    "partner_index", "mutual",      "focus_patents",
                                     "partner_patents"};
  cm_table t;
  CM_TRY(cm_table_init(&t, "topic_growth", 13, cols));
  int rc = CM_OK;
  for (size_t i = 0; i < n && i < (size_t)par->top_topics && rc == CM_OK; i++) {
    topic_row *x = &r[i];
    int def;
    double g = cm_cagr((int64_t)x->cnt[T_FIRST], (int64_t)x->cnt[T_LAST], years, &def);
    rc = cm_table_i64(&t, (int64_t)i + 1);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)x->key.p, x->key.n);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)x->name.p, x->name.n);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)x->field.p, x->field.n);
    if (rc == CM_OK) rc = cm_table_i64(&t, (int64_t)x->cnt[T_N]);
    if (rc == CM_OK) rc = cm_table_ratio(&t, g, def);
    if (rc == CM_OK) rc = cm_table_i64(&t, (int64_t)x->cnt[T_FOCUS]);
    if (rc == CM_OK) rc = cm_table_i64(&t, (int64_t)x->cnt[T_PARTNER]);
    for (int k = 0; k < 2 && rc == CM_OK; k++)
      rc = cm_table_ratio(&t, x->has_index[k] ? (double)x->inum[k] / (double)x->iden[k] : 0, x->has_index[k]);
    if (rc == CM_OK)
      rc = cm_table_ratio(&t, x->has_mutual ? (double)x->mnum / (double)x->mden : 0, x->has_mutual);
    for (int k = 0; k < 2 && rc == CM_OK; k++)
      rc = cm_table_i64(&t, (int64_t)x->pats[k]);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  free(r);
  return rc;
}

int cm_job_topic_growth(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  const cm_work_links *wl = &sh->wl;
  uint64_t totals[3] = {0};
  cm_outbox ob = {0};
  cm_inbox in = {0};
  int rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_partials(c, &ob, totals);
  if (rc == CM_OK) rc = send_patents(c, wl, &ob);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  if (rc == CM_OK) {
    rc = merge_topics(c, &in.data, &ob);
    cm_inbox_free(&in);
    rc = cm_job_shuffle(c, rc, &ob, &in);
  }
  if (rc == CM_OK && MPI_Allreduce(MPI_IN_PLACE, totals, 3, MPI_UINT64_T, MPI_SUM, c->comm) != MPI_SUCCESS)
    rc = CM_FAIL("MPI_Allreduce of the topic totals failed");
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = c->rank == 0 ? write_table(c, &in.data, totals, out, h5) : CM_OK;
  cm_inbox_free(&in);
  return cm_agree(c->comm, rc);
}
