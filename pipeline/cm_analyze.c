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

/* ---- the columns, loaded step by step ---- */

/* The patents' office and year: read first (every step may read them) and
 * kept to the end. */
#define COLS_PATENT_BASE (1u << 31)

typedef enum { COL_STR, COL_LIST, COL_I64, COL_U8, COL_DICT, COL_YEAR_OF_DATE } col_kind;

/* A column a step reads: its set (CM_COLS_* or COLS_PATENT_BASE), its group
 * and name in the store, how it is stored, and where it goes in cm_ctx
 * (offsets of the field and, for COL_DICT, of its dictionary). */
typedef struct {
  unsigned set;
  int works; /* 0: /patents, 1: /works */
  const char *name;
  col_kind kind;
  size_t at, dict_at;
} col_info;

#define AT(f) offsetof(cm_ctx, f)
static const col_info COLUMNS[] = {
    {COLS_PATENT_BASE, 0, "office", COL_DICT, AT(p_office), AT(office_dict)},
    {COLS_PATENT_BASE, 0, "publication_date", COL_YEAR_OF_DATE, AT(p_year), 0},
    {CM_COLS_P_KEY, 0, "publication_number", COL_STR, AT(p_key), 0},
    {CM_COLS_P_ASG_NAME, 0, "assignee_name", COL_LIST, AT(p_asg_name), 0},
    {CM_COLS_P_ASG_COUNTRY, 0, "assignee_country", COL_LIST, AT(p_asg_country), 0},
    {CM_COLS_P_CITED, 0, "cited_publication_number", COL_LIST, AT(p_cited), 0},
    {CM_COLS_P_NPL, 0, "npl_text", COL_LIST, AT(p_npl), 0},
    {CM_COLS_W_BASE, 1, "publication_year", COL_I64, AT(w_year), 0},
    {CM_COLS_W_BASE, 1, "has_year", COL_U8, AT(w_has_year), 0},
    {CM_COLS_W_BASE, 1, "cited_by_count", COL_I64, AT(w_cites), 0},
    {CM_COLS_W_BASE, 1, "field", COL_DICT, AT(w_field), AT(field_dict)},
    {CM_COLS_W_BASE, 1, "countries", COL_LIST, AT(w_countries), 0},
    {CM_COLS_W_INST, 1, "institution_id", COL_LIST, AT(w_inst_id), 0},
    {CM_COLS_W_INST, 1, "institution_name", COL_LIST, AT(w_inst_name), 0},
    {CM_COLS_W_INST, 1, "institution_country", COL_LIST, AT(w_inst_country), 0},
    {CM_COLS_W_KEY, 1, "id", COL_STR, AT(w_key), 0},
    {CM_COLS_W_KEY, 1, "doi", COL_STR, AT(w_doi), 0},
    {CM_COLS_W_TITLE, 1, "title", COL_STR, AT(w_title), 0},
    {CM_COLS_W_TITLE, 1, "first_author", COL_STR, AT(w_first_author), 0},
    {CM_COLS_W_TOPIC, 1, "topic_id", COL_STR, AT(w_topic_id), 0},
    {CM_COLS_W_TOPIC, 1, "topic_name", COL_STR, AT(w_topic_name), 0},
};
#define N_COLUMNS (sizeof COLUMNS / sizeof *COLUMNS)

static void *field_of(cm_ctx *c, size_t at) { return (char *)c + at; }

