/* `citemill run`: stages, manifest, resume.
 *
 * A stage's signature is a hash of what determines its outputs: the citemill
 * version, the stage's options (cm_config_stage_options) and its inputs (the
 * input files' paths, sizes and modification times for ingest; checksums of
 * the previous stage's outputs and of the alias table after that). A stage
 * is skipped when the manifest holds a block with the same signature and its
 * outputs are still there with the recorded sizes and checksums; once a
 * stage runs, every later stage runs too.
 *
 * Outputs appear atomically: the store through store.h5.tmp, the analysis
 * directory built as analysis.tmp/ and swapped in by two renames (a kill
 * between them leaves analysis.old/, which the next run moves back), the
 * report and the manifest through .tmp files. The manifest is written after
 * a stage's outputs are in place and flushed to disk (fsync of each file and
 * of the directories holding them): a killed stage is simply not recorded,
 * and a node that crashes cannot come back with a manifest naming outputs
 * whose bytes were lost. */
#include "cm_run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "cm_analyze.h"
#include "cm_buf.h"
#include "cm_error.h"
#include "cm_files.h"
#include "cm_info.h"
#include "cm_ingest.h"
#include "cm_jobs.h"
#include "cm_outputs.h"
#include "cm_progress.h"
#include "cm_report.h"
#include "cm_signal.h"
#include "cm_text.h"

/* The stages, in order. */
enum { STAGE_INGEST, STAGE_ANALYZE, STAGE_REPORT, N_STAGES };

/* Where a run's stages read and write. */
typedef struct {
  const char *out;
  char store[CM_PATH_MAX], analysis[CM_PATH_MAX];
} run_paths;

/* A stage: its name (the manifest block), the command whose options make up
 * its signature (NULL: none), its body (collective, returning an agreed
 * result), and the outputs rank 0 records for it. */
typedef struct {
  const char *name, *options_of;
  int (*body)(MPI_Comm comm, const cm_config *cfg, const run_paths *rp, int damaged, uint64_t *shuffled);
  int (*outputs)(const char *out, cm_buf *lines);
} stage;

/* The stage table (defined below the functions it names). */
static const stage STAGES[N_STAGES];

/* One stage's record (rank 0). */
typedef struct {
  int present;
  char signature[17];
  double seconds;
  uint64_t shuffled;
  cm_buf outputs; /* "relpath size checksum\n" lines */
  cm_buf text;    /* the whole block, written back as is when skipped */
} stage_rec;

/* ---- checksums ---- */

/* Files this large are not read whole (see file_checksum). */
#define SAMPLED_BYTES (256ull << 20)
#define SAMPLE (1u << 20)

/* XXH3 of the bytes of f from `at` on, `len` of them at most, into st. */
static int hash_range(FILE *f, uint64_t at, uint64_t len, XXH3_state_t *st, char *buf, uint64_t *got) {
  *got = 0;
  if (fseeko(f, (off_t)at, SEEK_SET) != 0) return CM_ERR;
  size_t n;
  while (*got < len && (n = fread(buf, 1, len - *got < SAMPLE ? (size_t)(len - *got) : SAMPLE, f)) > 0) {
    XXH3_64bits_update(st, buf, n);
    *got += n;
  }
  return ferror(f) ? CM_ERR : CM_OK;
}

/* Size and XXH3 of a file. A file of 256 MiB or more (the store) is
 * identified by its size, modification time (ns) and the XXH3 of its first
 * and last MiB instead: reading it whole on rank 0 would keep every other
 * rank waiting (docs/run.md). Reuse of the store rests on its datasets'
 * checksums, which the ranks verify together. */
