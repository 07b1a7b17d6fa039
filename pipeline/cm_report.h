/* The HTML report of `citemill run`: one self-contained file (inline CSS and
 * SVG, no scripts, nothing fetched) with every SPEC 3 table formatted for
 * reading, charts, and a provenance block. Rank 0 only; not collective. */
#ifndef CM_REPORT_H
#define CM_REPORT_H

#include <stdint.h>

#include "cm_config.h"

/* Counts recorded in a store's attributes ([0] patents, [1] works). */
typedef struct {
  uint64_t rows[2], lines[2], rejects[2], dups[2], files[2];
  /* values read as missing because of their JSON type, by field (attributes
   * wrong_type.<field>; names in wt_names, n_wt of them per corpus) */
  uint64_t wrong_type[2][32];
  const char *wt_names[2][32];
  int n_wt[2];
} cm_report_counts;

int cm_report_read_counts(const char *store, cm_report_counts *c);

/* Reads OUT/analysis/tables/<name>.csv and OUT/store.h5, writes OUT/report.html
 * (through report.html.tmp). */
int cm_report_write(const cm_config *cfg, const char *out);

#endif
