/* top_assignees, assignee_growth and foreign_assignees (SPEC 3, 5).
 *
 * Rows send (canonical assignee, year, harmonized countries) for each
 * office-O window publication; citation owners send (assignee, citing row)
 * pairs. Both meet at the assignee's owner, which counts, picks the country,
 * counts distinct citers, and sends its candidates to rank 0: its local top N
 * (overall and foreign) and every assignee with at least --min-patents. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

#define MAX_YEARS 128

/* An assignee's message at its owner: h, h2, tag, then for a publication
 * (tag 0) the name, year and countries, for a citer (tag 1) only its row.
 * Groups are (h, h2) (cm_hash2): the sort and the grouping never read the
 * names' bytes (comparing equal names in a random order is cache misses),
 * and citer messages, most of the volume,
 * need not carry the name: every name a citer message is sent for is also
 * sent, with tag 0, by the rank holding the cited patent's row (both come
 * from cm_patent_assignees on that row), so each group starts with one. */
typedef struct {
  cm_key128 k;
  const uint8_t *key;
  uint32_t n;
  uint8_t tag; /* 0 publication, 1 citer */
  const uint8_t *body;
  uint64_t citer;
} agg_item;

static int item_cmp(const void *a, const void *b) {
  const agg_item *x = a, *y = b;
  int c = cm_key128_cmp(x->k, y->k);
  if (c) return c;
  if (x->tag != y->tag) return x->tag - y->tag;
  return (x->citer > y->citer) - (x->citer < y->citer);
}

typedef struct {
  const uint8_t *name;
  uint32_t n;
  int64_t patents, citing;
  const uint8_t *country;
  uint32_t cn;
  int64_t *years; /* one count per window year, in a block the owner of the array allocates */
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->patents != y->patents) return x->patents > y->patents ? -1 : 1;
  return cm_bytes_cmp(x->name, x->n, y->name, y->n);
}

static int is_foreign(const cm_params *par, const cand *a) {
  size_t ol = strlen(par->office);
  return a->cn > 0 && !(a->cn == ol && memcmp(a->country, par->office, ol) == 0);
}

static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Patent count of the k-th candidate in descending order (among the foreign
 * ones only, when foreign), or 0 when there are fewer than k. */
static int kth_count(const cm_params *par, const cand *v, size_t n, int64_t k, int foreign, int64_t *out) {
  uint64_t *c = malloc((n + 1) * sizeof *c);
  CM_ALLOC(c, (n + 1) * sizeof *c);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!foreign || is_foreign(par, &v[i])) c[m++] = UINT64_MAX - (uint64_t)v[i].patents; /* descending */
  int rc = cm_sort_by_u64(c, m, sizeof *c, 0, u64_cmp);
  *out = k > 0 && (size_t)k <= m ? (int64_t)(UINT64_MAX - c[k - 1]) : 0;
  free(c);
  return rc;
}

/* Keeps the candidates rank 0 can use: the first `top` in (patents desc,
 * name) order, the first `top` foreign ones, every one with min_patents or
 * more; that is, every one at or above the matching count thresholds (ties
 * at a threshold included, the name decides after the sort). Sorting every
 * assignee, most of them tied at one or two patents, took a fifth of the
 * job. */
static int keep_needed(const cm_params *par, cand *v, size_t *n) {
  int64_t t_all, t_for;
  CM_TRY(kth_count(par, v, *n, par->top, 0, &t_all));
  CM_TRY(kth_count(par, v, *n, par->top, 1, &t_for));
  size_t w = 0;
  for (size_t i = 0; i < *n; i++)
    if (v[i].patents >= t_all || v[i].patents >= par->min_patents ||
        (v[i].patents >= t_for && is_foreign(par, &v[i])))
      v[w++] = v[i];
  *n = w;
  return CM_OK;
}

static int put_cand(cm_buf *b, uint8_t list, const cand *c, int ny) {
  CM_TRY(cm_buf_push_u8(b, list));
  CM_TRY(cm_buf_push_u32(b, c->n));
  CM_TRY(cm_buf_append(b, c->name, c->n));
  CM_TRY(cm_buf_push_i64(b, c->patents));
  CM_TRY(cm_buf_push_i64(b, c->citing));
  CM_TRY(cm_buf_push_u32(b, c->cn));
  CM_TRY(cm_buf_append(b, c->country, c->cn));
  return cm_buf_append(b, c->years, (size_t)ny * 8);
}

static const uint8_t *get_cand(const uint8_t *p, uint8_t *list, cand *c, int ny) {
  *list = p[0];
  memcpy(&c->n, p + 1, 4);
  c->name = p + 5;
  p += 5 + c->n;
  memcpy(&c->patents, p, 8);
  memcpy(&c->citing, p + 8, 8);
  memcpy(&c->cn, p + 16, 4);
  c->country = p + 20;
  p += 20 + c->cn;
  memcpy(c->years, p, (size_t)ny * 8);
  return p + (size_t)ny * 8;
}