static int file_checksum(const char *path, uint64_t *size, uint64_t *sum) {
  struct stat sb;
  FILE *f = fopen(path, "rb");
  if (!f) return CM_ERR; /* missing: the caller decides */
  if (fstat(fileno(f), &sb) != 0) {
    fclose(f);
    return CM_FAIL("cannot stat '%s'", path);
  }
  XXH3_state_t *st = XXH3_createState();
  char *buf = malloc(SAMPLE);
  if (!st || !buf) {
    XXH3_freeState(st);
    free(buf);
    fclose(f);
    return CM_FAIL("out of memory");
  }
  XXH3_64bits_reset(st);
  uint64_t fsize = (uint64_t)sb.st_size, got = 0, got2 = 0;
  int rc;
  if (fsize < SAMPLED_BYTES) {
    rc = hash_range(f, 0, UINT64_MAX, st, buf, &got);
  } else {
    int64_t when[2] = {(int64_t)sb.st_mtim.tv_sec, (int64_t)sb.st_mtim.tv_nsec};
    XXH3_64bits_update(st, when, sizeof when);
    rc = hash_range(f, 0, SAMPLE, st, buf, &got);
    if (rc == CM_OK) rc = hash_range(f, fsize - SAMPLE, SAMPLE, st, buf, &got2);
    got = fsize;
  }
  fclose(f);
  free(buf);
  *size = got;
  *sum = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return rc != CM_OK ? CM_FAIL("cannot read '%s'", path) : CM_OK;
}

/* fsync of a file or directory. Without it a node that crashes after the
 * manifest names a stage's outputs could come back with the manifest but
 * not all of their bytes (the kernel writes files back in no set order), and
 * the sampled checksum of a large store need not notice. */
static int sync_path(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return CM_FAIL("cannot open '%s' to flush it: %s", path, strerror(errno));
  int rc = fsync(fd) == 0 ? CM_OK : CM_FAIL("cannot flush '%s' to disk: %s", path, strerror(errno));
  close(fd);
  return rc;
}

/* Appends "relpath size checksum\n" for OUT/relpath, once its bytes are on
 * disk (its folder is flushed by the caller: analysis_outputs, or
 * manifest_write for OUT itself). */
static int record_output(const char *out, const char *rel, cm_buf *lines) {
  char path[CM_PATH_MAX], line[4400];
  CM_PATH(path, "%s/%s", out, rel);
  uint64_t size, sum;
  if (file_checksum(path, &size, &sum) != CM_OK) return CM_FAIL("stage output '%s' is missing", path);
  CM_TRY(sync_path(path));
  int n = snprintf(line, sizeof line, "%s %" PRIu64 " %016" PRIx64 "\n", rel, size, sum);
  return cm_buf_append(lines, line, (size_t)n);
}

/* All recorded outputs still have their size and checksum. */
static int outputs_intact(const char *out, const cm_buf *lines) {
  char *text = strndup((const char *)lines->data, lines->len);
  if (!text) return 0;
  int ok = 1;
  for (char *l = strtok(text, "\n"); l && ok; l = strtok(NULL, "\n")) {
    char rel[4096];
    uint64_t size, sum, s2, c2;
    if (sscanf(l, "%4095s %" SCNu64 " %" SCNx64, rel, &size, &sum) != 3) {
      ok = 0;
      break;
    }
    char path[CM_PATH_MAX];
    CM_PATH(path, "%s/%s", out, rel);
    ok = file_checksum(path, &s2, &c2) == CM_OK && s2 == size && c2 == sum;
  }
  free(text);
  return ok;
}

/* ---- the manifest ---- */

static void recs_free(stage_rec *r) {
  for (int k = 0; k < N_STAGES; k++) {
    cm_buf_free(&r[k].outputs);
    cm_buf_free(&r[k].text);
  }
}

/* Reads OUT/manifest into recs (rank 0). A missing file is an empty one. */
static int manifest_read(const char *out, stage_rec *recs) {
  char path[CM_PATH_MAX];
  CM_PATH(path, "%s/manifest", out);
  FILE *f = fopen(path, "r");
  if (!f) return CM_OK;
  char line[8192];
  stage_rec *cur = NULL;
  int rc = CM_OK;
  while (rc == CM_OK && fgets(line, sizeof line, f)) {
    if (line[0] == '[') {
      cur = NULL;
      for (int k = 0; k < N_STAGES; k++) {
        char hdr[32];
        snprintf(hdr, sizeof hdr, "[%s]\n", STAGES[k].name);
        if (strcmp(line, hdr) == 0) cur = &recs[k], cur->present = 1;
      }
    }
    if (!cur) continue;
    rc = cm_buf_append(&cur->text, line, strlen(line));
    if (sscanf(line, "signature = %16s", cur->signature) == 1) continue;
    if (sscanf(line, "seconds = %lf", &cur->seconds) == 1) continue;
    if (sscanf(line, "bytes_shuffled_max = %" SCNu64, &cur->shuffled) == 1) continue;
    if (strncmp(line, "output = ", 9) == 0 && rc == CM_OK)
      rc = cm_buf_append(&cur->outputs, line + 9, strlen(line + 9));
  }
  fclose(f);
  return rc;
}

