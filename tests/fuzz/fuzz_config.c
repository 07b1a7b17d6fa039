/* Fuzz target: the --config file parser (and through it every option's
 * value parser). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cm_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/cm-fuzz-conf-%d", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  char *argv[] = {"citemill", "run", "--config", path, "--out", "x", NULL};
  cm_config cfg;
  int exit_now = 0;
  cm_config_parse(6, argv, &cfg, &exit_now);
  cm_config_free(&cfg);
  remove(path);
  return 0;
}
