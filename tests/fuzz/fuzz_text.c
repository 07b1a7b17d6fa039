/* Fuzz target: the text rules (DOI extraction, title words, name norm,
 * DOI keys, codes) and the alias-table loader with canonical names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_jobs.h"
#include "cm_text.h"

static int count(void *u, const char *doi, size_t len) {
  *(size_t *)u += len + (doi[0] == '1');
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  cm_buf a = {0}, b = {0};
  size_t n = 0, words = 0, l = size;
  cm_dois_in_text(p, size, &a, count, &n);
  cm_title_words(p, size, &a, &b, &words);
  cm_norm_name(&a, p, size);
  a.len = 0;
  cm_doi_key(&a, p, size);
  char two[2];
  cm_country2(p, size, two);
  cm_trim(p, &l);
  /* the same bytes as an alias table */
  char path[64];
  snprintf(path, sizeof path, "/tmp/cm-fuzz-alias-%d.csv", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, size, f);
    fclose(f);
    cm_aliases *al = NULL;
    if (cm_aliases_load(path, &al) == 0) {
      const char *type;
      cm_canonical(al, p, size < 64 ? size : 64, &a, &type, &b);
      cm_aliases_free(al);
    }
    remove(path);
  }
  cm_buf_free(&a);
  cm_buf_free(&b);
  return 0;
}