static int manifest_write(const char *out, const stage_rec *recs) {
  char path[CM_PATH_MAX], tmp[4300];
  CM_PATH(path, "%s/manifest", out);
  CM_PATH(tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return CM_FAIL("cannot write '%s': %s", tmp, strerror(errno));
  fprintf(f, "# citemill run manifest: one block per completed stage (docs/run.md)\n");
  for (int k = 0; k < N_STAGES; k++)
    if (recs[k].present) fwrite(recs[k].text.data, 1, recs[k].text.len, f);
  int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
  if (fclose(f) != 0 || bad) return CM_FAIL("writing '%s' failed (disk full?)", tmp);
  CM_TRY(sync_path(out)); /* the outputs' own renames in OUT (analysis/, store.h5) first */
  if (rename(tmp, path) != 0) return CM_FAIL("cannot rename '%s': %s", tmp, strerror(errno));
  return sync_path(out); /* and the manifest's */
}

/* Builds the block of a stage that just completed. */
static int stage_block(stage_rec *r, const char *stage, const char *sig, double secs, uint64_t shuffled,
                       const char *options, const cm_buf *inputs, const cm_buf *outputs) {
  char head[1024];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r->text.len = 0;
  int n = snprintf(head, sizeof head,
                   "[%s]\nsignature = %s\ncitemill_version = %s\ncompleted_utc = %s\nseconds = %.3f\n"
                   "bytes_shuffled_max = %" PRIu64 "\n",
                   stage, sig, CM_VERSION, when, secs, shuffled);
  CM_TRY(cm_buf_append(&r->text, head, (size_t)n));
  for (const char *p = options; *p;) { /* options as "option = name=value" lines */
    const char *e = strchr(p, '\n');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    CM_TRY(cm_buf_append(&r->text, "option = ", 9));
    CM_TRY(cm_buf_append(&r->text, p, l));
    CM_TRY(cm_buf_append(&r->text, "\n", 1));
    p += l + (e != NULL);
  }
  CM_TRY(cm_buf_append(&r->text, inputs->data, inputs->len));
  r->outputs.len = 0;
  CM_TRY(cm_buf_append(&r->outputs, outputs->data, outputs->len));
  for (size_t i = 0; i < outputs->len;) {
    const uint8_t *e = memchr(outputs->data + i, '\n', outputs->len - i);
    size_t l = (size_t)(e - (outputs->data + i)) + 1;
    CM_TRY(cm_buf_append(&r->text, "output = ", 9));
    CM_TRY(cm_buf_append(&r->text, outputs->data + i, l));
    i += l;
  }
  snprintf(r->signature, sizeof r->signature, "%s", sig);
  r->present = 1;
  r->seconds = secs;
  r->shuffled = shuffled;
  return CM_OK;
}

/* ---- inputs of each stage ---- */

/* "input = corpus size mtime path" lines of every input file (rank 0). */
static int ingest_inputs(const cm_config *cfg, cm_buf *lines) {
  for (int k = 0; k < 2; k++) {
    cm_filelist fl = {0};
    char *const *paths = k ? cfg->works : cfg->patents;
    int n = k ? cfg->n_works : cfg->n_patents;
    if (n == 0) continue;
    CM_TRY(cm_files_collect(paths, n, k ? "works" : "patents", &fl));
    int rc = CM_OK;
    for (size_t i = 0; i < fl.n && rc == CM_OK; i++) {
      char line[4400];
      int l = snprintf(line, sizeof line, "input = %s %" PRIu64 " %" PRId64 " %s\n", k ? "works" : "patents",
                       fl.v[i].size, fl.v[i].mtime, fl.v[i].path);
      rc = cm_buf_append(lines, line, (size_t)l);
    }
    cm_filelist_free(&fl);
    CM_TRY(rc);
  }
  return CM_OK;
}

/* "input = file size checksum" of an input file outside OUT (alias table). */
static int file_input(const char *path, cm_buf *lines) {
  uint64_t size, sum;
  if (file_checksum(path, &size, &sum) != CM_OK) return CM_FAIL("cannot read '%s'", path);
  char line[4400];
  int l = snprintf(line, sizeof line, "input = file %" PRIu64 " %016" PRIx64 " %s\n", size, sum, path);
  return cm_buf_append(lines, line, (size_t)l);
}

static void signature_of(const char *stage, const char *options, const cm_buf *inputs, char out[17]) {
  XXH3_state_t *st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, stage, strlen(stage) + 1);
  XXH3_64bits_update(st, CM_VERSION, strlen(CM_VERSION) + 1);
  XXH3_64bits_update(st, options, strlen(options) + 1);
  XXH3_64bits_update(st, inputs->data ? (const void *)inputs->data : "", inputs->len);
  snprintf(out, 17, "%016" PRIx64, XXH3_64bits_digest(st));
  XXH3_freeState(st);
}

