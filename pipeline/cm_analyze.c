/* Analyze: every rank reads a slice of rows of the columns the jobs need
 * (never a whole column; patents cut by estimated cost, works evenly), then
 * the jobs run one after another. Rank 0
 * writes OUT/tables/<name>.csv and OUT/results.h5 (/<name>/<column>), both
 * through temporary names, renamed when all tables succeeded. */
#include "cm_analyze.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cm_dict.h"
#include "cm_error.h"
#include "cm_h5.h"
#include "cm_ingest_store.h"
#include "cm_jobs.h"
#include "cm_outputs.h"
#include "cm_progress.h"
#include "cm_signal.h"
#include "cm_text.h"

static int read_fixed(hid_t g, const char *name, hid_t type, size_t esize, uint64_t lo, uint64_t n, cm_buf *b,
                      cm_check *ck, int own) {
  CM_TRY(cm_buf_reserve(b, (size_t)n * esize + 8));
  CM_TRY(cm_h5_read(g, name, type, lo, n, b->data, ck, own));
  b->len = (size_t)n * esize;
  return CM_OK;
}

/* A dictionary-encoded column: rows' codes and the whole dictionary, which
 * every rank reads (rank 0 vouches for it). Codes must lie in the
 * dictionary. */
static int read_dict(hid_t g, const char *name, uint64_t lo, uint64_t n, cm_buf *codes, cm_strcol *dict,
                     cm_check *ck, int own, int rank) {
  hid_t d = H5Gopen2(g, name, H5P_DEFAULT);
  if (d < 0) return CM_FAIL("store has no column '%s'", name);
  int rc = read_fixed(d, "codes", H5T_NATIVE_UINT32, 4, lo, n, codes, ck, own);
  uint64_t nd = 0;
  if (rc == CM_OK) rc = cm_h5_length(d, "dict/offsets", &nd);
  if (rc == CM_OK && nd == 0) rc = CM_FAIL("column '%s' has an empty dictionary", name);
  if (rc == CM_OK)
    rc = cm_h5_read_strcol(d, "dict", 0, nd - 1, dict, ck, rank == 0 ? CM_OWN_LAST : CM_OWN_NONE);
  for (uint64_t i = 0; rc == CM_OK && i < n; i++)
    if (CM_BUF_AT(codes, uint32_t, i) >= nd - 1)
      rc =
          CM_FAIL("column '%s' is damaged: a code points past its dictionary of %llu values; write the store "
                  "again (citemill run re-ingests by itself)",
                  name, (unsigned long long)(nd - 1));
  H5Gclose(d);
  return rc;
}

/* Estimated analyze cost of rows [lo, lo + m) of /patents (see
 * patent_bounds), into cost[0..m). */
