/* office_patents (SPEC 3, 5): per office of the list, its window
 * publications and those of them cited by any kept publication, from the
 * citation inversion (citations.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

/* Rank 0: the table from the summed counts (patents, cited) per office. */
static int office_table(const cm_list *L, const int64_t *total, const char *out, int64_t h5) {
  static const char *const cols[] = {"office", "patents", "cited_patents", "cited_share"};
  cm_table t;
  int rc = cm_table_init(&t, "office_patents", 4, cols);
  for (int k = 0; k < L->n && rc == CM_OK; k++) {
    rc = cm_table_cstr(&t, L->v[k]);
    if (rc == CM_OK) rc = cm_table_i64(&t, total[2 * k]);
    if (rc == CM_OK) rc = cm_table_i64(&t, total[2 * k + 1]);
    if (rc == CM_OK)
      rc = cm_table_ratio(&t, total[2 * k] ? (double)total[2 * k + 1] / (double)total[2 * k] : 0,
                          total[2 * k] > 0);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}

int cm_job_office_patents(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  const cm_citations *cit = &sh->cit;
  const cm_list *L = &c->par->offices;
  int64_t counts[2 * CM_MAX_LIST] = {0}, total[2 * CM_MAX_LIST];
  for (size_t b = 0; b < cit->n; b++) {
    if (!cit->in_window[b]) continue;
    size_t l;
    const uint8_t *name = cm_strcol_get(&c->office_dict, cit->office[b], &l);
    int k = cm_list_index(L, (const char *)name, l);
    if (k < 0) continue;
    counts[2 * k]++;
    if (cit->first[b + 1] > cit->first[b]) counts[2 * k + 1]++;
  }
  int rc = cm_fault("job-fail") ? CM_FAIL("injected failure in office_patents (CITEMILL_FAULT)") : CM_OK;
  CM_TRY(cm_sum_to_root(c, rc, counts, total, 2 * (size_t)L->n));
  return cm_agree(c->comm, c->rank == 0 ? office_table(L, total, out, h5) : CM_OK);
}