/* Not collective: this rank's rows of one column, into its cm_ctx field. */
static int load_column(cm_ctx *c, hid_t g, const col_info *col, cm_check *ck) {
  uint64_t lo = col->works ? c->w_lo : c->p_lo, n = col->works ? c->w_n : c->p_n;
  int own =
      holds_last_row(c->rank, n, lo + n, col->works ? c->w_total : c->p_total) ? CM_OWN_LAST : CM_OWN_ROWS;
  void *to = field_of(c, col->at);
  switch (col->kind) {
  case COL_STR:
    return cm_h5_read_strcol(g, col->name, lo, lo + n, to, ck, own);
  case COL_LIST:
    return cm_h5_read_listcol(g, col->name, lo, lo + n, to, ck, own);
  case COL_I64:
    return read_fixed(g, col->name, H5T_NATIVE_INT64, 8, lo, n, to, ck, own);
  case COL_U8:
    return read_fixed(g, col->name, H5T_NATIVE_UINT8, 1, lo, n, to, ck, own);
  case COL_DICT:
    return read_dict(g, col->name, lo, n, to, field_of(c, col->dict_at), ck, own, c->rank);
  case COL_YEAR_OF_DATE:
    CM_TRY(read_fixed(g, col->name, H5T_NATIVE_INT64, 8, lo, n, to, ck, own));
    for (size_t i = 0; i < n; i++)
      CM_BUF_AT((cm_buf *)to, int64_t, i) /= 10000; /* 0 stays unknown */
    return CM_OK;
  }
  return CM_FAIL("column '%s' has an unknown kind", col->name);
}

static void free_column(cm_ctx *c, const col_info *col) {
  void *p = field_of(c, col->at);
  switch (col->kind) {
  case COL_STR:
    cm_strcol_free(p);
    break;
  case COL_LIST:
    cm_listcol_free(p);
    break;
  case COL_DICT:
    cm_strcol_free(field_of(c, col->dict_at)); /* and its codes: */ /* fall through */
  default:
    cm_buf_free(p);
  }
}

/* Not collective: frees the column sets `sets` (those loaded). */
static void free_sets(cm_ctx *c, unsigned sets) {
  sets &= c->columns_loaded;
  for (size_t i = 0; i < N_COLUMNS; i++)
    if (COLUMNS[i].set & sets) free_column(c, &COLUMNS[i]);
  c->columns_loaded &= ~sets;
}

/* Collective on c->comm: this rank's rows of the columns of the sets `want`
 * (none loaded yet), read from the open store f (at `path`), validated as
 * they are read and checked against the store's checksums. Returns an
 * agreed result; on failure the sets stay unloaded. */
static int read_sets(cm_ctx *c, hid_t f, const char *path, unsigned want) {
  cm_check *ck = NULL;
  CM_AGREE(c->comm, cm_fault("load-fail") ? CM_FAIL("injected failure loading the store (CITEMILL_FAULT)")
                                          : cm_check_new(&ck));
  hid_t g[2] = {H5Gopen2(f, "patents", H5P_DEFAULT), H5Gopen2(f, "works", H5P_DEFAULT)};
  int rc = g[0] < 0 || g[1] < 0 ? CM_FAIL("store '%s' lacks its /patents or /works group", path) : CM_OK;
  c->columns_loaded |= want; /* so that a failure frees what was read */
  for (size_t i = 0; i < N_COLUMNS && rc == CM_OK; i++)
    if (COLUMNS[i].set & want) rc = load_column(c, g[COLUMNS[i].works], &COLUMNS[i], ck);
  for (int i = 0; i < 2; i++)
    if (g[i] >= 0) H5Gclose(g[i]);
  if (rc == CM_OK && (want & COLS_PATENT_BASE)) c->office_o = cm_dict_find(&c->office_dict, c->par->office);
  rc = cm_agree(c->comm, rc);
  if (rc == CM_OK)
    rc = cm_check_finish(c->comm, ck, path);
  else
    cm_check_free(ck);
  if (rc != CM_OK) free_sets(c, want);
  return rc;
}

/* The store analyze reads, and what it was when analyze began (rank 0).
 * Each step opens it again for its columns, so it must still be the same
 * file, unchanged: a store replaced or rewritten meanwhile would mix two
 * stores' rows in one analysis. */
typedef struct {
  const char *path;
  struct stat was;
} store_ref;

