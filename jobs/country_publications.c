/* country_publications: output, citations and the highly cited shares
 * (PP(top 10 %), PP(top 1 %), fractional tie rule, SPEC 2).
 *
 * 1. Local histograms (year, field, cited_by_count) -> count go to the
 *    cohort's owner, which finds each cohort's thresholds exactly in integers.
 * 2. The (small) cohort parameters are all-gathered.
 * 3. Each rank counts, per (country, cohort), works above and at each
 *    threshold; rank 0 sums scores in cohort order, so the floating-point
 *    result does not depend on the rank count. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"

typedef struct {
  uint64_t key; /* (year, field, cites) packed in order, for cm_sort (see pack_keys); 0 if they do not fit */
  int64_t year;
  uint32_t field;
  int64_t cites;
  int64_t count;
} hist;

typedef struct {
  int64_t year;
  uint32_t field;
  int64_t n, t[2], le[2], eq[2]; /* [0] top 10 %, [1] top 1 % */
} cohort;

static int hist_cmp(const void *a, const void *b) {
  const hist *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->year != y->year) return x->year < y->year ? -1 : 1;
  if (x->field != y->field) return x->field < y->field ? -1 : 1;
  return (x->cites > y->cites) - (x->cites < y->cites);
}

static int cohort_cmp(const void *a, const void *b) {
  const cohort *x = a, *y = b;
  if (x->year != y->year) return x->year < y->year ? -1 : 1;
  return (x->field > y->field) - (x->field < y->field);
}

static const int PCT[2] = {10, 1};

/* Thresholds of one cohort from its sorted histogram h[0..n). */
static void thresholds(const hist *h, size_t n, cohort *c) {
  c->n = 0;
  for (size_t i = 0; i < n; i++)
    c->n += h[i].count;
  for (int k = 0; k < 2; k++) {
    int64_t le = 0;
    for (size_t i = 0; i < n; i++) {
      le += h[i].count;
      /* le / N >= 1 - x/100, exactly */
      if (100 * le >= (100 - PCT[k]) * c->n) {
        c->t[k] = h[i].cites;
        c->le[k] = le;
        c->eq[k] = h[i].count;
        break;
      }
    }
  }
}

static unsigned bits_of(uint64_t v) { return v ? 64u - (unsigned)__builtin_clzll(v) : 0; }

/* Packs (year, field, cites) of h[0..n) into h[i].key so that keys order as
 * hist_cmp does, which lets cm_sort radix-sort the histogram instead of
 * qsort comparing records field by field.
 * Where they do not fit 64 bits (negative citation counts, absurd spans),
 * every key is 0 and the comparator decides alone. */
static void pack_keys(hist *h, size_t n) {
  int64_t y0 = INT64_MAX, y1 = INT64_MIN, cmin = 0, cmax = 0;
  uint32_t fmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (h[i].year < y0) y0 = h[i].year;
    if (h[i].year > y1) y1 = h[i].year;
    if (h[i].field > fmax) fmax = h[i].field;
    if (h[i].cites < cmin) cmin = h[i].cites;
    if (h[i].cites > cmax) cmax = h[i].cites;
  }
  unsigned yb = n ? bits_of((uint64_t)(y1 - y0)) : 0, fb = bits_of(fmax), cb = bits_of((uint64_t)cmax);
  int fits = n && cmin >= 0 && y1 - y0 >= 0 && yb + fb + cb <= 64;
  for (size_t i = 0; i < n; i++)
    h[i].key = !fits ? 0
                     : ((uint64_t)(h[i].year - y0) << (fb + cb)) | ((uint64_t)h[i].field << cb) |
                           (uint64_t)h[i].cites;
}

/* Not collective: this rank's window works as a (year, field, cites)
 * histogram, combined, into each cohort's owner's outbox. */
static int send_histogram(cm_ctx *c, cm_outbox *ob) {
  hist *h = malloc((c->w_n + 1) * sizeof *h);
  CM_ALLOC(h, (c->w_n + 1) * sizeof *h);
  size_t n = 0;
  for (size_t i = 0; i < c->w_n; i++)
    if (cm_work_in_window(c, i))
      h[n++] = (hist){0, CM_BUF_AT(&c->w_year, int64_t, i), CM_BUF_AT(&c->w_field, uint32_t, i),
                      CM_BUF_AT(&c->w_cites, int64_t, i), 1};
  pack_keys(h, n);
  int rc = cm_sort_by_u64(h, n, sizeof *h, offsetof(hist, key), hist_cmp);
  for (size_t i = 0; i < n && rc == CM_OK;) { /* combine before sending */
    hist x = h[i];
    size_t e = i + 1;
    while (e < n && hist_cmp(&h[e], &h[i]) == 0)
      x.count++, e++;
    uint8_t key[12];
    memcpy(key, &x.year, 8);
    memcpy(key + 8, &x.field, 4);
    rc = cm_buf_append(&ob->to[cm_owner(cm_hash(key, 12), c->nranks)], &x, sizeof x);
    i = e;
  }
  free(h);
  return rc;
}

/* Not collective: the thresholds of the cohorts this rank owns, from the
 * histogram pieces it received, into mine. */