static int same_group(const agg_item *a, const agg_item *b) { return cm_key128_cmp(a->k, b->k) == 0; }

/* Owner side: one candidate per assignee group (sized by the groups, not
 * the items: a candidate per item was the largest allocation of analyze). */
static int aggregate(cm_ctx *c, agg_item *it, size_t cnt, int ny, cand **out, int64_t **years_out,
                     size_t *nout) {
  size_t ng = 0;
  for (size_t i = 0; i < cnt; i++)
    ng += i == 0 || !same_group(&it[i], &it[i - 1]);
  cand *v = calloc(ng + 1, sizeof *v);
  int64_t *yb = calloc((ng + 1) * (size_t)ny, sizeof *yb);
  if (!v || !yb) {
    free(v);
    free(yb);
    return CM_FAIL("out of memory for %zu assignees", ng);
  }
  cm_view *cs = NULL;
  size_t cs_cap = 0, n = 0;
  for (size_t i = 0; i < cnt;) {
    size_t e = i + 1;
    while (e < cnt && same_group(&it[e], &it[i]))
      e++;
    if (it[i].tag != 0) { /* no publication: cannot happen (see agg_item), and would not count */
      i = e;
      continue;
    }
    cand *a = &v[n];
    a->years = yb + n * (size_t)ny;
    n++;
    a->name = it[i].key;
    a->n = it[i].n;
    size_t ncs = 0;
    uint64_t prev = UINT64_MAX;
    for (size_t j = i; j < e; j++) {
      if (it[j].tag == 1) {
        if (it[j].citer != prev) a->citing++;
        prev = it[j].citer;
        continue;
      }
      a->patents++;
      int64_t year;
      memcpy(&year, it[j].body, 8);
      a->years[year - c->par->window_first]++;
      uint32_t nc;
      memcpy(&nc, it[j].body + 8, 4);
      const uint8_t *q = it[j].body + 12;
      for (uint32_t k = 0; k < nc; k++) {
        if (ncs == cs_cap) {
          cs_cap = cs_cap ? cs_cap * 2 : 64;
          cm_view *ncv = realloc(cs, cs_cap * sizeof *cs);
          CM_ALLOC(ncv, cs_cap * sizeof *cs);
          cs = ncv;
        }
        memcpy(&cs[ncs].n, q, 4);
        cs[ncs++].p = q + 4;
        q += 4 + cs[ncs - 1].n;
      }
    }
    /* most frequent harmonized country (tie: byte-wise smallest) */
    cm_views_sort(cs, ncs);
    size_t best = 0;
    for (size_t j = 0; j < ncs;) {
      size_t f = j + 1;
      while (f < ncs && cm_view_cmp(&cs[f], &cs[j]) == 0)
        f++;
      if (f - j > best) best = f - j, a->country = cs[j].p, a->cn = cs[j].n;
      j = f;
    }
    if (!a->country) a->country = (const uint8_t *)"", a->cn = 0;
    i = e;
  }
  free(cs);
  *out = v;
  *years_out = yb;
  *nout = n;
  return CM_OK;
}

