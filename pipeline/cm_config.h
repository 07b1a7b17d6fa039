/* The run configuration: every option of every command, filled from the
 * command line by one options table (cm_config.c), the way IOR does it.
 * Besides the MPI communicator this is the only shared state of a run; it is
 * filled before any work starts and read-only afterwards. */
#ifndef CM_CONFIG_H
#define CM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cm_list.h"

#define CM_MAX_PATHS 256

typedef struct {
  const char *command; /* ingest, analyze, gen, info, run */
  /* ingest */
  char *patents[CM_MAX_PATHS];
  int n_patents;
  char *works[CM_MAX_PATHS];
  int n_works;
  const char *store;
  const char *rejects; /* directory; default STORE.rejects */
  double reject_rate;  /* fraction of non-blank lines, default 0.001 */
  uint64_t max_record; /* bytes, default 64 MiB */
  uint64_t max_ratio;  /* default 1000 */
  uint64_t max_member; /* bytes, default 1 GiB */
  uint64_t deflate;    /* store compression level, 0 none (default) */
  int refresh;         /* ingest: reuse the existing store's rows of unchanged files */
  int direct_io;       /* ingest: write the store past the page cache */
  const char *until;   /* run: last stage */
  /* analyze */
  const char *out;
  const char *aliases;
  int window_first, window_last;
  cm_list offices, countries;
  const char *office, *focus, *partner;
  int top, top_institutions, top_topics, min_topic_works;
  int64_t min_patents, bcg_count;
  double bcg_cagr;
  cm_list link_methods;
  /* gen */
  double scale;
  int64_t gen_patents, gen_works; /* -1: from scale */
  uint64_t seed;
  const char *containers; /* gz | mixed */
  int quiet;
  const char *config; /* --config FILE */
  char *config_text;  /* its contents (option values point into it) */
  char *owned[4];     /* upper-cased copies of --office, --focus, --partner */
} cm_config;

/* Parses argv (argv[1] is the command), then checks every option before any
 * work starts (cm_config_validate). Prints usage and returns nonzero on bad
 * options; sets *exit_now for --help. Not collective (every rank parses the
 * same argv and reaches the same result). */
int cm_config_parse(int argc, char **argv, cm_config *cfg, int *exit_now);
void cm_config_usage(const char *command);
/* Range checks of every numeric option, the command's required options, and
 * the code lists: codes are trimmed and upper-cased (as the data's codes
 * are, SPEC 5), a code listed twice is an error. Called by cm_config_parse;
 * not collective. */
int cm_config_validate(cm_config *cfg);
/* Frees what parsing allocated (config file text, list copies). */
void cm_config_free(cm_config *cfg);
/* key=value lines describing the configuration, for the store's provenance. */
int cm_config_describe(const cm_config *cfg, char *buf, size_t len);

/* The options of one command's stage as `name=value` lines, in table order,
 * without paths and output locations: what a rerun compares. Not collective. */
int cm_config_stage_options(const cm_config *cfg, const char *command, char *buf, size_t len);

#endif