static int own_cohorts(const cm_inbox *in, cm_buf *mine) {
  size_t m = in->data.len / sizeof(hist);
  hist *r = malloc((m + 1) * sizeof *r);
  CM_ALLOC(r, (m + 1) * sizeof *r);
  memcpy(r, in->data.data, m * sizeof *r);
  for (size_t i = 0; i < m; i++)
    r[i].key = 0; /* each rank packed its own way: the fields decide here */
  if (m) qsort(r, m, sizeof *r, hist_cmp);
  int rc = CM_OK;
  for (size_t i = 0; i < m && rc == CM_OK;) {
    size_t e = i;
    while (e < m && r[e].year == r[i].year && r[e].field == r[i].field)
      e++;
    /* merge equal citation counts that came from different ranks */
    size_t w = i;
    for (size_t j = i + 1; j < e; j++) {
      if (r[j].cites == r[w].cites)
        r[w].count += r[j].count;
      else
        r[++w] = r[j];
    }
    cohort co = {r[i].year, r[i].field, 0, {0, 0}, {0, 0}, {0, 0}};
    thresholds(r + i, w - i + 1, &co);
    rc = cm_buf_append(mine, &co, sizeof co);
    i = e;
  }
  free(r);
  return rc;
}

/* Collective: every rank gets all cohorts, sorted by (year, field code). */
static int build_cohorts(cm_ctx *c, cohort **out, size_t *nout) {
  cm_outbox ob = {0};
  cm_inbox in = {0};
  cm_buf mine = {0}, all = {0};
  int rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_histogram(c, &ob);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = cm_agree(c->comm, own_cohorts(&in, &mine));
  cm_inbox_free(&in);
  if (rc == CM_OK) rc = cm_allgather_bytes(c->comm, &mine, &all);
  cm_buf_free(&mine);
  if (rc != CM_OK) return rc;
  *nout = all.len / sizeof(cohort);
  *out = (cohort *)all.data; /* caller frees */
  if (*nout) qsort(*out, *nout, sizeof(cohort), cohort_cmp);
  return CM_OK;
}

/* Not collective: per country, publications and citations, then per
 * cohort the works above and at each threshold, into v (stride per country). */
static int count_countries(const cm_ctx *c, const cohort *co, size_t nco, size_t stride, int64_t *v) {
  const cm_list *L = &c->par->countries;
  for (size_t i = 0; i < c->w_n; i++) {
    if (!cm_work_in_window(c, i)) continue;
    cohort key = {CM_BUF_AT(&c->w_year, int64_t, i), CM_BUF_AT(&c->w_field, uint32_t, i), 0, {0}, {0}, {0}};
    const cohort *k = bsearch(&key, co, nco, sizeof *co, cohort_cmp);
    if (!k) return CM_FAIL("internal error: work cohort not found");
    size_t ci = (size_t)(k - co);
    int64_t cites = CM_BUF_AT(&c->w_cites, int64_t, i);
    for (int j = 0; j < L->n; j++) {
      if (!cm_work_has_country(c, i, L->v[j])) continue;
      int64_t *row = v + stride * (size_t)j;
      row[0]++;
      row[1] += cites;
      for (int p = 0; p < 2; p++) {
        if (cites > k->t[p])
          row[2 + 4 * ci + 2 * p]++;
        else if (cites == k->t[p])
          row[2 + 4 * ci + 2 * p + 1]++;
      }
    }
  }
  return CM_OK;
}

/* Rank 0: the table from the summed counts. */
static int country_table(const cm_ctx *c, const cohort *co, size_t nco, size_t stride, const int64_t *sum,
                         const char *out, int64_t h5) {
  const cm_list *L = &c->par->countries;
  static const char *const cols[] = {"country",     "publications", "citations", "citations_per_publication",
                                     "top10_share", "top1_share"};
  cm_table t;
  int rc = cm_table_init(&t, "country_publications", 6, cols);
  for (int j = 0; j < L->n && rc == CM_OK; j++) {
    const int64_t *row = sum + stride * (size_t)j;
    int64_t pubs = row[0];
    rc = cm_table_cstr(&t, L->v[j]);
    if (rc == CM_OK) rc = cm_table_i64(&t, pubs);
    if (rc == CM_OK) rc = cm_table_i64(&t, row[1]);
    if (rc == CM_OK) rc = cm_table_ratio(&t, pubs ? (double)row[1] / (double)pubs : 0, pubs > 0);
    for (int p = 0; p < 2 && rc == CM_OK; p++) {
      double score = 0;
      for (size_t k = 0; k < nco; k++) {
        int64_t above = row[2 + 4 * k + 2 * p], at = row[2 + 4 * k + 2 * p + 1];
        double w = (double)(100 * co[k].le[p] - (100 - PCT[p]) * co[k].n) / (double)(100 * co[k].eq[p]);
        score += (double)above + (at ? (double)at * w : 0);
      }
      rc = cm_table_ratio(&t, pubs ? score / (double)pubs : 0, pubs > 0);
    }
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}

int cm_job_country_publications(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  (void)sh;
  cohort *co = NULL;
  size_t nco = 0;
  CM_TRY(build_cohorts(c, &co, &nco));
  /* per country: pubs, cites, then per cohort: above10, at10, above1, at1 */
  size_t stride = 2 + 4 * nco, total = stride * (size_t)c->par->countries.n;
  int64_t *v = calloc(total + 1, 8), *sum = calloc(total + 1, 8);
  int rc = v && sum ? count_countries(c, co, nco, stride, v) : CM_FAIL("out of memory");
  rc = cm_sum_to_root(c, rc, v, sum, total);
  if (rc == CM_OK)
    rc = cm_agree(c->comm, c->rank == 0 ? country_table(c, co, nco, stride, sum, out, h5) : CM_OK);
  free(v);
  free(sum);
  free(co);
  return rc;
}