static int emit_tables(cm_ctx *c, cm_inbox *in, int ny, int64_t office_total, const char *out, int64_t h5) {
  const cm_params *par = c->par;
  size_t n[3] = {0, 0, 0};
  size_t maxn = in->data.len / 25 + 1; /* every candidate record is >= 25 bytes */
  cand *lists[3];
  for (int k = 0; k < 3; k++) {
    lists[k] = malloc(maxn * sizeof(cand));
    CM_ALLOC(lists[k], maxn * sizeof(cand));
  }
  int64_t *yb = malloc(maxn * (size_t)ny * sizeof *yb), *ynext = yb;
  CM_ALLOC(yb, maxn * (size_t)ny * sizeof *yb);
  for (const uint8_t *p = in->data.data; p < in->data.data + in->data.len;) {
    uint8_t l;
    cand x;
    x.years = ynext;
    ynext += ny;
    p = get_cand(p, &l, &x, ny);
    lists[l][n[l]++] = x;
  }
  for (int k = 0; k < 3; k++)
    if (n[k]) qsort(lists[k], n[k], sizeof(cand), cand_cmp);
  static const char *const top_cols[] = {"rank", "assignee", "type", "patents", "citing_patents"};
  static const char *const for_cols[] = {"rank", "assignee", "type", "patents", "citing_patents", "country"};
  cm_table t;
  int rc = CM_OK;
  for (int k = 0; k < 2 && rc == CM_OK; k++) {
    CM_TRY(cm_table_init(&t, k ? "foreign_assignees" : "top_assignees", k ? 6 : 5, k ? for_cols : top_cols));
    for (size_t i = 0; i < n[k] && (int64_t)i < par->top; i++) {
      const cand *a = &lists[k][i];
      CM_TRY(cm_table_i64(&t, (int64_t)i + 1));
      CM_TRY(cm_table_str(&t, (const char *)a->name, a->n));
      CM_TRY(cm_table_cstr(&t, cm_assignee_type(c->aliases, (const char *)a->name, a->n)));
      CM_TRY(cm_table_i64(&t, a->patents));
      CM_TRY(cm_table_i64(&t, a->citing));
      if (k) CM_TRY(cm_table_str(&t, (const char *)a->country, a->cn));
    }
    rc = cm_table_save(&t, out, h5);
    cm_table_free(&t);
  }
  /* assignee_growth */
  char names[MAX_YEARS][16];
  const char *cols[MAX_YEARS + 8];
  int nc = 0;
  cols[nc++] = "assignee";
  cols[nc++] = "type";
  for (int y = 0; y < ny; y++) {
    snprintf(names[y], sizeof names[y], "n%d", par->window_first + y);
    cols[nc++] = names[y];
  }
  cols[nc++] = "patents";
  cols[nc++] = "share";
  cols[nc++] = "cagr";
  cols[nc++] = "quadrant";
  CM_TRY(cm_table_init(&t, "assignee_growth", nc, cols));
  for (size_t i = 0; i < n[2] && rc == CM_OK; i++) {
    const cand *a = &lists[2][i];
    CM_TRY(cm_table_str(&t, (const char *)a->name, a->n));
    CM_TRY(cm_table_cstr(&t, cm_assignee_type(c->aliases, (const char *)a->name, a->n)));
    for (int y = 0; y < ny; y++)
      CM_TRY(cm_table_i64(&t, a->years[y]));
    CM_TRY(cm_table_i64(&t, a->patents));
    CM_TRY(
        cm_table_ratio(&t, office_total ? (double)a->patents / (double)office_total : 0, office_total > 0));
    int def;
    double g = cm_cagr(a->years[0], a->years[ny - 1], ny - 1, &def);
    CM_TRY(cm_table_ratio(&t, g, def));
    const char *q = "n/a";
    if (def) {
      int hi_n = a->patents >= par->bcg_count, hi_g = g >= par->bcg_cagr;
      q = hi_n ? (hi_g ? "Star" : "Cash cow") : (hi_g ? "Question mark" : "Dog");
    }
    CM_TRY(cm_table_cstr(&t, q));
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  for (int k = 0; k < 3; k++)
    free(lists[k]);
  free(yb);
  return rc;
}

/* Not collective: a publication message for each canonical assignee of each
 * local office-O window patent, and a citer message for each citing
 * publication of the assignees of the patents this rank owns in cit. */
static int send_assignees(cm_ctx *c, const cm_citations *cit, cm_outbox *ob, int64_t *office_total) {
  int rc = CM_OK;
  *office_total = 0; /* also the row of cit->o_asg, cit->o_ctry */
  for (size_t i = 0; i < c->p_n; i++) {
    if (!cm_office_window(c, i)) continue; /* the same test that filled cit->o_asg */
    int64_t year = CM_BUF_AT(&c->p_year, int64_t, i);
    size_t first, cnt, ql;
    cm_listcol_row(&cit->o_asg, (size_t)*office_total, &first, &cnt);
    const uint8_t *q = cm_strcol_get(&cit->o_ctry, (size_t)*office_total, &ql);
    (*office_total)++;
    for (size_t j = 0; j < cnt; j++) {
      size_t kl;
      const uint8_t *k = cm_strcol_get(&cit->o_asg.items, first + j, &kl);
      uint32_t nc;
      memcpy(&nc, q, 4);
      const uint8_t *qs = q;
      q += 4;
      for (uint32_t m = 0; m < nc; m++) {
        uint32_t L;
        memcpy(&L, q, 4);
        q += 4 + L;
      }
      cm_key128 h = cm_key128_of(k, kl);
      cm_buf *b = &ob->to[cm_owner(h.h, c->nranks)];
      CM_TRY_TO(rc, cm_key128_push(b, h), done);
      CM_TRY_TO(rc, cm_buf_push_u8(b, 0), done);
      CM_TRY_TO(rc, cm_buf_push_u32(b, (uint32_t)kl), done);
      CM_TRY_TO(rc, cm_buf_append(b, k, kl), done);
      CM_TRY_TO(rc, cm_buf_push_i64(b, year), done);
      CM_TRY_TO(rc, cm_buf_append(b, qs, (size_t)(q - qs)), done);
    }
  }
  for (size_t b = 0; b < cit->n; b++) {
    size_t first, cnt;
    cm_listcol_row(&cit->assignees, b, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t kl;
      const uint8_t *k = cm_strcol_get(&cit->assignees.items, first + j, &kl);
      cm_key128 h = cm_key128_of(k, kl);
      cm_buf *ob_b = &ob->to[cm_owner(h.h, c->nranks)];
      for (uint64_t a = cit->first[b]; a < cit->first[b + 1]; a++) {
        CM_TRY_TO(rc, cm_key128_push(ob_b, h), done);
        CM_TRY_TO(rc, cm_buf_push_u8(ob_b, 1), done);
        CM_TRY_TO(rc, cm_buf_push_u64(ob_b, cit->citer[a]), done);
      }
    }
  }
done:
  return rc;
}

/* Not collective: the owner's side. Groups the received messages by
 * assignee and puts the candidates rank 0 needs into ob->to[0]. */
/* Not collective: the received messages as items (views into in). */
static int parse_items(const cm_inbox *in, cm_buf *items) {
  for (cm_cursor q = cm_cursor_of(&in->data); cm_cursor_more(&q);) {
    agg_item x = {0};
    memcpy(&x.k, cm_cursor_bytes(&q, 16), 16);
    x.tag = cm_cursor_u8(&q);
    if (x.tag == 1) {
      x.citer = cm_cursor_u64(&q);
    } else { /* the name, then year i64 and the countries (u32 count, then u32 length + bytes) */
      x.n = cm_cursor_u32(&q);
      x.key = cm_cursor_bytes(&q, x.n);
      x.body = q.p;
      cm_cursor_u64(&q);
      for (uint32_t k = 0, nc = cm_cursor_u32(&q); k < nc; k++)
        cm_cursor_bytes(&q, cm_cursor_u32(&q));
    }
    CM_TRY(cm_buf_append(items, &x, sizeof x));
  }
  return CM_OK;
}

static int owner_candidates(cm_ctx *c, const cm_inbox *in, int ny, cm_outbox *ob) {
  const cm_params *par = c->par;
  cm_buf items = {0};
  if (parse_items(in, &items) != CM_OK) {
    cm_buf_free(&items);
    return CM_ERR;
  }
  agg_item *it = (agg_item *)items.data;
  size_t cnt = CM_BUF_COUNT(&items, agg_item);
  cand *v = NULL;
  int64_t *years = NULL;
  size_t nv = 0;
  int rc = cm_sort_by_u64(it, cnt, sizeof *it, offsetof(agg_item, k.h), item_cmp);
  if (rc == CM_OK) rc = aggregate(c, it, cnt, ny, &v, &years, &nv);
  if (rc == CM_OK) rc = keep_needed(par, v, &nv);
  if (rc == CM_OK && nv) qsort(v, nv, sizeof *v, cand_cmp);
  int64_t top = par->top, nf = 0;
  for (size_t i = 0; i < nv && rc == CM_OK; i++) {
    if ((int64_t)i < top) rc = put_cand(&ob->to[0], 0, &v[i], ny);
    int foreign = is_foreign(par, &v[i]);
    if (rc == CM_OK && foreign && nf < top) {
      rc = put_cand(&ob->to[0], 1, &v[i], ny);
      nf++;
    }
    if (rc == CM_OK && v[i].patents >= par->min_patents) rc = put_cand(&ob->to[0], 2, &v[i], ny);
  }
  free(v);
  free(years);
  cm_buf_free(&items);
  return rc;
}

int cm_job_assignee_tables(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  const cm_citations *cit = &sh->cit;
  const cm_params *par = c->par;
  int ny = par->window_last - par->window_first + 1;
  cm_outbox ob = {0};
  cm_inbox in = {0}, cands = {0};
  int64_t office_total = 0, office_all = 0;
  int rc = ny > MAX_YEARS ? CM_FAIL("--window spans more than %d years", MAX_YEARS) : CM_OK;
  if (rc == CM_OK) rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_assignees(c, cit, &ob, &office_total);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  if (rc == CM_OK &&
      MPI_Allreduce(&office_total, &office_all, 1, MPI_INT64_T, MPI_SUM, c->comm) != MPI_SUCCESS)
    rc = CM_FAIL("MPI_Allreduce of the office's patent count failed");
  if (rc == CM_OK) {
    rc = cm_job_shuffle(c, owner_candidates(c, &in, ny, &ob), &ob, &cands);
    cm_inbox_free(&in);
  }
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc; /* agreed, or a failure inside a collective */
  rc = c->rank == 0 ? emit_tables(c, &cands, ny, office_all, out, h5) : CM_OK;
  cm_inbox_free(&cands);
  return cm_agree(c->comm, rc);
}