/* ---- stage bodies ---- */

/* Rank 0, before anything: every output of every stage may be written (the
 * stages check again when they run), and OUT exists. */
static int check_outputs(const cm_config *cfg, const char *store, const char *analysis) {
  char *inputs[2 * CM_MAX_PATHS + 1];
  int n = 0;
  for (int i = 0; i < cfg->n_patents; i++)
    inputs[n++] = cfg->patents[i];
  for (int i = 0; i < cfg->n_works; i++)
    inputs[n++] = cfg->works[i];
  if (cfg->aliases) inputs[n++] = (char *)cfg->aliases;
  CM_TRY(cm_out_not_input(cfg->out, "--out", inputs, n));
  CM_TRY(cm_mkdirs(cfg->out));
  static const struct {
    const char *name;
    cm_out_kind kind;
  } files[] = {{"manifest", CM_OUT_MANIFEST}, {"report.html", CM_OUT_REPORT}, {"run.json", CM_OUT_RUN_JSON}};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[CM_PATH_MAX];
    CM_PATH(path, "%s/%s", cfg->out, files[i].name);
    CM_TRY(cm_out_file_ok(path, files[i].kind, "--out's"));
  }
  cm_config c2 = *cfg;
  c2.store = store;
  CM_TRY(cm_ingest_check_out(&c2));
  c2.out = analysis;
  return cm_analyze_check_out(&c2);
}

static int analysis_outputs(const char *out, cm_buf *lines) {
  char rel[256];
  for (int i = 0; i < CM_N_TABLES; i++) {
    snprintf(rel, sizeof rel, "analysis/tables/%s.csv", CM_TABLES[i].name);
    CM_TRY(record_output(out, rel, lines));
  }
  CM_TRY(record_output(out, "analysis/results.h5", lines));
  CM_TRY(record_output(out, "analysis/links.h5", lines));
  char dir[CM_PATH_MAX]; /* the folders' entries, once each */
  CM_PATH(dir, "%s/analysis/tables", out);
  CM_TRY(sync_path(dir));
  CM_PATH(dir, "%s/analysis", out);
  return sync_path(dir);
}

static int ingest_outputs(const char *out, cm_buf *lines) { return record_output(out, "store.h5", lines); }
static int report_outputs(const char *out, cm_buf *lines) { return record_output(out, "report.html", lines); }

/* Collective: the ingest stage (a refresh of the kept store, unless that is
 * damaged). */
static int run_ingest(MPI_Comm comm, const cm_config *cfg, const run_paths *rp, int damaged,
                      uint64_t *shuffled) {
  (void)shuffled;
  cm_config c2 = *cfg;
  c2.command = "ingest";
  c2.store = rp->store;
  c2.refresh = !damaged; /* only new input files are read when the old ones are unchanged */
  return cm_ingest(comm, &c2);
}

/* Collective: the analyze stage, built as analysis.tmp and swapped in whole. */
static int run_analyze(MPI_Comm comm, const cm_config *cfg, const run_paths *rp, int damaged,
                       uint64_t *shuffled) {
  (void)damaged;
  cm_config c2 = *cfg;
  c2.command = "analyze";
  c2.store = rp->store;
  c2.out = rp->analysis;
  return cm_analyze(comm, &c2, shuffled);
}

