/* `citemill ingest` (SPEC 1, 4): for each corpus, the ranks read their
 * claimed files into columns (cm_ingest_read.c), drop duplicates at the
 * keys' owners and write their rows into the store (cm_ingest_store.c);
 * with --refresh the rows of unchanged files come from the previous store
 * (cm_ingest_refresh.c). Outputs are checked before anything is read. */
#include "cm_ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cm_error.h"
#include "cm_ingest_cols.h"
#include "cm_ingest_read.h"
#include "cm_ingest_refresh.h"
#include "cm_ingest_store.h"
#include "cm_outputs.h"
#include "cm_progress.h"
#include "cm_text.h"

/* The rejects folder of a store: --rejects, or STORE.rejects. */
static void rejects_dir(const cm_config *cfg, char *dir, size_t n) {
  if (cfg->rejects)
    snprintf(dir, n, "%s", cfg->rejects);
  else
    snprintf(dir, n, "%s.rejects", cfg->store);
}

int cm_ingest_check_out(const cm_config *cfg) {
  char *inputs[2 * CM_MAX_PATHS];
  int n = 0;
  for (int i = 0; i < cfg->n_patents; i++)
    inputs[n++] = cfg->patents[i];
  for (int i = 0; i < cfg->n_works; i++)
    inputs[n++] = cfg->works[i];
  char dir[CM_PATH_MAX], tmp[4200];
  rejects_dir(cfg, dir, sizeof dir);
  CM_PATH(tmp, "%s.tmp", cfg->store);
  CM_TRY(cm_out_file_ok(cfg->store, CM_OUT_H5, "--store"));
  CM_TRY(cm_out_not_input(cfg->store, "--store", inputs, n));
  CM_TRY(cm_out_not_input(tmp, "--store", inputs, n));
  CM_TRY(cm_out_not_input(dir, "the rejects folder", inputs, n));
  CM_TRY(cm_out_holds_no_input(dir, "the rejects folder", inputs, n));
  struct stat sb;
  if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return CM_FAIL("the rejects folder '%s' exists and is not a folder; choose another --rejects", dir);
  for (int k = 0; k < 2; k++) {
    char path[CM_PATH_MAX];
    CM_PATH(path, "%s/%s.csv", dir, k ? "works" : "patents");
    CM_TRY(cm_out_file_ok(path, CM_OUT_REJECTS, "the rejects file"));
  }
  return CM_OK;
}

