/* publication_growth: works per country and window year, then a CAGR row per
 * country (SPEC 3 note 1). Local counts, one reduction. */
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"

/* Rank 0: the table from the summed (country, year) counts. */
static int growth_table(const cm_params *par, const int64_t *sum, const char *out, int64_t h5) {
  const cm_list *L = &par->countries;
  int ny = par->window_last - par->window_first + 1;
  static const char *const cols[] = {"country", "year", "publications"};
  cm_table t;
  int rc = cm_table_init(&t, "publication_growth", 3, cols);
  for (int k = 0; k < L->n; k++)
    for (int y = 0; y < ny && rc == CM_OK; y++) {
      rc = cm_table_cstr(&t, L->v[k]);
      if (rc == CM_OK) rc = cm_table_i64(&t, par->window_first + y);
      if (rc == CM_OK) rc = cm_table_i64(&t, sum[(size_t)k * (size_t)ny + (size_t)y]);
    }
  for (int k = 0; k < L->n && rc == CM_OK; k++) {
    int def;
    const int64_t *row = sum + (size_t)k * (size_t)ny;
    double g = cm_cagr(row[0], row[ny - 1], ny - 1, &def);
    rc = cm_table_cstr(&t, L->v[k]);
    if (rc == CM_OK) rc = cm_table_cstr(&t, "cagr");
    if (rc == CM_OK) rc = cm_table_ratio(&t, g, def);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}

int cm_job_publication_growth(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  (void)sh;
  const cm_params *par = c->par;
  const cm_list *L = &par->countries;
  int ny = par->window_last - par->window_first + 1;
  size_t total = (size_t)ny * (size_t)L->n;
  int64_t *v = calloc(total + 1, 8), *sum = calloc(total + 1, 8);
  int rc = v && sum ? CM_OK : CM_FAIL("out of memory");
  for (size_t i = 0; i < c->w_n && rc == CM_OK; i++) {
    int64_t year = CM_BUF_AT(&c->w_year, int64_t, i);
    if (!CM_BUF_AT(&c->w_has_year, uint8_t, i) || !cm_in_window(par, year)) continue;
    size_t first, cnt;
    cm_listcol_row(&c->w_countries, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
      int k = cm_list_index(L, (const char *)p, l);
      if (k >= 0) v[(size_t)k * (size_t)ny + (size_t)(year - par->window_first)]++;
    }
  }
  rc = cm_sum_to_root(c, rc, v, sum, total);
  if (rc == CM_OK) rc = cm_agree(c->comm, c->rank == 0 ? growth_table(par, sum, out, h5) : CM_OK);
  free(v);
  free(sum);
  return rc;
}