/* Collective (rank 0 writes): the report. */
static int run_report(MPI_Comm comm, const cm_config *cfg, const run_paths *rp, int damaged,
                      uint64_t *shuffled) {
  (void)damaged, (void)shuffled;
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  return cm_agree(comm, rank == 0 ? cm_report_write(cfg, rp->out) : CM_OK);
}

static const stage STAGES[N_STAGES] = {
    {"ingest", "ingest", run_ingest, ingest_outputs},
    {"analyze", "analyze", run_analyze, analysis_outputs},
    {"report", NULL, run_report, report_outputs},
};

/* Rank 0: a stage's inputs (for its signature): every input file for
 * ingest; the previous stage's outputs after it, and the alias table for
 * analyze. */
static int stage_inputs(const cm_config *cfg, int k, const stage_rec *recs, cm_buf *inputs) {
  if (k == STAGE_INGEST) return ingest_inputs(cfg, inputs);
  CM_TRY(cm_buf_append(inputs, recs[k - 1].outputs.data, recs[k - 1].outputs.len));
  return k == STAGE_ANALYZE && cfg->aliases ? file_input(cfg->aliases, inputs) : CM_OK;
}

/* ---- the driver ---- */

typedef struct {
  int ran, skipped;
  double seconds;
  uint64_t shuffled;
} stage_result;

/* Collective: rank 0 decides, everyone learns. */
static int bcast_int(MPI_Comm comm, int *v) {
  CM_MPI(MPI_Bcast(v, 1, MPI_INT, 0, comm));
  return CM_OK;
}

