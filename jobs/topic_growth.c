/* topic_growth (SPEC 3, note 3): per primary topic of the window works, its
 * size and growth, the focus's and the partner's activity indexes, their
 * minimum (`mutual`), and the office-O patents linking to it by assignee
 * country.
 *
 * 1. Each rank aggregates its window works by topic key (local sort), and
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

#include "../pipeline/cm_error.h"
#include "../pipeline/cm_shuffle.h"
#include "../pipeline/cm_sort.h"
#include "../pipeline/cm_text.h"
#include "cm_jobs.h"

typedef unsigned __int128 u128;

/* Per-topic counts: works, first- and last-year works, with focus, with partner. */
enum { T_N, T_FIRST, T_LAST, T_FOCUS, T_PARTNER, T_COUNTS };

typedef struct {
  uint64_t h;
  cm_view key, name, field;
  uint8_t tag; /* 0 partial counts, 1 linking patent */
  uint64_t cnt[T_COUNTS];
  uint64_t prow;
  uint8_t flags;
} topic_item;

static int item_cmp(const void *a, const void *b) {
  const topic_item *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  int c = cm_bytes_cmp(x->key.p, x->key.n, y->key.p, y->key.n);
  if (c) return c;
  if (x->tag != y->tag) return x->tag - y->tag;
  return (x->prow > y->prow) - (x->prow < y->prow);
}

static int has_country(const cm_ctx *c, size_t i, const char *code) {
  if (!code) return 0;
  size_t first, cnt, cl = strlen(code);
  cm_listcol_row(&c->w_countries, i, &first, &cnt);
  for (size_t j = 0; j < cnt; j++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
    if (l == cl && memcmp(p, code, l) == 0) return 1;
  }
  return 0;
}

