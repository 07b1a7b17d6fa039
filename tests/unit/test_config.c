/* pipeline/cm_config: the options table and its checks. Defaults; codes
 * upper-cased and trimmed; a code listed twice, an empty list, NaN, an
 * out-of-range number, a missing required option, an unknown option: each
 * refused; a --config file read with the command line winning and its
 * paths replaced by the command line's; --help exits without error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_config.h"
#include "cm_error.h"
#include "unit.h"

/* Parses the words of `line` (space-separated) after "citemill". */
static int parse(const char *line, cm_config *c) {
  static char buf[1024];
  char *argv[64] = {"citemill"};
  int argc = 1, exit_now;
  snprintf(buf, sizeof buf, "%s", line);
  for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
    argv[argc++] = strcmp(t, "''") == 0 ? "" : t;
  return cm_config_parse(argc, argv, c, &exit_now);
}

static void ok(const char *line) {
  cm_config c;
  if (parse(line, &c) != CM_OK) fprintf(stderr, "  refused: %s\n", line), unit_failures++;
  cm_config_free(&c);
}

static void refused(const char *line) {
  cm_config c;
  if (parse(line, &c) == CM_OK) fprintf(stderr, "  accepted: %s\n", line), unit_failures++;
  cm_config_free(&c);
}

int main(void) {
  cm_config c;
  CHECK(parse("analyze --store s.h5 --out o", &c) == CM_OK);
  CHECK(c.offices.n == 6 && strcmp(c.offices.v[5], "AU") == 0 && c.window_first == 2020 &&
        c.window_last == 2024);
  CHECK(c.top == 20 && c.reject_rate == 0.001 && strcmp(c.office, "CN") == 0);
  cm_config_free(&c);
  char *codes[] = {"citemill", "analyze",  "--store", "s.h5",    "--out", "o",           "--offices",
                   "cn, us",   "--office", " cn",     "--focus", "gb",    "--countries", "jp"};
  int exit_now = 0;
  CHECK(cm_config_parse(14, codes, &c, &exit_now) == CM_OK);
  CHECK(c.offices.n == 2 && strcmp(c.offices.v[0], "CN") == 0 && strcmp(c.office, "CN") == 0);
  CHECK(strcmp(c.focus, "GB") == 0 && strcmp(c.countries.v[0], "JP") == 0);
  cm_config_free(&c);
  refused("analyze --store s.h5 --out o --offices CN,US,cn"); /* twice, once lower-case */
  refused("analyze --store s.h5 --out o --offices ''");
  refused("analyze --store s.h5 --out o --offices CN,,US");
  refused("analyze --store s.h5 --out o --countries CHN");
  refused("analyze --store s.h5 --out o --link-methods doi,doi");
  refused("analyze --store s.h5 --out o --link-methods fuzzy");
  refused("analyze --store s.h5 --out o --bcg-cagr nan");
  refused("analyze --store s.h5 --out o --window 2024-2020");
  refused("analyze --store s.h5 --out o --top 0");
  refused("analyze --store s.h5 --out o --top 99999999999");
  refused("analyze --store s.h5"); /* no --out */
  refused("ingest --store s.h5 --patents p --reject-rate 1.5");
  refused("ingest --store s.h5 --patents p --reject-rate -1");
  refused("ingest --store s.h5 --patents p --max-record 1");
  refused("ingest --store s.h5"); /* no inputs */
  refused("gen --out g --scale inf");
  refused("gen --out g --scale 0");
  refused("gen --out g --containers rar");
  refused("ingest --store s.h5 --patents p --bogus 1");
  ok("gen --out g --scale 0.5");
  ok("ingest --store s.h5 --patents p --reject-rate 1");
  /* a --config file: its values, the command line's over them */
  char path[] = "/tmp/citemill-unit-config-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "# comment\npatents = a\npatents = b\ntop = 7\nbcg-cagr = 0.25\n");
  fclose(f);
  char line[256];
  snprintf(line, sizeof line, "run --out o --config %s --top 9", path);
  CHECK(parse(line, &c) == CM_OK);
  CHECK(c.n_patents == 2 && c.top == 9 && fabs(c.bcg_cagr - 0.25) < 1e-12);
  cm_config_free(&c);
  snprintf(line, sizeof line, "run --out o --config %s --patents z", path);
  CHECK(parse(line, &c) == CM_OK);
  CHECK(c.n_patents == 1 && strcmp(c.patents[0], "z") == 0); /* the command line's paths replace the file's */
  cm_config_free(&c);
  f = fopen(path, "w");
  fprintf(f, "no-such-option = 1\n");
  fclose(f);
  snprintf(line, sizeof line, "run --out o --patents p --config %s", path);
  refused(line);
  unlink(path);
  char *help[] = {"citemill", "analyze", "--help"};
  FILE *keep = stdout;
  stdout = fopen("/dev/null", "w");
  CHECK(cm_config_parse(3, help, &c, &exit_now) == CM_OK && exit_now);
  fclose(stdout);
  stdout = keep;
  cm_config_free(&c);
  if (!unit_failures) printf("unit_config: all checks passed\n");
  return unit_failures != 0;
}