static int run_json(const cm_config *cfg, const stage_result *res, const stage_rec *recs, double rss_max,
                    double rss_mean, int P) {
  char path[CM_PATH_MAX], tmp[4300];
  CM_PATH(path, "%s/run.json", cfg->out);
  CM_PATH(tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return CM_FAIL("cannot write '%s'", tmp);
  cm_report_counts counts;
  char store[CM_PATH_MAX];
  CM_PATH(store, "%s/store.h5", cfg->out);
  int have = cm_report_read_counts(store, &counts) == CM_OK;
  fprintf(f, "{\n  \"citemill_version\": \"%s\",\n  \"ranks\": %d,\n  \"stages\": {\n", CM_VERSION, P);
  for (int k = 0; k < N_STAGES; k++)
    fprintf(f, "    \"%s\": {\"status\": \"%s\", \"seconds\": %.3f, \"bytes_shuffled_max\": %" PRIu64 "}%s\n",
            STAGES[k].name,
            res[k].ran       ? "ran"
            : res[k].skipped ? "skipped"
                             : "not run",
            res[k].ran ? res[k].seconds : recs[k].seconds, res[k].ran ? res[k].shuffled : recs[k].shuffled,
            k + 1 < N_STAGES ? "," : "");
  fprintf(f, "  },\n");
  for (int k = 0; have && k < 2; k++) {
    fprintf(f,
            "  \"%s\": {\"rows\": %" PRIu64 ", \"lines\": %" PRIu64 ", \"rejects\": %" PRIu64
            ", \"duplicates_dropped\": %" PRIu64 ", \"input_files\": %" PRIu64
            ", \"values_of_wrong_type\": {",
            k ? "works" : "patents", counts.rows[k], counts.lines[k], counts.rejects[k], counts.dups[k],
            counts.files[k]);
    for (int i = 0; i < counts.n_wt[k]; i++)
      fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", counts.wt_names[k][i], counts.wrong_type[k][i]);
    fprintf(f, "}},\n");
  }
  fprintf(f, "  \"peak_rss_mib\": {\"max\": %.1f, \"mean\": %.1f}\n}\n", rss_max, rss_mean);
  if (fclose(f) != 0) return CM_FAIL("writing '%s' failed", tmp);
  if (rename(tmp, path) != 0) return CM_FAIL("cannot rename '%s'", tmp);
  return CM_OK;
}

int cm_run(MPI_Comm comm, const cm_config *cfg) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  const char *out = cfg->out;
  stage_rec recs[N_STAGES];
  memset(recs, 0, sizeof recs);
  stage_result res[N_STAGES];
  memset(res, 0, sizeof res);
  run_paths rp = {out, "", ""};
  CM_PATH(rp.store, "%s/store.h5", out);
  CM_PATH(rp.analysis, "%s/analysis", out);
  int rc = CM_OK;
  if (rank == 0) {
    rc = check_outputs(cfg, rp.store, rp.analysis);
    if (rc == CM_OK) rc = manifest_read(out, recs);
  }
  CM_AGREE(comm, rc);
  int force = 0, last = N_STAGES - 1;
  for (int k = 0; k < N_STAGES; k++)
    if (cfg->until && strcmp(cfg->until, STAGES[k].name) == 0) last = k;
  for (int k = 0; k <= last; k++) {
    const stage *st = &STAGES[k];
    int stop = 0; /* a safe point: between stages */
    CM_TRY(cm_signal_stop_requested(comm, &stop));
    if (stop) {
      if (rank == 0)
        printf("run: stop requested; stages before %s are complete, rerun to resume\n", st->name);
      rc = CM_INTERRUPTED;
      break;
    }
    /* rank 0: signature of this stage, and whether its record still holds */
    char options[8192] = "", sig[17] = "";
    cm_buf inputs = {0}, outputs = {0};
    int skip = 0;
    if (rank == 0) {
      if (st->options_of) rc = cm_config_stage_options(cfg, st->options_of, options, sizeof options);
      if (rc == CM_OK) rc = stage_inputs(cfg, k, recs, &inputs);
      if (rc == CM_OK) signature_of(st->name, options, &inputs, sig);
      skip = rc == CM_OK && !force && recs[k].present && strcmp(recs[k].signature, sig) == 0 &&
             outputs_intact(out, &recs[k].outputs);
      if (!cfg->quiet && rc == CM_OK)
        printf("run: stage %s: %s\n", st->name,
               skip              ? "unchanged, skipped"
               : recs[k].present ? "inputs or outputs changed, running"
                                 : "running");
      fflush(stdout);
    }
    rc = cm_agree(comm, rc);
    CM_TRY(bcast_int(comm, &skip));
    if (rc) {
      cm_buf_free(&inputs);
      break;
    }
    int damaged = 0; /* a store kept from an earlier run is reused only whole (every checksum holds) */
    if (skip && k == STAGE_INGEST && cm_verify_file(comm, rp.store) != CM_OK) {
      skip = 0, damaged = 1;
      if (rank == 0)
        printf(
            "run: stage ingest: the store fails its checksums (see above); ingesting again from the dumps\n");
    }
    if (skip) {
      res[k].skipped = 1;
      cm_buf_free(&inputs);
      continue;
    }
    force = 1;
    double t0 = cm_now();
    rc = st->body(comm, cfg, &rp, damaged, &res[k].shuffled);
    if (rc == CM_ERR) return rc; /* failed inside a collective step: main ends the job */
    if (rc) {
      cm_buf_free(&inputs);
      break;
    }
    res[k].ran = 1;
    res[k].seconds = cm_now() - t0;
    if (rank == 0) {
      rc = st->outputs(out, &outputs);
      if (rc == CM_OK)
        rc =
            stage_block(&recs[k], st->name, sig, res[k].seconds, res[k].shuffled, options, &inputs, &outputs);
      if (rc == CM_OK) rc = manifest_write(out, recs);
      if (!cfg->quiet && rc == CM_OK) printf("run: stage %s done in %.2f s\n", st->name, res[k].seconds);
    }
    cm_buf_free(&inputs);
    cm_buf_free(&outputs);
    rc = cm_agree(comm, rc);
    if (rc) break;
  }
  double mine = (double)cm_peak_rss() / 1048576.0, mx = 0, sum = 0;
  CM_MPI(MPI_Reduce(&mine, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
  CM_MPI(MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, comm));
  if (rank == 0 && (rc == CM_OK || rc == CM_INTERRUPTED)) {
    int r2 = run_json(cfg, res, recs, mx, sum / P, P);
    if (rc == CM_OK) rc = r2;
    if (rc == CM_OK && !cfg->quiet) printf("run: outputs in '%s' (summary in run.json)\n", out);
  }
  if (rank == 0) recs_free(recs);
  return cm_agree(comm, rc);
}
