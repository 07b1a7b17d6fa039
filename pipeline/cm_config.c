#include "cm_config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_files.h"
#include "cm_text.h"

typedef enum {
  OPT_STR,
  OPT_PATHS,
  OPT_INT,
  OPT_I64,
  OPT_U64,
  OPT_DBL,
  OPT_LIST,
  OPT_WINDOW,
  OPT_FLAG
} opt_type;

typedef struct {
  const char *name;     /* without the leading -- */
  const char *commands; /* space-separated list of commands that accept it */
  opt_type type;
  size_t offset;       /* into cm_config */
  size_t count_offset; /* OPT_PATHS: the int counter */
  const char *help;
} opt;

#define OFF(f) offsetof(cm_config, f)
static const opt OPTIONS[] = {
    {"patents", "ingest run", OPT_PATHS, OFF(patents), OFF(n_patents),
     "patent input file or directory (repeatable)"},
    {"works", "ingest run", OPT_PATHS, OFF(works), OFF(n_works),
     "works input file or directory (repeatable)"},
    {"store", "ingest analyze info verify", OPT_STR, OFF(store), 0,
     "HDF5 store path (verify: any HDF5 file citemill wrote)"},
    {"rejects", "ingest run", OPT_STR, OFF(rejects), 0,
     "directory for rejects files (default STORE.rejects)"},
    {"reject-rate", "ingest run", OPT_DBL, OFF(reject_rate), 0,
     "fail when rejects exceed this fraction of a corpus's lines (default 0.001)"},
    {"max-record", "ingest run", OPT_U64, OFF(max_record), 0, "largest record in bytes (default 67108864)"},
    {"max-ratio", "ingest run", OPT_U64, OFF(max_ratio), 0,
     "member decompression ratio limit (default 1000)"},
    {"max-member", "ingest run", OPT_U64, OFF(max_member), 0,
     "member size (bytes) that must also be passed (default 1073741824)"},
    {"deflate", "ingest run", OPT_U64, OFF(deflate), 0,
     "deflate level 1-9 for the store's columns (default 0: uncompressed; level 1 makes the "
     "store ~6x smaller and ingest and analyze ~25 % slower)"},
    {"direct-io", "ingest", OPT_FLAG, OFF(direct_io), 0,
     "write the store past the page cache (O_DIRECT where the file system allows): for a store "
     "analyzed later or on other nodes; ingest ~20 % faster at scale 0.1, ~8 % at 1.0, but an analyze "
     "on the same node then reads it from disk (docs/hpc.md)"},
    {"refresh", "ingest", OPT_FLAG, OFF(refresh), 0,
     "reuse the rows of unchanged input files from the existing --store; read only new files"},
    {"out", "analyze gen run", OPT_STR, OFF(out), 0, "output directory"},
    {"until", "run", OPT_STR, OFF(until), 0, "last stage to run: ingest, analyze or report (default report)"},
    {"aliases", "analyze run", OPT_STR, OFF(aliases), 0, "alias table CSV (match,kind,canonical,type)"},
    {"window", "analyze run", OPT_WINDOW, OFF(window_first), 0, "year window FIRST-LAST (default 2020-2024)"},
    {"offices", "analyze run", OPT_LIST, OFF(offices), 0,
     "offices of office_patents (default CN,US,GB,DE,JP,AU)"},
    {"office", "analyze run", OPT_STR, OFF(office), 0, "office of the assignee tables (default CN)"},
    {"countries", "analyze run", OPT_LIST, OFF(countries), 0,
     "countries of the publication tables (default CN,US,GB,DE,JP,AU)"},
    {"focus", "analyze run", OPT_STR, OFF(focus), 0, "focus country (default CN)"},
    {"partner", "analyze run", OPT_STR, OFF(partner), 0, "partner country of topic_growth (default GB)"},
    {"top", "analyze run", OPT_INT, OFF(top), 0, "rows of top_assignees / foreign_assignees (default 20)"},
    {"top-institutions", "analyze run", OPT_INT, OFF(top_institutions), 0,
     "rows of collaborating_institutions (default 50)"},
    {"top-topics", "analyze run", OPT_INT, OFF(top_topics), 0, "rows of topic_growth (default 50)"},
    {"min-topic-works", "analyze run", OPT_INT, OFF(min_topic_works), 0,
     "least window works of a topic (default 20)"},
    {"min-patents", "analyze run", OPT_I64, OFF(min_patents), 0,
     "least patents of an assignee_growth row (default 100)"},
    {"bcg-count", "analyze run", OPT_I64, OFF(bcg_count), 0, "BCG patent-count threshold (default 1000)"},
    {"bcg-cagr", "analyze run", OPT_DBL, OFF(bcg_cagr), 0, "BCG CAGR threshold (default 0.10)"},
    {"link-methods", "analyze run", OPT_LIST, OFF(link_methods), 0,
     "link methods, comma-separated: doi, title (default doi,title)"},
    {"scale", "gen", OPT_DBL, OFF(scale), 0, "corpus scale, 1.0 = reference workload (default 0.001)"},
    {"patents", "gen", OPT_I64, OFF(gen_patents), 0,
     "number of CN patents (overrides --scale; other offices scale with it)"},
    {"works", "gen", OPT_I64, OFF(gen_works), 0, "number of works (overrides --scale)"},
    {"seed", "gen", OPT_U64, OFF(seed), 0, "random seed (default 1)"},
    {"containers", "gen", OPT_STR, OFF(containers), 0, "gz or mixed (default gz)"},
    {"quiet", "ingest analyze gen run", OPT_FLAG, OFF(quiet), 0, "no progress lines"},
    {"config", "ingest analyze gen run", OPT_STR, OFF(config), 0,
     "file of `name = value` lines with these option names; the command line wins"},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static const char *COMMANDS[][2] = {
    {"ingest", "read patent and works dumps into a parallel HDF5 store"},
    {"analyze", "compute the SPEC tables from a store into OUT/tables/*.csv"},
    {"gen", "write a synthetic corpus (patents, works, aliases, truth)"},
    {"info", "print counts, schema, inputs and configuration of a store"},
    {"verify",
     "check every dataset of a citemill HDF5 file (store, links.h5, results.h5) against its checksum"},
    {"run", "ingest, analyze and report in OUT, skipping stages whose inputs are unchanged"},
};

static int accepts(const opt *o, const char *cmd) {
  size_t n = strlen(cmd);
  for (const char *p = o->commands; (p = strstr(p, cmd)) != NULL; p += n)
    if ((p == o->commands || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

void cm_config_usage(const char *command) {
  if (!command) {
    printf("usage: mpirun -np P citemill COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
      printf("  %-8s %s\n", COMMANDS[i][0], COMMANDS[i][1]);
    printf("\n`citemill COMMAND --help` lists the options of a command.\n");
    return;
  }
  printf("usage: mpirun -np P citemill %s [options]\n\noptions:\n", command);
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (accepts(&OPTIONS[i], command)) printf("  --%-18s %s\n", OPTIONS[i].name, OPTIONS[i].help);
  printf("  --%-18s %s\n", "help", "this text");
}

/* Splits s (which the list then owns) at every comma; empty entries are kept
 * so that validation can name them. */
static int split_list(char *s, cm_list *l) {
  free(l->buf);
  l->buf = s;
  l->n = 0;
  if (!*s) return CM_OK;
  for (char *tok = s;;) {
    if (l->n == CM_MAX_LIST) return CM_FAIL("list has more than %d entries", CM_MAX_LIST);
    l->v[l->n++] = tok;
    char *comma = strchr(tok, ',');
    if (!comma) return CM_OK;
    *comma = '\0';
    tok = comma + 1;
  }
}

static int set_list(cm_list *l, const char *text) {
  char *copy = strdup(text);
  CM_ALLOC(copy, strlen(text) + 1);
  return split_list(copy, l);
}

static int defaults(cm_config *c) {
  memset(c, 0, sizeof *c);
  c->reject_rate = 0.001;
  c->max_record = 64ull << 20;
  c->max_ratio = 1000;
  c->max_member = 1ull << 30;
  c->window_first = 2020;
  c->window_last = 2024;
  CM_TRY(set_list(&c->offices, "CN,US,GB,DE,JP,AU"));
  CM_TRY(set_list(&c->countries, "CN,US,GB,DE,JP,AU"));
  CM_TRY(set_list(&c->link_methods, "doi,title"));
  c->office = "CN";
  c->focus = "CN";
  c->partner = "GB";
  c->top = 20;
  c->top_institutions = 50;
  c->top_topics = 50;
  c->min_topic_works = 20;
  c->min_patents = 100;
  c->bcg_count = 1000;
  c->bcg_cagr = 0.10;
  c->scale = 0.001;
  c->gen_patents = -1;
  c->gen_works = -1;
  c->seed = 1;
  c->containers = "gz";
  return CM_OK;
}

static int parse_num(const char *name, const char *v, opt_type t, void *dst) {
  char *end = NULL;
  errno = 0;
  if (t == OPT_DBL) {
    double d = strtod(v, &end);
    if (errno || *end || end == v) return CM_FAIL("--%s needs a number, got '%s'", name, v);
    *(double *)dst = d;
    return CM_OK;
  }
  long long x = strtoll(v, &end, 10);
  if (errno || *end || end == v || x < 0)
    return CM_FAIL("--%s needs a non-negative integer, got '%s'", name, v);
  if (t == OPT_INT && x > INT_MAX) return CM_FAIL("--%s is too large: '%s'", name, v);
  if (t == OPT_INT) *(int *)dst = (int)x;
  if (t == OPT_I64) *(int64_t *)dst = x;
  if (t == OPT_U64) *(uint64_t *)dst = (uint64_t)x;
  return CM_OK;
}

static const opt *find_option(const char *command, const char *name) {
  for (size_t k = 0; k < N_OPTIONS; k++)
    if (strcmp(OPTIONS[k].name, name) == 0 && accepts(&OPTIONS[k], command)) return &OPTIONS[k];
  return NULL;
}

/* Sets option o from its text value (NULL for a flag). */
static int apply_option(cm_config *cfg, const opt *o, const char *val) {
  char *dst = (char *)cfg + o->offset;
  switch (o->type) {
  case OPT_FLAG:
    *(int *)dst = 1;
    return CM_OK;
  case OPT_STR:
    *(const char **)dst = val;
    return CM_OK;
  case OPT_PATHS: {
    int *n = (int *)((char *)cfg + o->count_offset);
    if (*n == CM_MAX_PATHS) return CM_FAIL("too many --%s paths (max %d)", o->name, CM_MAX_PATHS);
    ((char **)dst)[(*n)++] = (char *)val;
    return CM_OK;
  }
  case OPT_LIST: /* a later setting replaces an earlier one */
    return set_list((cm_list *)dst, val);
  case OPT_WINDOW: {
    int a0, b0;
    char extra;
    if (sscanf(val, "%d-%d%c", &a0, &b0, &extra) != 2 || a0 > b0)
      return CM_FAIL("--window needs FIRST-LAST with FIRST <= LAST, got '%s'", val);
    cfg->window_first = a0;
    cfg->window_last = b0;
    return CM_OK;
  }
  default:
    return parse_num(o->name, val, o->type, dst);
  }
}

/* `name = value` lines ('#' starts a comment line; blank lines ignored; a
 * flag is `name = 1`). The text stays allocated for the run: option values
 * point into it. */
static int read_config_file(cm_config *cfg, const char *path) {
  cm_buf b = {0};
  if (cm_file_read_all(path, "--config file", &b) != CM_OK) {
    cm_buf_free(&b);
    return CM_ERR;
  }
  char *text = (char *)b.data;
  int line = 0, rc = CM_OK;
  for (char *p = text, *next; p && *p && rc == CM_OK; p = next) {
    line++;
    next = strchr(p, '\n');
    if (next) *next++ = '\0';
    while (*p == ' ' || *p == '\t')
      p++;
    size_t l = strlen(p);
    while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
      p[--l] = '\0';
    if (!*p || *p == '#') continue;
    char *eq = strchr(p, '=');
    if (!eq) {
      rc = CM_FAIL("%s:%d: expected `name = value`, got '%s'", path, line, p);
      break;
    }
    char *v = eq + 1, *k_end = eq;
    while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
      k_end--;
    *k_end = '\0';
    while (*v == ' ' || *v == '\t')
      v++;
    const opt *o = find_option(cfg->command, p);
    if (!o || strcmp(p, "config") == 0)
      rc = CM_FAIL("%s:%d: unknown option '%s' for '%s'", path, line, p, cfg->command);
    else if (o->type == OPT_FLAG && strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
      rc = CM_FAIL("%s:%d: %s takes 0 or 1", path, line, p);
    else if (o->type != OPT_FLAG || strcmp(v, "1") == 0)
      rc = apply_option(cfg, o, v);
  }
  if (rc != CM_OK) { /* nothing points into the text yet that outlives a failed parse */
    free(text);
    return rc;
  }
  cfg->config_text = text;
  return CM_OK;
}

int cm_config_parse(int argc, char **argv, cm_config *cfg, int *exit_now) {
  CM_TRY(defaults(cfg));
  *exit_now = 0;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    cm_config_usage(NULL);
    *exit_now = 1;
    return argc < 2 ? CM_ERR : CM_OK;
  }
  cfg->command = argv[1];
  int known = 0;
  for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    known |= strcmp(COMMANDS[i][0], cfg->command) == 0;
  if (!known) {
    cm_config_usage(NULL);
    return CM_FAIL("unknown command '%s'", cfg->command);
  }
  /* defaults, then the --config file, then the command line */
  const char *config = NULL;
  for (int i = 2; i + 1 < argc; i++)
    if (strcmp(argv[i], "--config") == 0)
      config = argv[i + 1];
    else if (strncmp(argv[i], "--config=", 9) == 0)
      config = argv[i] + 9;
  if (config) CM_TRY(read_config_file(cfg, config));
  uint8_t cli_paths[N_OPTIONS] = {0};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      cm_config_usage(cfg->command);
      *exit_now = 1;
      return CM_OK;
    }
    if (strncmp(a, "--", 2) != 0) return CM_FAIL("unexpected argument '%s' (options start with --)", a);
    char name[64];
    snprintf(name, sizeof name, "%s", a + 2);
    char *eq = strchr(name, '=');
    const char *val = NULL;
    if (eq) {
      *eq = '\0';
      val = strchr(a, '=') + 1;
    }
    const opt *o = find_option(cfg->command, name);
    if (!o)
      return CM_FAIL("unknown option --%s for '%s'; see `citemill %s --help`", name, cfg->command,
                     cfg->command);
    if (o->type != OPT_FLAG && !val) {
      if (i + 1 >= argc) return CM_FAIL("--%s needs a value", name);
      val = argv[++i];
    }
    /* paths given on the command line replace those of the config file */
    if (o->type == OPT_PATHS && !cli_paths[o - OPTIONS]++) *(int *)((char *)cfg + o->count_offset) = 0;
    CM_TRY(apply_option(cfg, o, val));
  }
  return cm_config_validate(cfg);
}

/* ---- validation ---- */

static int is_cmd(const cm_config *c, const char *names) {
  const opt o = {"", names, OPT_FLAG, 0, 0, ""};
  return accepts(&o, c->command);
}

static int check_range(const char *name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) /* NaN fails both */
    return CM_FAIL("--%s must be a number from %g to %g, not %g", name, lo, hi, v);
  return CM_OK;
}

/* Trims ASCII spaces and upper-cases a code in place; returns its length. */
static size_t upper_code(char *s) {
  size_t a = 0, n = strlen(s);
  while (a < n && s[a] == ' ')
    a++;
  while (n > a && s[n - 1] == ' ')
    n--;
  memmove(s, s + a, n - a);
  s[n - a] = '\0';
  for (char *p = s; *p; p++)
    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
  return n - a;
}

static int two_letters(const char *s) {
  return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* A code list: non-empty codes, upper-cased, each once; countries are two
 * letters A-Z (SPEC 5 keeps no other work country code). */
static int check_codes(const char *name, cm_list *l, int countries) {
  if (l->n == 0) return CM_FAIL("--%s needs at least one code", name);
  for (int i = 0; i < l->n; i++) {
    if (upper_code(l->v[i]) == 0) return CM_FAIL("--%s has an empty code", name);
    if (countries && !two_letters(l->v[i]))
      return CM_FAIL("--%s: '%s' is not a two-letter country code", name, l->v[i]);
    for (int j = 0; j < i; j++)
      if (strcmp(l->v[i], l->v[j]) == 0) return CM_FAIL("--%s lists '%s' twice", name, l->v[i]);
  }
  return CM_OK;
}

/* One code option (--office, --focus, --partner): an upper-cased copy. */
static int check_code(cm_config *c, const char *name, const char **v, int slot, int country) {
  c->owned[slot] = strdup(*v ? *v : "");
  CM_ALLOC(c->owned[slot], strlen(*v ? *v : "") + 1);
  if (upper_code(c->owned[slot]) == 0) return CM_FAIL("--%s needs a code", name);
  if (country && !two_letters(c->owned[slot]))
    return CM_FAIL("--%s: '%s' is not a two-letter country code", name, c->owned[slot]);
  *v = c->owned[slot];
  return CM_OK;
}

int cm_config_validate(cm_config *c) {
  /* what each command cannot do without */
  if (is_cmd(c, "ingest") && !c->store) return CM_FAIL("ingest needs --store FILE.h5");
  if (is_cmd(c, "ingest run") && c->n_patents + c->n_works == 0)
    return CM_FAIL("%s needs at least one --patents or --works path", c->command);
  if (is_cmd(c, "analyze") && (!c->store || !c->out))
    return CM_FAIL("analyze needs --store FILE.h5 and --out DIR");
  if (is_cmd(c, "info verify") && !c->store) return CM_FAIL("%s needs --store FILE.h5", c->command);
  if (is_cmd(c, "gen run") && !c->out) return CM_FAIL("%s needs --out DIR", c->command);
  /* paths: not empty, and short enough that every name citemill forms from
   * them fits CM_PATH_MAX */
  const char *paths[] = {c->store, c->out, c->aliases, c->rejects, c->config};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
    if (paths[i] && (!*paths[i] || strlen(paths[i]) > CM_PATH_MAX / 2))
      return CM_FAIL("a path option is empty or longer than %d bytes", CM_PATH_MAX / 2);
  for (int i = 0; i < c->n_patents + c->n_works; i++) {
    const char *p = i < c->n_patents ? c->patents[i] : c->works[i - c->n_patents];
    if (!*p || strlen(p) > CM_PATH_MAX / 2)
      return CM_FAIL("a --patents or --works path is empty or longer than %d bytes", CM_PATH_MAX / 2);
  }
  /* numbers */
  CM_TRY(check_range("reject-rate", c->reject_rate, 0, 1));
  if (c->max_record < 2 || c->max_record > (1ull << 40))
    return CM_FAIL("--max-record must be from 2 bytes to 1 TiB, not %llu", (unsigned long long)c->max_record);
  if (c->max_ratio < 1) return CM_FAIL("--max-ratio must be at least 1");
  if (c->max_member < 1) return CM_FAIL("--max-member must be at least 1 byte");
  if (c->deflate > 9)
    return CM_FAIL("--deflate must be 0 (none) to 9, not %llu", (unsigned long long)c->deflate);
  if (c->window_first < 1000 || c->window_last > 9999 || c->window_last - c->window_first > 200)
    return CM_FAIL("--window must lie within the years 1000-9999 and span at most 200 years");
  CM_TRY(check_range("bcg-cagr", c->bcg_cagr, -1, 1e6));
  const struct {
    const char *name;
    int v, lo;
  } ints[] = {{"top", c->top, 1},
              {"top-institutions", c->top_institutions, 1},
              {"top-topics", c->top_topics, 1},
              {"min-topic-works", c->min_topic_works, 0}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    if (ints[i].v < ints[i].lo || ints[i].v > 1000000)
      return CM_FAIL("--%s must be from %d to 1000000, not %d", ints[i].name, ints[i].lo, ints[i].v);
  if (is_cmd(c, "gen")) {
    if (c->gen_patents < 0 && c->gen_works < 0) CM_TRY(check_range("scale", c->scale, 1e-9, 20));
    if (c->gen_patents > 1000000000 || c->gen_works > 1000000000)
      return CM_FAIL("gen: --patents and --works take at most 1000000000");
    if (strcmp(c->containers, "gz") != 0 && strcmp(c->containers, "mixed") != 0)
      return CM_FAIL("--containers is gz or mixed, not '%s'", c->containers);
  }
  if (c->until && strcmp(c->until, "ingest") != 0 && strcmp(c->until, "analyze") != 0 &&
      strcmp(c->until, "report") != 0)
    return CM_FAIL("--until takes ingest, analyze or report, not '%s'", c->until);
  /* codes and methods */
  CM_TRY(check_codes("offices", &c->offices, 0));
  CM_TRY(check_codes("countries", &c->countries, 1));
  CM_TRY(check_code(c, "office", &c->office, 0, 0));
  CM_TRY(check_code(c, "focus", &c->focus, 1, 1));
  CM_TRY(check_code(c, "partner", &c->partner, 2, 1));
  if (c->link_methods.n == 0) return CM_FAIL("--link-methods needs doi, title or both");
  for (int i = 0; i < c->link_methods.n; i++) {
    const char *m = c->link_methods.v[i];
    if (strcmp(m, "doi") != 0 && strcmp(m, "title") != 0)
      return CM_FAIL("--link-methods: unknown method '%s' (known: doi, title)", m);
    for (int j = 0; j < i; j++)
      if (strcmp(m, c->link_methods.v[j]) == 0) return CM_FAIL("--link-methods lists '%s' twice", m);
  }
  return CM_OK;
}

int cm_config_describe(const cm_config *c, char *buf, size_t len) {
  size_t used = 0;
#define PUT(...) used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__)
  PUT("command=%s\nreject_rate=%g\nmax_record=%llu\nmax_ratio=%llu\nmax_member=%llu\n", c->command,
      c->reject_rate, (unsigned long long)c->max_record, (unsigned long long)c->max_ratio,
      (unsigned long long)c->max_member);
  for (int i = 0; i < c->n_patents; i++)
    PUT("patents=%s\n", c->patents[i]);
  for (int i = 0; i < c->n_works; i++)
    PUT("works=%s\n", c->works[i]);
#undef PUT
  return used < len ? CM_OK : CM_FAIL("configuration text too long");
}

int cm_config_stage_options(const cm_config *c, const char *command, char *buf, size_t len) {
  size_t used = 0;
#define PUT(...) used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__)
  for (size_t k = 0; k < N_OPTIONS; k++) {
    const opt *o = &OPTIONS[k];
    /* where things are read and written, and how, is not part of a stage's options */
    if (!accepts(o, command) || o->type == OPT_PATHS || strcmp(o->name, "out") == 0 ||
        strcmp(o->name, "store") == 0 || strcmp(o->name, "quiet") == 0 || strcmp(o->name, "config") == 0 ||
        strcmp(o->name, "rejects") == 0 || strcmp(o->name, "direct-io") == 0)
      continue;
    const char *src = (const char *)c + o->offset;
    PUT("%s=", o->name);
    switch (o->type) {
    case OPT_STR:
      PUT("%s", *(const char *const *)src ? *(const char *const *)src : "");
      break;
    case OPT_INT:
      PUT("%d", *(const int *)src);
      break;
    case OPT_I64:
      PUT("%lld", (long long)*(const int64_t *)src);
      break;
    case OPT_U64:
      PUT("%llu", (unsigned long long)*(const uint64_t *)src);
      break;
    case OPT_DBL:
      PUT("%.17g", *(const double *)src);
      break;
    case OPT_WINDOW:
      PUT("%d-%d", c->window_first, c->window_last);
      break;
    case OPT_FLAG:
      PUT("%d", *(const int *)src);
      break;
    case OPT_LIST: {
      const cm_list *l = (const cm_list *)src;
      for (int i = 0; i < l->n; i++)
        PUT("%s%s", i ? "," : "", l->v[i]);
      break;
    }
    default:
      break;
    }
    PUT("\n");
  }
#undef PUT
  return used < len ? CM_OK : CM_FAIL("options text too long");
}

void cm_config_free(cm_config *cfg) {
  for (size_t k = 0; k < N_OPTIONS; k++)
    if (OPTIONS[k].type == OPT_LIST) {
      cm_list *l = (cm_list *)((char *)cfg + OPTIONS[k].offset);
      free(l->buf);
      l->buf = NULL;
    }
  free(cfg->config_text);
  cfg->config_text = NULL;
  for (size_t i = 0; i < sizeof cfg->owned / sizeof *cfg->owned; i++) {
    free(cfg->owned[i]);
    cfg->owned[i] = NULL;
  }
}