/* Rank 0, not collective: the store is (still) the file it was. */
static int same_store(store_ref *s) {
  struct stat now;
  if (stat(s->path, &now) != 0)
    return CM_FAIL("the store '%s' went away while analyze read it: %s", s->path, strerror(errno));
  if (cm_fault("store-changed")) now.st_mtim.tv_nsec ^= 1; /* test hook: as if it had been rewritten */
  if (now.st_dev != s->was.st_dev || now.st_ino != s->was.st_ino || now.st_size != s->was.st_size ||
      now.st_mtim.tv_sec != s->was.st_mtim.tv_sec || now.st_mtim.tv_nsec != s->was.st_mtim.tv_nsec)
    return CM_FAIL("the store '%s' was replaced or changed while analyze read it; nothing was written: run "
                   "analyze again once nothing writes the store",
                   s->path);
  return CM_OK;
}

/* Collective on c->comm: the column sets `want` not loaded yet, from the
 * store. The store is open only while columns are read (a job killed in a
 * step leaves no MPI-IO lock file beside it), and must be the file analyze
 * began with, before and after. Returns an agreed result. */
static int load_sets(cm_ctx *c, store_ref *s, unsigned want) {
  want &= ~c->columns_loaded;
  if (!want) return CM_OK; /* the same on every rank: the plan is */
  CM_AGREE(c->comm, c->rank == 0 ? same_store(s) : CM_OK);
  hid_t f = -1;
  CM_AGREE(c->comm, cm_h5_open(c->comm, s->path, &f));
  int rc = read_sets(c, f, s->path, want);
  H5Fclose(f); /* collective: read_sets returned on every rank */
  if (rc == CM_OK) rc = cm_agree(c->comm, c->rank == 0 ? same_store(s) : CM_OK);
  if (rc != CM_OK) free_sets(c, want);
  return rc;
}

/* Collective: the schema checked, the rows of every rank (patents cut by
 * cost, works evenly), then the patents' office and year. Returns an agreed
 * result. */
static int begin_rows(cm_ctx *c, hid_t f, const char *path) {
  CM_AGREE(c->comm, c->rank == 0 ? cm_store_check_schema(f, path) : CM_OK);
  hid_t g = H5Gopen2(f, "patents", H5P_DEFAULT);
  uint64_t n = 0, nw = 0;
  int rc = g < 0 ? CM_FAIL("store has no /patents group") : cm_h5_length(g, "record_id", &n);
  rc = cm_agree(c->comm, rc);
  c->p_total = n;
  if (rc == CM_OK) rc = patent_bounds(c, g, n, c->p_bounds); /* collective: agreed */
  if (g >= 0) H5Gclose(g);
  CM_TRY(rc);
  g = H5Gopen2(f, "works", H5P_DEFAULT);
  rc = g < 0 ? CM_FAIL("store has no /works group") : cm_h5_length(g, "record_id", &nw);
  if (g >= 0) H5Gclose(g);
  CM_AGREE(c->comm, rc);
  c->p_lo = c->p_bounds[c->rank];
  c->p_n = c->p_bounds[c->rank + 1] - c->p_lo;
  c->w_total = nw;
  for (int r = 0; r <= c->nranks; r++) {
    uint64_t m;
    cm_row_slice(nw, r, c->nranks, &c->w_bounds[r], &m);
  }
  c->w_lo = c->w_bounds[c->rank];
  c->w_n = c->w_bounds[c->rank + 1] - c->w_lo;
  return read_sets(c, f, path, COLS_PATENT_BASE);
}

/* Collective: begin_rows on the store, opened for it; rank 0 notes what
 * the store is (s->was) first. */
static int begin_load(cm_ctx *c, store_ref *s) {
  CM_AGREE(c->comm, c->rank == 0 && stat(s->path, &s->was) != 0
                        ? CM_FAIL("cannot read the store '%s': %s", s->path, strerror(errno))
                        : CM_OK);
  hid_t f = -1;
  CM_AGREE(c->comm, cm_h5_open(c->comm, s->path, &f));
  int rc = begin_rows(c, f, s->path);
  H5Fclose(f); /* collective: begin_rows returned on every rank */
  if (rc == CM_OK) rc = cm_agree(c->comm, c->rank == 0 ? same_store(s) : CM_OK);
  return rc;
}

/* Collective: reports a finished step on rank 0: its time, the most bytes
 * one rank sent in its shuffles (`sent0` is c->bytes_shuffled before it),
 * and the seconds it waited for its columns before (`load_s`). */
