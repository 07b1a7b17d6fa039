/* publication_growth: works per country and window year, then a CAGR row per
 * country (SPEC 3 note 1). Local counts, one reduction. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/cm_error.h"
#include "cm_jobs.h"

int cm_job_publication_growth(cm_ctx *c, const char *out, int64_t h5) {
  const cm_config *cfg = c->cfg;
  const cm_list *L = &cfg->countries;
  int ny = cfg->window_last - cfg->window_first + 1;
  size_t total = (size_t)ny * (size_t)L->n;
  int64_t *v = calloc(total + 1, 8), *sum = calloc(total + 1, 8);
  CM_ALLOC(v, (total + 1) * 8);
  CM_ALLOC(sum, (total + 1) * 8);
  for (size_t i = 0; i < c->w_n; i++) {
    int64_t year = CM_BUF_AT(&c->w_year, int64_t, i);
    if (!CM_BUF_AT(&c->w_has_year, uint8_t, i) || !cm_in_window(cfg, year)) continue;
    size_t first, cnt;
    cm_listcol_row(&c->w_countries, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
      int k = cm_list_index(L, (const char *)p, l);
      if (k >= 0) v[(size_t)k * (size_t)ny + (size_t)(year - cfg->window_first)]++;
    }
  }
  CM_MPI(MPI_Reduce(v, sum, (int)total, MPI_INT64_T, MPI_SUM, 0, c->comm));
  int rc = CM_OK;
  if (c->rank == 0) {
    static const char *const cols[] = {"country", "year", "publications"};
    cm_table t;
    CM_TRY(cm_table_init(&t, "publication_growth", 3, cols));
    for (int k = 0; k < L->n; k++)
      for (int y = 0; y < ny; y++) {
        CM_TRY(cm_table_cstr(&t, L->v[k]));
        CM_TRY(cm_table_i64(&t, cfg->window_first + y));
        CM_TRY(cm_table_i64(&t, sum[(size_t)k * (size_t)ny + (size_t)y]));
      }
    for (int k = 0; k < L->n; k++) {
      int def;
      const int64_t *row = sum + (size_t)k * (size_t)ny;
      double g = cm_cagr(row[0], row[ny - 1], ny - 1, &def);
      CM_TRY(cm_table_cstr(&t, L->v[k]));
      CM_TRY(cm_table_cstr(&t, "cagr"));
      CM_TRY(cm_table_ratio(&t, g, def));
    }
    rc = cm_table_save(&t, out, h5);
    cm_table_free(&t);
  }
  free(v);
  free(sum);
  return rc;
}
