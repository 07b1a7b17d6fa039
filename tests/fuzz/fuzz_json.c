/* Fuzz target: the record parsers of both schemas (io/cm_json.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cm_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static cm_json_parser *p;
  if (!p) p = cm_json_parser_new();
  char *line = malloc(size + CM_JSON_PADDING);
  if (!line) return 0;
  memcpy(line, data, size);
  memset(line + size, 0, CM_JSON_PADDING);
  char why[256];
  cm_patent pt;
  cm_work w;
  if (cm_json_parse_patent(p, line, size, &pt, why, sizeof why) == CM_JSON_OK) {
    volatile size_t touch = pt.publication_number.n + pt.n_assignees + pt.n_cited + pt.n_npl;
    for (size_t i = 0; i < pt.n_npl; i++)
      touch += pt.npl[i].n ? (unsigned char)pt.npl[i].p[pt.npl[i].n - 1] : 0;
    (void)touch;
  }
  if (cm_json_parse_work(p, line, size, &w, why, sizeof why) == CM_JSON_OK) {
    volatile size_t touch = w.id.n + w.n_inst + w.n_countries + w.topic_id.n;
    (void)touch;
  }
  free(line);
  return 0;
}
