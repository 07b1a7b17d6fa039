/* Fuzz target: the container reader (gz, tar, tar.gz, zip, nested) on a file
 * whose kind the first input byte chooses. Small limits keep bombs cheap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_reader.h"

static int on_line(void *u, const cm_line_pos *pos, const char *line, size_t len) {
  (void)pos;
  *(size_t *)u += len ? (unsigned char)line[len - 1] : 1;
  return 0;
}
static int on_reject(void *u, const cm_line_pos *pos, const char *why, const char *head, size_t n) {
  (void)u, (void)pos, (void)why, (void)head, (void)n;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *ext[] = {".json", ".json.gz", ".tar", ".tar.gz", ".zip"};
  if (size < 1) return 0;
  char path[64];
  snprintf(path, sizeof path, "/tmp/cm-fuzz-%d%s", (int)getpid(), ext[data[0] % 5]);
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  cm_read_limits lim = {1 << 20, 100, 4 << 20};
  cm_reader *r;
  if (cm_reader_new(&lim, &r) == 0) {
    cm_file cf = {path, size - 1, 0};
    size_t seen = 0;
    cm_line_sink sink = {on_line, on_reject, &seen};
    cm_read_stats st = {0};
    cm_reader_read(r, &cf, &sink, &st);
    cm_reader_free(r);
  }
  remove(path);
  return 0;
}
