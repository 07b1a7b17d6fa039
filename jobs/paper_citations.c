/* paper_citations (SPEC 3, 5): per country of the list, its window works,
 * how many of them patents link to, the distinct linking patents, and the
 * links (distinct (patent, work) pairs of the enabled methods).
 *
 * Input: the links delivered to the works' owners (cm_links_to_works), one
 * per distinct pair, sorted by work row. Works and links per country are
 * counted there; distinct citing patents per country need one more shuffle,
 * by patent row, where each patent's country masks are OR-ed. */
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"

/* Bit k set when local work i is in the window and has country k. */
static uint64_t window_mask(const cm_ctx *c, size_t i) {
  if (!cm_work_in_window(c, i)) return 0;
  uint64_t mask = 0;
  size_t first, cnt;
  cm_listcol_row(&c->w_countries, i, &first, &cnt);
  for (size_t j = 0; j < cnt; j++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
    int k = cm_list_index(&c->par->countries, (const char *)p, l);
    if (k >= 0) mask |= 1ull << k;
  }
  return mask;
}

static int cmp_pair(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Not collective: distinct patents per country from the (patent row, mask)
 * pairs this rank owns. */
static int count_citing(const cm_inbox *in, int64_t *citing) {
  size_t np = in->data.len / 16;
  uint64_t(*pairs)[2] = malloc((np + 1) * 16);
  CM_ALLOC(pairs, (np + 1) * 16);
  if (np) memcpy(pairs, in->data.data, np * 16);
  int rc = cm_sort_by_u64(pairs, np, 16, 0, cmp_pair);
  for (size_t i = 0; i < np && rc == CM_OK;) {
    uint64_t m = 0;
    size_t e = i;
    while (e < np && pairs[e][0] == pairs[i][0])
      m |= pairs[e][1], e++;
    for (int k = 0; k < 64; k++)
      if (m >> k & 1) citing[k]++;
    i = e;
  }
  free(pairs);
  return rc;
}

/* Not collective: works and links per country at the works' owners, and a
 * (patent row, country mask) pair per link to the patent's owner. */
static int count_works(cm_ctx *c, const cm_work_links *wl, int64_t *works, int64_t *cited, int64_t *links,
                       cm_outbox *ob) {
  const cm_list *L = &c->par->countries;
  for (size_t i = 0; i < c->w_n; i++) {
    uint64_t m = window_mask(c, i);
    for (int k = 0; k < L->n; k++)
      if (m >> k & 1) works[k]++;
  }
  for (size_t i = 0; i < wl->n;) {
    size_t e = i;
    while (e < wl->n && wl->work_row[e] == wl->work_row[i])
      e++;
    uint64_t m = window_mask(c, wl->work_row[i] - c->w_lo);
    for (int k = 0; m && k < L->n; k++)
      if (m >> k & 1) cited[k]++, links[k] += (int64_t)(e - i);
    for (size_t j = i; m && j < e; j++) {
      cm_buf *b = &ob->to[cm_row_owner(c->p_bounds, c->nranks, wl->patent_row[j])];
      CM_TRY(cm_buf_push_u64(b, wl->patent_row[j]));
      CM_TRY(cm_buf_push_u64(b, m));
    }
    i = e;
  }
  return CM_OK;
}

/* Rank 0: the table from the summed counts. */
static int paper_table(const cm_list *L, const int64_t *total, const char *out, int64_t h5) {
  static const char *const cols[] = {"country", "works", "works_cited_by_patents", "citing_patents", "links"};
  cm_table t;
  int rc = cm_table_init(&t, "paper_citations", 5, cols);
  for (int k = 0; k < L->n && rc == CM_OK; k++) {
    rc = cm_table_cstr(&t, L->v[k]);
    for (int j = 0; j < 4 && rc == CM_OK; j++)
      rc = cm_table_i64(&t, total[4 * k + j]);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}

int cm_job_paper_citations(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  const cm_work_links *wl = &sh->wl;
  const cm_list *L = &c->par->countries;
  int64_t works[CM_MAX_LIST] = {0}, cited[CM_MAX_LIST] = {0}, links[CM_MAX_LIST] = {0};
  int64_t citing[CM_MAX_LIST] = {0};
  cm_outbox ob = {0};
  cm_inbox in = {0};
  int rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = count_works(c, wl, works, cited, links, &ob);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = count_citing(&in, citing);
  cm_inbox_free(&in);
  int64_t local[4 * CM_MAX_LIST], total[4 * CM_MAX_LIST];
  for (int k = 0; k < L->n; k++) {
    local[4 * k] = works[k];
    local[4 * k + 1] = cited[k];
    local[4 * k + 2] = citing[k];
    local[4 * k + 3] = links[k];
  }
  CM_TRY(cm_sum_to_root(c, rc, local, total, 4 * (size_t)L->n));
  return cm_agree(c->comm, c->rank == 0 ? paper_table(L, total, out, h5) : CM_OK);
}