static int row_costs(const cm_ctx *c, hid_t g, uint64_t lo, uint64_t m, uint32_t *cost) {
  cm_buf codes = {0}, idx = {0};
  cm_strcol dict;
  CM_TRY(cm_strcol_init(&dict));
  int rc = read_dict(g, "office", lo, m, &codes, &dict, NULL, CM_OWN_NONE, c->rank);
  if (rc == CM_OK)
    rc = read_fixed(g, "npl_text/index", H5T_NATIVE_UINT64, 8, lo, m + 1, &idx, NULL, CM_OWN_NONE);
  uint32_t office = rc == CM_OK ? cm_dict_find(&dict, c->par->office) : UINT32_MAX;
  for (uint64_t i = 0; rc == CM_OK && i < m; i++) {
    uint64_t npl = CM_BUF_AT(&idx, uint64_t, i + 1) - CM_BUF_AT(&idx, uint64_t, i);
    uint64_t v = 2 + 11 * npl + (CM_BUF_AT(&codes, uint32_t, i) == office ? 4 : 0);
    cost[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
  }
  cm_buf_free(&codes);
  cm_buf_free(&idx);
  cm_strcol_free(&dict);
  return rc;
}

/* Patent slices are contiguous row ranges (reads stay contiguous, and rank
 * order stays row order for everything written in rank order), cut where
 * the estimated cost, not the row count, is even: dumps cluster (whole
 * stretches of rows are one office), so even counts give ranks uneven
 * work. The cost model (relative, from a profile; docs/performance.md):
 * 2 per row (citation join), 11 per NPL string (DOI scan, title windows),
 * 4 per office-O patent (canonical assignees, assignee tables). Each rank costs an even slice, and the rank
 * whose part holds a cut reports it. Collective on c->comm. */
static int patent_bounds(cm_ctx *c, hid_t g, uint64_t n, uint64_t *bounds) {
  int P = c->nranks;
  uint64_t lo, m;
  cm_row_slice(n, c->rank, P, &lo, &m);
  uint32_t *cost = malloc((m + 1) * sizeof *cost);
  int rc = cost ? row_costs(c, g, lo, m, cost)
                : CM_FAIL("out of memory for %llu row costs", (unsigned long long)m);
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) {
    free(cost);
    return rc;
  }
  uint64_t mine = 0, before = 0, total = 0;
  for (uint64_t i = 0; i < m; i++)
    mine += cost[i];
  CM_MPI(MPI_Exscan(&mine, &before, 1, MPI_UINT64_T, MPI_SUM, c->comm));
  if (c->rank == 0) before = 0; /* MPI_Exscan leaves rank 0's undefined */
  CM_MPI(MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, c->comm));
  /* cut k: the first row i with cost(rows < i) >= k * total / P; costs are
   * >= 1, so that prefix grows strictly and one rank's part holds it */
  memset(bounds, 0, (size_t)(P + 1) * sizeof *bounds);
  uint64_t prefix = before;
  int k = 1;
  while (k < P && (unsigned __int128)before * (unsigned)P >= (unsigned __int128)total * (unsigned)k)
    k++; /* cuts at or before this part's first row belong to earlier parts */
  for (uint64_t i = 0; i < m && k < P; i++) {
    prefix += cost[i];
    while (k < P && (unsigned __int128)prefix * (unsigned)P >= (unsigned __int128)total * (unsigned)k)
      bounds[k++] = lo + i + 1;
  }
  free(cost);
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, bounds, P + 1, MPI_UINT64_T, MPI_MAX, c->comm));
  bounds[P] = n;
  for (int r = 1; r <= P; r++) /* monotone even where a part had no rows */
    if (bounds[r] < bounds[r - 1]) bounds[r] = bounds[r - 1];
  return CM_OK;
}

/* This rank holds the last of a column's rows (or is rank 0 of a column
 * without rows): it vouches for the closing offsets. */
static int holds_last_row(int rank, uint64_t n, uint64_t hi, uint64_t total) {
  return total == 0 ? rank == 0 : n > 0 && hi == total;
}

/* Not collective: this rank's rows [lo, hi) of the patents' columns. */
static int load_patents(cm_ctx *c, hid_t g, cm_check *ck) {
  if (cm_fault("load-fail")) return CM_FAIL("injected failure loading the store (CITEMILL_FAULT)");
  uint64_t lo = c->p_lo, hi = c->p_lo + c->p_n;
  int own = holds_last_row(c->rank, c->p_n, hi, c->p_total) ? CM_OWN_LAST : CM_OWN_ROWS;
  CM_TRY(cm_h5_read_strcol(g, "publication_number", lo, hi, &c->p_key, ck, own));
  CM_TRY(read_dict(g, "office", lo, c->p_n, &c->p_office, &c->office_dict, ck, own, c->rank));
  c->office_o = cm_dict_find(&c->office_dict, c->par->office);
  CM_TRY(read_fixed(g, "publication_date", H5T_NATIVE_INT64, 8, lo, c->p_n, &c->p_year, ck, own));
  for (size_t i = 0; i < c->p_n; i++)
    CM_BUF_AT(&c->p_year, int64_t, i) /= 10000; /* 0 stays unknown */
  CM_TRY(cm_h5_read_listcol(g, "assignee_name", lo, hi, &c->p_asg_name, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "assignee_country", lo, hi, &c->p_asg_country, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "cited_publication_number", lo, hi, &c->p_cited, ck, own));
  return cm_h5_read_listcol(g, "npl_text", lo, hi, &c->p_npl, ck, own);
}