int cm_ingest(MPI_Comm comm, const cm_config *cfg) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  char rej_dir[CM_PATH_MAX], tmp[4200];
  rejects_dir(cfg, rej_dir, sizeof rej_dir);
  CM_PATH(tmp, "%s.tmp", cfg->store);
  /* nothing is read or written before the outputs are known to be safe */
  CM_AGREE(comm, rank == 0 ? cm_ingest_check_out(cfg) : CM_OK);
  CM_AGREE(comm, rank == 0 ? cm_mkdirs(rej_dir) : CM_OK);
  int rc = CM_OK;

  double t_start = cm_now();
  cm_corpus_cols cols[2];
  cm_filelist fl[2] = {{0}, {0}};
  cm_corpus_totals t[2];
  memset(t, 0, sizeof t);
  int lrc = cm_cols_init(&cols[0]);
  if (lrc == CM_OK) lrc = cm_cols_init(&cols[1]);
  CM_AGREE(comm, lrc);
  cm_base_store base;
  memset(&base, 0, sizeof base);
  base.file = -1;
  if (cfg->refresh) CM_TRY(cm_base_open(comm, cfg, rej_dir, &base));
  hid_t f = -1; /* the store being written: begun after the first corpus */
  cm_h5_deferred *later = NULL;
  double t_write = 0;
  for (int k = 0; k < 2 && rc == CM_OK; k++) {
    /* the patents' columns, written (or queued: cm_read_corpus frees them once it has written them) */
    int queued = k == 1 && cm_h5_deferred_pending(later);
    if (k == 1 && !queued) cm_cols_free(&cols[0]);
    rc = cm_read_corpus(comm, cfg, k == 0, rej_dir, &base, &cols[k], &fl[k], &t[k], later,
                        queued ? &cols[0] : NULL);
    if (rc) break;
    double t0 = cm_now();
    size_t n = cm_strcol_count(&cols[k].key);
    uint8_t *keep = malloc(n + 1);
    rc = cm_agree(comm, keep ? CM_OK : CM_FAIL("out of memory"));
    if (rc) break;
    memset(keep, 1, n + 1);
    rc = cm_resolve_duplicates(comm, &cols[k], keep, &t[k].duplicates);
    if (base.active[k]) t[k].duplicates += base.dups[k]; /* dropped among old files before */
    if (rc == CM_OK) rc = cm_cols_compact(&cols[k], keep);
    free(keep);
    t[k].kept = t[k].records - t[k].duplicates;
    t[k].t_dedup = cm_now() - t0;
    rc = cm_agree(comm, rc);
    if (rc) break;
    t0 = cm_now();
    rc = cm_store_begin_corpus(comm, cfg, tmp, k, cols, fl, t, &f, &later);
    t_write += cm_now() - t0;
  }
  cm_base_free(&base); /* collective: closes the previous store */
  double t0 = cm_now();
  rc = cm_store_end(comm, cfg, tmp, rc, f, later);
  if (rc == CM_OK && rank == 0) /* the store is in place: now its rejects files */
    for (int k = 0; k < 2 && rc == CM_OK; k++)
      rc = cm_rejects_publish(rej_dir, k ? "works" : "patents");
  rc = cm_agree(comm, rc);
  t_write += cm_now() - t0 + t[0].t_write + t[1].t_write; /* (the held-back writes: during works) */
  /* Sum the per-rank reader statistics for the summary. */
  uint64_t rs[2][6], rsum[2][6];
  for (int k = 0; k < 2; k++) {
    uint64_t v[6] = {t[k].rs.members,        t[k].rs.skipped_manifest, t[k].rs.skipped_other,
                     t[k].rs.skipped_nested, t[k].rs.bytes_in,         t[k].rs.bytes_out};
    memcpy(rs[k], v, sizeof v);
  }
  CM_MPI(MPI_Reduce(rs, rsum, 12, MPI_UINT64_T, MPI_SUM, 0, comm));
  if (rc == CM_OK && rank == 0 && !cfg->quiet) {
    for (int k = 0; k < 2; k++)
      printf(
          "ingest %s: %zu files, %" PRIu64 " lines, %" PRIu64 " records, %" PRIu64 " rejects, %" PRIu64
          " duplicates dropped, %" PRIu64 " rows stored; skipped %" PRIu64 " manifest, %" PRIu64
          " other, %" PRIu64
          " nested archives; %.1f MB compressed, %.1f MB JSON; read %.2f s (a rank busy %.2f-%.2f s), dedup "
          "%.2f s\n",
          k ? "works" : "patents", fl[k].n, t[k].lines, t[k].records, t[k].rejects, t[k].duplicates,
          t[k].kept, rsum[k][1], rsum[k][2], rsum[k][3], rsum[k][4] / 1e6, rsum[k][5] / 1e6, t[k].t_read,
          t[k].busy[0], t[k].busy[1], t[k].t_dedup);
    for (int k = 0; k < 2; k++) {
      char list[2048] = "";
      size_t used = 0;
      for (int i = cm_wt_first(k); i < cm_wt_end(k); i++)
        if (t[k].wrong_type[i])
          used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s %s %" PRIu64,
                                   used ? "," : "", CM_WT_NAMES[i], t[k].wrong_type[i]);
      if (used)
        printf("ingest %s: values read as missing or unknown because of their JSON type (check the dump's "
               "schema):%s\n",
               k ? "works" : "patents", list);
    }
    printf("ingest: store '%s' written in %.2f s (write %.2f s on rank 0); rejects in '%s'\n", cfg->store,
           cm_now() - t_start, t_write, rej_dir);
  }
  if (rc == CM_OK && !cfg->quiet) CM_TRY(cm_report_rss(comm, "ingest"));
  for (int k = 0; k < 2; k++) {
    cm_cols_free(&cols[k]);
    cm_filelist_free(&fl[k]);
  }
  return rc;
}
