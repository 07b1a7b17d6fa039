#include "../pipeline/cm_error.h"
#include "cm_jobs.h"
int cm_title_links(cm_ctx *c, cm_buf *recs, uint64_t *hot_keys) {
  (void)c, (void)recs, (void)hot_keys;
  return CM_FAIL("--link-methods title: not implemented yet");
}