/* Not collective: this rank's rows of the works' columns (even slices). */
static int load_works(cm_ctx *c, hid_t g, cm_check *ck) {
  uint64_t n;
  CM_TRY(cm_h5_length(g, "record_id", &n));
  c->w_total = n;
  for (int r = 0; r <= c->nranks; r++) {
    uint64_t m;
    cm_row_slice(n, r, c->nranks, &c->w_bounds[r], &m);
  }
  c->w_lo = c->w_bounds[c->rank];
  c->w_n = c->w_bounds[c->rank + 1] - c->w_lo;
  uint64_t lo = c->w_lo, hi = c->w_lo + c->w_n;
  int own = holds_last_row(c->rank, c->w_n, hi, n) ? CM_OWN_LAST : CM_OWN_ROWS;
  CM_TRY(cm_h5_read_strcol(g, "id", lo, hi, &c->w_key, ck, own));
  CM_TRY(cm_h5_read_strcol(g, "doi", lo, hi, &c->w_doi, ck, own));
  CM_TRY(read_fixed(g, "publication_year", H5T_NATIVE_INT64, 8, lo, c->w_n, &c->w_year, ck, own));
  CM_TRY(read_fixed(g, "has_year", H5T_NATIVE_UINT8, 1, lo, c->w_n, &c->w_has_year, ck, own));
  CM_TRY(read_fixed(g, "cited_by_count", H5T_NATIVE_INT64, 8, lo, c->w_n, &c->w_cites, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "countries", lo, hi, &c->w_countries, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "institution_id", lo, hi, &c->w_inst_id, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "institution_name", lo, hi, &c->w_inst_name, ck, own));
  CM_TRY(cm_h5_read_listcol(g, "institution_country", lo, hi, &c->w_inst_country, ck, own));
  CM_TRY(read_dict(g, "field", lo, c->w_n, &c->w_field, &c->field_dict, ck, own, c->rank));
  CM_TRY(cm_h5_read_strcol(g, "topic_id", lo, hi, &c->w_topic_id, ck, own));
  CM_TRY(cm_h5_read_strcol(g, "topic_name", lo, hi, &c->w_topic_name, ck, own));
  if (cm_list_index(&c->par->link_methods, "title", 5) >= 0) {
    CM_TRY(cm_h5_read_strcol(g, "title", lo, hi, &c->w_title, ck, own));
    CM_TRY(cm_h5_read_strcol(g, "first_author", lo, hi, &c->w_first_author, ck, own));
  }
  return CM_OK;
}

/* Collective: every rank's slices of the columns the jobs need, validated
 * as they are read and checked against the store's checksums. Returns an
 * agreed result. */
static int load(cm_ctx *c, hid_t f, const char *path) {
  cm_check *ck = NULL;
  CM_AGREE(c->comm, c->rank == 0 ? cm_store_check_schema(f, path) : CM_OK);
  CM_AGREE(c->comm, cm_check_new(&ck));
  hid_t g = H5Gopen2(f, "patents", H5P_DEFAULT);
  uint64_t n = 0;
  int rc = g < 0 ? CM_FAIL("store has no /patents group") : cm_h5_length(g, "record_id", &n);
  rc = cm_agree(c->comm, rc);
  c->p_total = n;
  if (rc == CM_OK) rc = patent_bounds(c, g, n, c->p_bounds); /* collective: agreed */
  if (rc == CM_OK) {
    c->p_lo = c->p_bounds[c->rank];
    c->p_n = c->p_bounds[c->rank + 1] - c->p_lo;
    rc = load_patents(c, g, ck);
  }
  if (g >= 0) H5Gclose(g);
  if (rc == CM_OK) {
    g = H5Gopen2(f, "works", H5P_DEFAULT);
    rc = g < 0 ? CM_FAIL("store has no /works group") : load_works(c, g, ck);
    if (g >= 0) H5Gclose(g);
  }
  rc = cm_agree(c->comm, rc);
  if (rc != CM_OK) {
    cm_check_free(ck);
    return rc;
  }
  return cm_check_finish(c->comm, ck, path);
}

static void unload(cm_ctx *c) {
  cm_strcol *s[] = {&c->p_key,      &c->office_dict,  &c->w_key,   &c->w_doi,         &c->field_dict,
                    &c->w_topic_id, &c->w_topic_name, &c->w_title, &c->w_first_author};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    cm_strcol_free(s[i]);
  cm_listcol *l[] = {&c->p_asg_name,  &c->p_asg_country, &c->p_cited,     &c->p_npl,
                     &c->w_countries, &c->w_inst_id,     &c->w_inst_name, &c->w_inst_country};
  for (size_t i = 0; i < sizeof l / sizeof *l; i++)
    cm_listcol_free(l[i]);
  cm_buf *b[] = {&c->p_office, &c->p_year, &c->w_year, &c->w_has_year, &c->w_cites, &c->w_field};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++)
    cm_buf_free(b[i]);
  free(c->p_bounds);
  free(c->w_bounds);
  c->p_bounds = c->w_bounds = NULL;
}

/* Collective: reports a finished step on rank 0: its time and the most bytes
 * one rank sent in its shuffles (`sent0` is c->bytes_shuffled before it). */