/* Local window work i with a topic: its key, else n == 0. */
static cm_view topic_of(const cm_ctx *c, size_t i) {
  cm_view v = {NULL, 0};
  if (!CM_BUF_AT(&c->w_has_year, uint8_t, i) || !cm_in_window(c->cfg, CM_BUF_AT(&c->w_year, int64_t, i)))
    return v;
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

static int put_view(cm_buf *b, cm_view v) {
  CM_TRY(cm_buf_push_u32(b, v.n));
  return cm_buf_append(b, v.p, v.n);
}

static cm_view get_view(cm_cursor *q) {
  cm_view v;
  v.n = cm_cursor_u32(q);
  v.p = cm_cursor_bytes(q, v.n);
  return v;
}

typedef struct {
  uint64_t h; /* of key: works are grouped by hash first (cm_sort) */
  size_t i;
  cm_view key;
} local_ref;

static int ref_cmp(const void *a, const void *b) {
  const local_ref *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  int c = cm_bytes_cmp(x->key.p, x->key.n, y->key.p, y->key.n);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Step 1: local partials per topic; totals[3] = N, focus's, partner's. */
static int send_partials(cm_ctx *c, cm_outbox *ob, uint64_t totals[3]) {
  const cm_config *cfg = c->cfg;
  local_ref *r = malloc((c->w_n + 1) * sizeof *r);
  CM_ALLOC(r, (c->w_n + 1) * sizeof *r);
  size_t n = 0;
  for (size_t i = 0; i < c->w_n; i++) {
    cm_view k = topic_of(c, i);
    if (k.n) r[n++] = (local_ref){cm_hash(k.p, k.n), i, k};
  }
  CM_TRY(cm_sort_by_u64(r, n, sizeof *r, offsetof(local_ref, h), ref_cmp));
  int rc = CM_OK;
  for (size_t a = 0; a < n && rc == CM_OK;) {
    uint64_t cnt[T_COUNTS] = {0};
    cm_view name = {NULL, 0}, field = {NULL, 0};
    size_t e = a;
    for (; e < n && r[e].h == r[a].h && cm_bytes_cmp(r[e].key.p, r[e].key.n, r[a].key.p, r[a].key.n) == 0;
         e++) {
      size_t i = r[e].i, l;
      int64_t y = CM_BUF_AT(&c->w_year, int64_t, i);
      const uint8_t *nm = cm_strcol_get(&c->w_topic_name, i, &l);
      name = min_name(name, (cm_view){nm, (uint32_t)l});
      field = min_field(field, field_of(c, i));
      int f = has_country(c, i, cfg->focus), p = has_country(c, i, cfg->partner);
      cnt[T_N]++;
      cnt[T_FIRST] += y == cfg->window_first;
      cnt[T_LAST] += y == cfg->window_last;
      cnt[T_FOCUS] += (uint64_t)f;
      cnt[T_PARTNER] += (uint64_t)p;
    }
    totals[0] += cnt[T_N];
    totals[1] += cnt[T_FOCUS];
    totals[2] += cnt[T_PARTNER];
    uint64_t h = r[a].h;
    cm_buf *b = &ob->to[cm_owner(h, c->nranks)];
    rc = cm_buf_push_u64(b, h);
    if (rc == CM_OK) rc = cm_buf_push_u8(b, 0);
    if (rc == CM_OK) rc = put_view(b, r[a].key);
    if (rc == CM_OK) rc = put_view(b, name);
    if (rc == CM_OK) rc = put_view(b, field);
    for (int k = 0; k < T_COUNTS && rc == CM_OK; k++)
      rc = cm_buf_push_u64(b, cnt[k]);
    a = e;
  }
  free(r);
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
    CM_TRY(put_view(b, k));
    CM_TRY(cm_buf_push_u64(b, wl->patent_row[j]));
    CM_TRY(cm_buf_push_u8(b, wl->flags[j]));
  }
  return CM_OK;
}

/* Step 3 at the owner: one row per topic with enough works, sent to rank 0:
 * key, name, field, then n, first, last, focus, partner, focus_patents,
 * partner_patents. */
static int merge_topics(cm_ctx *c, const cm_buf *data, cm_outbox *to_root) {
  size_t cap = data->len / 21 + 1, n = 0;
  topic_item *it = calloc(cap, sizeof *it);
  CM_ALLOC(it, cap * sizeof *it);
  for (cm_cursor q = {data->data, data->data + data->len}; cm_cursor_more(&q); n++) {
    topic_item *x = &it[n];
    x->h = cm_cursor_u64(&q);
    x->tag = cm_cursor_u8(&q);
    x->key = get_view(&q);
    if (x->tag == 0) {
      x->name = get_view(&q);
      x->field = get_view(&q);
      for (int k = 0; k < T_COUNTS; k++)
        x->cnt[k] = cm_cursor_u64(&q);
    } else {
      x->prow = cm_cursor_u64(&q);
      x->flags = cm_cursor_u8(&q);
    }
  }
  CM_TRY(cm_sort_by_u64(it, n, sizeof *it, offsetof(topic_item, h), item_cmp));
  int rc = CM_OK;
  for (size_t a = 0; a < n && rc == CM_OK;) {
    size_t e = a;
    uint64_t cnt[T_COUNTS] = {0}, pats[2] = {0};
    cm_view name = {NULL, 0}, field = {NULL, 0};
    for (;
         e < n && it[e].h == it[a].h && cm_bytes_cmp(it[e].key.p, it[e].key.n, it[a].key.p, it[a].key.n) == 0;
         e++) {
      if (it[e].tag == 0) {
        for (int k = 0; k < T_COUNTS; k++)
          cnt[k] += it[e].cnt[k];
        name = min_name(name, it[e].name);
        field = min_field(field, it[e].field);
        continue;
      }
      uint8_t f = it[e].flags; /* OR over the entries of one patent */
      size_t s = e;
      while (e + 1 < n && it[e + 1].tag == 1 && it[e + 1].prow == it[s].prow && it[e + 1].h == it[s].h &&
             cm_bytes_cmp(it[e + 1].key.p, it[e + 1].key.n, it[s].key.p, it[s].key.n) == 0)
        f |= it[++e].flags;
      pats[0] += (f & 2) != 0;
      pats[1] += (f & 4) != 0;
    }
    if (cnt[T_N] > 0 && cnt[T_N] >= (uint64_t)c->cfg->min_topic_works) {
      cm_buf *b = &to_root->to[0];
      rc = put_view(b, it[a].key);
      if (rc == CM_OK) rc = put_view(b, name);
      if (rc == CM_OK) rc = put_view(b, field);
      for (int k = 0; k < T_COUNTS && rc == CM_OK; k++)
        rc = cm_buf_push_u64(b, cnt[k]);
      for (int k = 0; k < 2 && rc == CM_OK; k++)
        rc = cm_buf_push_u64(b, pats[k]);
    }
    a = e;
  }
  free(it);
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
  const cm_config *cfg = c->cfg;
  size_t cap = data->len / 68 + 1, n = 0;
  topic_row *r = calloc(cap, sizeof *r);
  CM_ALLOC(r, cap * sizeof *r);
  uint64_t N = totals[0], of[2] = {totals[1], totals[2]}; /* works with a topic: all, focus's, partner's */
  int years = cfg->window_last - cfg->window_first;
  for (cm_cursor q = {data->data, data->data + data->len}; cm_cursor_more(&q); n++) {
    topic_row *x = &r[n];
    x->key = get_view(&q);
    x->name = get_view(&q);
    x->field = get_view(&q);
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
  for (size_t i = 0; i < n && i < (size_t)cfg->top_topics && rc == CM_OK; i++) {
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

int cm_job_topic_growth(cm_ctx *c, const cm_work_links *wl, const char *out, int64_t h5) {
  uint64_t totals[3] = {0};
  cm_outbox ob;
  CM_TRY(cm_outbox_init(&ob, c->nranks));
  int rc = send_partials(c, &ob, totals);
  if (rc == CM_OK) rc = send_patents(c, wl, &ob);
  int any;
  CM_MPI(MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, c->comm));
  if (any) {
    cm_outbox_free(&ob);
    return CM_ERR;
  }
  cm_inbox in;
  CM_TRY(cm_shuffle(c->comm, &ob, &in));
  c->bytes_shuffled += in.bytes_sent;
  rc = merge_topics(c, &in.data, &ob);
  cm_inbox_free(&in);
  CM_MPI(MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, c->comm));
  if (any) {
    cm_outbox_free(&ob);
    return CM_ERR;
  }
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, totals, 3, MPI_UINT64_T, MPI_SUM, c->comm));
  CM_TRY(cm_shuffle(c->comm, &ob, &in));
  c->bytes_shuffled += in.bytes_sent;
  cm_outbox_free(&ob);
  rc = c->rank == 0 ? write_table(c, &in.data, totals, out, h5) : CM_OK;
  cm_inbox_free(&in);
  return rc;
}