static int step_done(cm_ctx *c, const char *label, double t0, uint64_t sent0, double load_s) {
  uint64_t mine = c->bytes_shuffled - sent0, most = 0;
  CM_MPI(MPI_Reduce(&mine, &most, 1, MPI_UINT64_T, MPI_MAX, 0, c->comm));
  if (c->rank == 0 && !c->par->quiet)
    printf("analyze: %-28s %.2f s, %.1f MB shuffled (busiest rank), rank 0 peak RSS %.0f MiB; columns read "
           "in %.2f s\n",
           label, cm_now() - t0, (double)most / 1e6, (double)cm_peak_rss() / 1048576.0, load_s);
  return CM_OK;
}

/* Collective: the link step, the one before the first job that needs links:
 * the link table (cm_job_links), written to OUT/links.h5 and delivered to the
 * works' owners in sh->wl. */
static int link_step(cm_ctx *c, cm_shared *sh, const char *out) {
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
  return CM_OK;
}

/* What the jobs from j on still need (CM_NEEDS_*). */
static unsigned needed_from(int j) {
  unsigned n = 0;
  for (; j < CM_N_JOBS; j++)
    n |= CM_JOBS[j].needs;
  return n;
}

/* A step of analyze: a job of the registry (its index) or a shared step,
 * and the column sets it reads. */
enum { STEP_CITATIONS = -1, STEP_LINKS = -2 };
typedef struct {
  int job;
  unsigned columns;
} step;

/* The steps in order: each shared step just before the first job that
 * needs it, then the jobs. Returns how many (at most CM_N_JOBS + 2). */
static int plan_steps(const cm_params *par, step *s) {
  int n = 0, have_links = 0;
  unsigned title = cm_list_index(&par->link_methods, "title", 5) >= 0 ? CM_COLS_W_TITLE : 0;
  if (needed_from(0) & (CM_NEEDS_CITATIONS | CM_NEEDS_ASSIGNEE_SETS))
    s[n++] = (step){STEP_CITATIONS, CM_COLS_CITATIONS};
  for (int j = 0; j < CM_N_JOBS; j++) {
    if ((CM_JOBS[j].needs & CM_NEEDS_LINKS) && !have_links) {
      s[n++] = (step){STEP_LINKS, (CM_COLS_LINKS & ~CM_COLS_W_TITLE) | title};
      have_links = 1;
    }
    s[n++] = (step){j, CM_JOBS[j].columns};
  }
  return n;
}

/* Collective: runs step s (its columns loaded). */
static int run_step(cm_ctx *c, const step *s, cm_shared *sh, const char *out, hid_t h5) {
  if (s->job == STEP_CITATIONS) return cm_job_citations(c, &sh->cit);
  if (s->job == STEP_LINKS) return link_step(c, sh, out);
  const cm_job *job = &CM_JOBS[s->job];
  int rc = job->run(c, sh, out, (int64_t)h5);
  unsigned later = needed_from(s->job + 1);
  if (!(later & CM_NEEDS_ASSIGNEE_SETS)) cm_citations_free_sets(&sh->cit);
  if (!(later & (CM_NEEDS_CITATIONS | CM_NEEDS_ASSIGNEE_SETS))) cm_citations_free(&sh->cit);
  return rc;
}

/* Collective: the shared steps and the jobs of the registry, in order, on
 * the store. Each shared result and each column set is made
 * or read before the first step that needs it and freed after the last, so
 * a rank holds what one step reads, not everything. Every step returns the
 * same result on every rank, or CM_ERR where it failed inside a collective
 * step (main then ends the job). */