static int step_done(cm_ctx *c, const char *label, double t0, uint64_t sent0) {
  uint64_t mine = c->bytes_shuffled - sent0, most = 0;
  CM_MPI(MPI_Reduce(&mine, &most, 1, MPI_UINT64_T, MPI_MAX, 0, c->comm));
  if (c->rank == 0 && !c->par->quiet)
    printf("analyze: %-28s %.2f s, %.1f MB shuffled (busiest rank), rank 0 peak RSS %.0f MiB\n", label,
           cm_now() - t0, (double)most / 1e6, (double)cm_peak_rss() / 1048576.0);
  return CM_OK;
}

/* Collective: the link step, the one before the first job that needs links:
 * the link table (cm_job_links), written to OUT/links.h5 and delivered to the
 * works' owners in sh->wl. */
static int link_step(cm_ctx *c, cm_shared *sh, const char *out) {
  double t0 = cm_now();
  uint64_t b0 = c->bytes_shuffled;
  cm_links links;
  CM_TRY(cm_job_links(c, &links));
  char lpath[CM_PATH_MAX];
  CM_PATH(lpath, "%s/links.h5", out);
  int rc = cm_links_write(c, &links, lpath);
  if (rc == CM_OK) rc = cm_links_to_works(c, &links, &sh->wl);
  uint64_t n[2] = {links.n, links.title_hot_keys};
  cm_links_free(&links);
  CM_TRY(rc);
  CM_MPI(MPI_Reduce(c->rank ? n : MPI_IN_PLACE, n, 2, MPI_UINT64_T, MPI_SUM, 0, c->comm));
  if (c->rank == 0 && !c->par->quiet)
    printf("analyze: %" PRIu64 " links in '%s' (%" PRIu64 " title keys skipped as too common)\n", n[0], lpath,
           n[1]);
  return step_done(c, "links (npl_text to works)", t0, b0);
}

/* What the jobs from j on still need (CM_NEEDS_*). */
static unsigned needed_from(int j) {
  unsigned n = 0;
  for (; j < CM_N_JOBS; j++)
    n |= CM_JOBS[j].needs;
  return n;
}

/* Collective: the shared steps and the jobs of the registry, in order. Each
 * shared result is made before the first job that needs it and freed after
 * the last. Every job returns the same result on every rank, or CM_ERR
 * where it failed inside a collective step (main then ends the job). */
static int run_jobs(cm_ctx *c, const char *out, hid_t h5) {
  cm_shared sh;
  memset(&sh, 0, sizeof sh);
  int rc = CM_OK, have_links = 0;
  if (needed_from(0) & (CM_NEEDS_CITATIONS | CM_NEEDS_ASSIGNEE_SETS)) {
    double t0 = cm_now();
    rc = cm_job_citations(c, &sh.cit);
    if (rc == CM_OK) rc = step_done(c, "citation inversion", t0, 0);
  }
  for (int j = 0; j < CM_N_JOBS && rc == CM_OK; j++) {
    const cm_job *job = &CM_JOBS[j];
    if ((job->needs & CM_NEEDS_LINKS) && !have_links) {
      rc = link_step(c, &sh, out);
      have_links = 1;
      if (rc != CM_OK) break;
    }
    double t0 = cm_now();
    uint64_t b0 = c->bytes_shuffled;
    rc = job->run(c, &sh, out, (int64_t)h5);
    if (rc == CM_OK) rc = step_done(c, job->label, t0, b0);
    unsigned later = needed_from(j + 1);
    if (!(later & CM_NEEDS_ASSIGNEE_SETS)) cm_citations_free_sets(&sh.cit);
    if (!(later & (CM_NEEDS_CITATIONS | CM_NEEDS_ASSIGNEE_SETS))) cm_citations_free(&sh.cit);
    int stop = 0; /* a safe point: between jobs */
    if (rc == CM_OK) rc = cm_signal_stop_requested(c->comm, &stop);
    if (rc == CM_OK && stop) {
      if (c->rank == 0) printf("analyze: stop requested after %s; no outputs written\n", job->label);
      rc = CM_INTERRUPTED;
    }
  }
  cm_citations_free(&sh.cit);
  cm_work_links_free(&sh.wl);
  return rc;
}