static int run_jobs(cm_ctx *c, store_ref *store, const char *out, hid_t h5) {
  cm_shared sh;
  memset(&sh, 0, sizeof sh);
  step s[CM_N_JOBS + 2];
  int n = plan_steps(c->par, s), rc = CM_OK;
  for (int i = 0; i < n && rc == CM_OK; i++) {
    double t0 = cm_now();
    rc = load_sets(c, store, s[i].columns);
    if (rc != CM_OK) break;
    double t1 = cm_now();
    uint64_t b0 = c->bytes_shuffled;
    rc = run_step(c, &s[i], &sh, out, h5);
    const char *label = s[i].job == STEP_CITATIONS ? "citation inversion"
                        : s[i].job == STEP_LINKS   ? "links (npl_text to works)"
                                                   : CM_JOBS[s[i].job].label;
    if (rc == CM_OK) rc = step_done(c, label, t1, b0, t1 - t0);
    unsigned later = 0;
    for (int k = i + 1; k < n; k++)
      later |= s[k].columns;
    free_sets(c, c->columns_loaded & ~later & ~COLS_PATENT_BASE);
    int stop = 0; /* a safe point: between steps */
    if (rc == CM_OK) rc = cm_signal_stop_requested(c->comm, &stop);
    if (rc == CM_OK && stop) {
      if (c->rank == 0) printf("analyze: stop requested after %s; no outputs written\n", label);
      rc = CM_INTERRUPTED;
    }
  }
  cm_citations_free(&sh.cit);
  cm_work_links_free(&sh.wl);
  return rc;
}

/* Analyze frees and allocates its big buffers step after step (columns,
 * shuffle outboxes and inboxes, sort scratch, parsed records). Every block
 * of CM_BIG_BLOCK or more comes from its own mapping: it grows by mremap
 * (no copy, no hole left behind), and its memory goes back to the system
 * when it is freed, so a rank's peak RSS is what one step holds, not the
 * high-water mark of the heap over all steps before (docs/performance.md).
 * glibc's default moves that threshold up to 32 MiB as blocks are freed;
 * here it stays put. Smaller blocks come from the heap, which keeps its
 * freed memory for the next step (no trim). Ingest keeps glibc's defaults.
 * A user's own GLIBC_TUNABLES wins. Not collective. */
#define CM_BIG_BLOCK (16 << 20)
static void map_big_blocks(void) {
#ifdef __GLIBC__
  if (getenv("GLIBC_TUNABLES")) return;
  mallopt(M_MMAP_THRESHOLD, CM_BIG_BLOCK);
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
  map_big_blocks();
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
  hid_t h5 = -1;
  rc = cm_agree(comm, rc);
  store_ref store = {cfg->store, {0}};
  if (rc == CM_OK) rc = begin_load(&c, &store);
  if (rc == CM_OK && c.rank == 0 && !cfg->quiet)
    printf("analyze: read the row slices of the store in %.2f s (rank 0: %" PRIu64 " patents, %" PRIu64
           " works; peak RSS %.0f MiB); each step reads the columns it needs\n",
           cm_now() - t0, c.p_n, c.w_n, (double)cm_peak_rss() / 1048576.0);
  char h5tmp[CM_PATH_MAX], h5path[4300];
  CM_PATH(h5path, "%s/results.h5", o.tmp);
  CM_PATH(h5tmp, "%s/results.h5.tmp", o.tmp);
  if (rc == CM_OK) rc = cm_agree(comm, c.rank == 0 ? begin_results(h5tmp, &h5) : CM_OK);
  if (rc == CM_OK) rc = run_jobs(&c, &store, o.tmp, h5);
  if (rc == CM_ERR) return rc; /* failed inside a collective step: main ends the job */
  if (c.rank == 0 && h5 >= 0) {
    if (H5Fclose(h5) < 0 && rc == CM_OK) rc = CM_FAIL("closing '%s' failed", h5tmp);
    if (rc == CM_OK && rename(h5tmp, h5path) != 0) rc = CM_FAIL("cannot rename '%s'", h5tmp);
    if (rc != CM_OK) remove(h5tmp);
  }
  uint64_t shuffled = c.bytes_shuffled, smax = 0;
  CM_MPI(MPI_Allreduce(&shuffled, &smax, 1, MPI_UINT64_T, MPI_MAX, comm));
  if (shuffled_out) *shuffled_out = smax;
  free_sets(&c, ~0u);
  free(c.p_bounds);
  free(c.w_bounds);
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