/* Analyze frees and allocates its big buffers job after job (sort scratch,
 * shuffle inboxes and outboxes, parsed records). glibc serves large blocks
 * with mmap (threshold 128 KiB, rising to at most 32 MiB) and unmaps them
 * on free, so every job would fault in and zero fresh pages. From here on
 * every block up to 2 GiB (the most mallopt takes: its value is an int)
 * comes from the heap, whose freed memory the next job reuses: faster, for
 * some more peak memory (docs/performance.md). Ingest keeps glibc's
 * defaults: its columns only grow. A user's own GLIBC_TUNABLES wins. Not
 * collective. */
static void reuse_heap_memory(void) {
#ifdef __GLIBC__
  if (getenv("GLIBC_TUNABLES")) return;
  mallopt(M_MMAP_THRESHOLD, INT_MAX);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

/* The jobs' options: the analysis part of the run configuration. */
static cm_params params_of(const cm_config *cfg) {
  return (cm_params){cfg->window_first,     cfg->window_last, cfg->offices,         cfg->countries,
                     cfg->office,           cfg->focus,       cfg->partner,         cfg->top,
                     cfg->top_institutions, cfg->top_topics,  cfg->min_topic_works, cfg->min_patents,
                     cfg->bcg_count,        cfg->bcg_cagr,    cfg->link_methods,    cfg->quiet};
}

/* ---- outputs ---- */

/* Where analyze writes: OUT, built as OUT.tmp, the old one moved to OUT.old
 * during the swap; the files an analysis folder holds. */
typedef struct {
  char tmp[CM_PATH_MAX], old[4200];
  char names[CM_N_TABLES + 2][64];
  const char *v[CM_N_TABLES + 2];
  cm_dir_spec spec;
} out_plan;

static void out_plan_init(out_plan *o, const char *out) {
  snprintf(o->tmp, sizeof o->tmp, "%s.tmp", out);
  snprintf(o->old, sizeof o->old, "%s.old", out);
  for (int i = 0; i < CM_N_TABLES; i++)
    snprintf(o->names[i], sizeof o->names[i], "tables/%s.csv", CM_TABLES[i].name);
  snprintf(o->names[CM_N_TABLES], sizeof o->names[0], "results.h5");
  snprintf(o->names[CM_N_TABLES + 1], sizeof o->names[0], "links.h5");
  for (int i = 0; i < CM_N_TABLES + 2; i++)
    o->v[i] = o->names[i];
  o->spec = (cm_dir_spec){"analysis", o->v, CM_N_TABLES + 2};
}

int cm_analyze_check_out(const cm_config *cfg) {
  out_plan o;
  out_plan_init(&o, cfg->out);
  int have_out, have_old;
  CM_TRY(cm_dir_ok(cfg->out, &o.spec, &have_out));
  CM_TRY(cm_dir_ok(o.old, &o.spec, &have_old));
  CM_TRY(cm_dir_ok(o.tmp, &o.spec, NULL));
  if (!have_out && have_old && rename(o.old, cfg->out) != 0) /* a swap killed between its renames */
    return CM_FAIL("cannot restore '%s' from '%s': %s", cfg->out, o.old, strerror(errno));
  char *inputs[2] = {(char *)cfg->store, (char *)cfg->aliases};
  int n = cfg->aliases ? 2 : 1;
  CM_TRY(cm_out_not_input(cfg->out, "--out", inputs, n));
  const char *dirs[] = {cfg->out, o.tmp, o.old};
  for (int i = 0; i < 3; i++)
    CM_TRY(cm_out_holds_no_input(dirs[i], "--out", inputs, n));
  return CM_OK;
}

/* Rank 0: OUT.tmp made afresh (with its record), OUT.old gone. */
static int begin_out(const cm_config *cfg, const out_plan *o) {
  CM_TRY(cm_analyze_check_out(cfg));
  CM_TRY(cm_dir_remove(o->tmp, &o->spec)); /* a killed run's */
  CM_TRY(cm_dir_remove(o->old, &o->spec)); /* a finished swap's */
  CM_TRY(cm_dir_create(o->tmp, &o->spec, o->v, CM_N_TABLES + 2));
  char tables[CM_PATH_MAX];
  CM_PATH(tables, "%s/tables", o->tmp);
  return cm_mkdirs(tables);
}

/* Rank 0: the new analysis replaces the old one (rc == CM_OK), or goes. */
static int end_out(const cm_config *cfg, const out_plan *o, int rc) {
  if (rc != CM_OK) {
    cm_dir_remove(o->tmp, &o->spec); /* best effort: a later run removes it too */
    return rc;
  }
  struct stat sb;
  if (stat(cfg->out, &sb) == 0 && rename(cfg->out, o->old) != 0)
    return CM_FAIL("cannot move '%s' aside: %s", cfg->out, strerror(errno));
  if (rename(o->tmp, cfg->out) != 0)
    return CM_FAIL("cannot rename '%s' to '%s': %s", o->tmp, cfg->out, strerror(errno));
  return cm_dir_remove(o->old, &o->spec);
}

/* Rank 0: OUT.tmp/results.h5 begun, as an HDF5 file citemill recognises. */
static int begin_results(const char *path, hid_t *h5) {
  *h5 = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (*h5 < 0) return CM_FAIL("cannot create '%s'", path);
  CM_TRY(cm_h5_attr_str(*h5, "citemill_version", CM_VERSION));
  return cm_h5_attr_str(*h5, "citemill_kind", "results");
}

int cm_analyze(MPI_Comm comm, const cm_config *cfg, uint64_t *shuffled_out) {
  reuse_heap_memory();
  cm_ctx c;
  memset(&c, 0, sizeof c);
  cm_params par = params_of(cfg);
  c.comm = comm;
  c.par = &par;
  CM_MPI(MPI_Comm_rank(comm, &c.rank));
  CM_MPI(MPI_Comm_size(comm, &c.nranks));
  double t0 = cm_now();
  out_plan o;
  out_plan_init(&o, cfg->out);
  /* nothing is read or written before the outputs are known to be safe */
  CM_AGREE(comm, c.rank == 0 ? begin_out(cfg, &o) : CM_OK);
  int rc = cm_aliases_load(cfg->aliases, (cm_aliases **)&c.aliases);
  c.p_bounds = calloc((size_t)c.nranks + 1, sizeof *c.p_bounds);
  c.w_bounds = calloc((size_t)c.nranks + 1, sizeof *c.w_bounds);
  if (rc == CM_OK && (!c.p_bounds || !c.w_bounds)) rc = CM_FAIL("out of memory");
  hid_t f = -1, h5 = -1;
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) rc = cm_agree(comm, cm_h5_open(comm, cfg->store, &f));
  if (rc == CM_OK) {
    rc = load(&c, f, cfg->store);
    H5Fclose(f);
  }
  if (rc == CM_OK && c.rank == 0 && !cfg->quiet)
    printf("analyze: loaded slices of the store in %.2f s (rank 0: %" PRIu64 " patents, %" PRIu64
           " works; peak RSS %.0f MiB)\n",
           cm_now() - t0, c.p_n, c.w_n, (double)cm_peak_rss() / 1048576.0);
  char h5tmp[CM_PATH_MAX], h5path[4300];
  CM_PATH(h5path, "%s/results.h5", o.tmp);
  CM_PATH(h5tmp, "%s/results.h5.tmp", o.tmp);
  if (rc == CM_OK) rc = cm_agree(comm, c.rank == 0 ? begin_results(h5tmp, &h5) : CM_OK);
  if (rc == CM_OK) rc = run_jobs(&c, o.tmp, h5);
  if (rc == CM_ERR) return rc; /* failed inside a collective step: main ends the job */
  if (c.rank == 0 && h5 >= 0) {
    if (H5Fclose(h5) < 0 && rc == CM_OK) rc = CM_FAIL("closing '%s' failed", h5tmp);
    if (rc == CM_OK && rename(h5tmp, h5path) != 0) rc = CM_FAIL("cannot rename '%s'", h5tmp);
    if (rc != CM_OK) remove(h5tmp);
  }
  uint64_t shuffled = c.bytes_shuffled, smax = 0;
  CM_MPI(MPI_Allreduce(&shuffled, &smax, 1, MPI_UINT64_T, MPI_MAX, comm));
  if (shuffled_out) *shuffled_out = smax;
  unload(&c);
  cm_aliases_free((cm_aliases *)c.aliases);
  rc = cm_agree(comm, rc);
  rc = cm_agree(comm, c.rank == 0 ? end_out(cfg, &o, rc) : rc);
  if (c.rank == 0 && rc == CM_OK && !cfg->quiet)
    printf("analyze: tables in '%s/tables', results in '%s/results.h5'; %.2f s; max bytes shuffled by one "
           "rank %.1f MB\n",
           cfg->out, cfg->out, cm_now() - t0, (double)smax / 1e6);
  if (rc == CM_OK && !cfg->quiet) CM_TRY(cm_report_rss(comm, "analyze"));
  return rc;
}
