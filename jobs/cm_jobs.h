/* What every analytic job sees: this rank's slice of the store's columns
 * (cm_ctx, read-only once loaded), the analysis options (cm_params), the
 * results of the steps jobs share (cm_shared), and a table type that rank 0
 * fills and saves as CSV (SPEC 3 byte format) and as /results/<name> in
 * OUT/results.h5. The jobs, their tables and what each needs are listed in
 * one registry (CM_JOBS, cm_registry.c) that analyze, run and report read.
 *
 * Each job is one collective function on c->comm (every rank calls it);
 * only rank 0 holds the finished table. Every collective function here
 * returns the same result on every rank (cm_error.h). */
#ifndef CM_JOBS_H
#define CM_JOBS_H

#include <mpi.h>
#include <stdint.h>

#include "cm_buf.h"
#include "cm_columns.h"
#include "cm_list.h"
#include "cm_shuffle.h"

typedef struct cm_aliases cm_aliases;

/* What the jobs are asked: the analysis options of the run configuration,
 * which the pipeline copies in (cm_analyze.c); codes are upper-cased and
 * lists validated there. */
typedef struct {
  int window_first, window_last; /* the window of years, inclusive */
  cm_list offices, countries;    /* office_patents / country tables (views into the config) */
  const char *office, *focus, *partner;
  int top, top_institutions, top_topics, min_topic_works;
  int64_t min_patents, bcg_count;
  double bcg_cagr;
  cm_list link_methods; /* doi, title */
  int quiet;
} cm_params;

typedef struct {
  MPI_Comm comm;
  int rank, nranks;
  const cm_params *par;
  const cm_aliases *aliases;
  /* patents: rows [p_lo, p_lo + p_n) of the store; rank r holds rows
   * [p_bounds[r], p_bounds[r + 1]) (nranks + 1 entries; cut by cost) */
  uint64_t p_lo, p_n, p_total, *p_bounds;
  cm_strcol p_key, office_dict;
  cm_buf p_office;   /* uint32 codes into office_dict */
  uint32_t office_o; /* code of --office in office_dict, UINT32_MAX if absent */
  cm_buf p_year;     /* int64, 0 unknown */
  cm_listcol p_asg_name, p_asg_country, p_cited, p_npl;
  /* works: rows [w_lo, w_lo + w_n), bounds as for patents (even slices) */
  uint64_t w_lo, w_n, w_total, *w_bounds;
  cm_strcol w_key, w_doi, field_dict, w_topic_id, w_topic_name;
  cm_strcol w_title, w_first_author; /* loaded only when the title link method is enabled */
  cm_buf w_year, w_has_year, w_cites, w_field;
  cm_listcol w_countries, w_inst_id, w_inst_name, w_inst_country;
  uint64_t bytes_shuffled; /* by this rank, all jobs (cm_job_shuffle counts) */
  unsigned columns_loaded; /* the column sets held now (analyze loads and frees them: CM_COLS_*) */
} cm_ctx;

/* A result table: header plus rows of text cells, built on rank 0. */
typedef struct {
  const char *name;
  int ncols;
  const char *const *cols;
  cm_strcol cells; /* row-major */
} cm_table;

int cm_table_init(cm_table *t, const char *name, int ncols, const char *const *cols);
int cm_table_str(cm_table *t, const char *p, size_t n);
int cm_table_cstr(cm_table *t, const char *s);
int cm_table_i64(cm_table *t, int64_t v);
int cm_table_ratio(cm_table *t, double v, int defined);
void cm_table_free(cm_table *t);
/* Collective on c->comm: cm_shuffle (agreeing on rc, this rank's filling of
 * ob) that also counts the bytes this rank sent, for the report. */
int cm_job_shuffle(cm_ctx *c, int rc, cm_outbox *ob, cm_inbox *in);
/* Collective on c->comm: agrees on rc (this rank's local work so far), then
 * sums n counts of every rank into sum on rank 0. Returns the agreed
 * result. */
int cm_sum_to_root(const cm_ctx *c, int rc, const int64_t *v, int64_t *sum, size_t n);
/* Rank 0: writes OUT/tables/<name>.csv and the HDF5 group. */
int cm_table_save(const cm_table *t, const char *out_dir, int64_t h5file);

/* Even row slices: rank r holds rows [lo, lo + n) of n_total. Not
 * collective. */
void cm_row_slice(uint64_t n_total, int rank, int nranks, uint64_t *lo, uint64_t *n);
/* The rank whose slice holds a row, given the slices' bounds (nranks + 1
 * row numbers: rank r holds [bounds[r], bounds[r + 1]), c->p_bounds or
 * c->w_bounds). Not collective. */
int cm_row_owner(const uint64_t *bounds, int nranks, uint64_t row);

/* Window test and CAGR (SPEC 5). */
int cm_in_window(const cm_params *par, int64_t year);
/* Local patent i is an office-O patent of the window: the patents of the
 * assignee tables (and of c->o_asg's rows). Not collective. */
int cm_office_window(const cm_ctx *c, size_t i);
double cm_cagr(int64_t first, int64_t last, int years, int *defined);
/* Local work i has a publication year in the window. Not collective. */
int cm_work_in_window(const cm_ctx *c, size_t i);
/* Local work i has country `code` (NULL: no). Not collective. */
int cm_work_has_country(const cm_ctx *c, size_t i, const char *code);

/* Alias table (SPEC 2/5), loaded on every rank (it is small). */
/* On failure *out is NULL and nothing stays allocated. Not collective. */
int cm_aliases_load(const char *path, cm_aliases **out);
void cm_aliases_free(cm_aliases *a);
/* Canonical assignee of a raw name into `canon` (empty = no assignee) and,
 * when type is not NULL, its type; `scratch` is a work buffer. Not
 * collective. */
int cm_canonical(const cm_aliases *a, const char *name, size_t n, cm_buf *canon, const char **type,
                 cm_buf *scratch);
/* Type of a canonical name (alias type, else inferred from its words). */
const char *cm_assignee_type(const cm_aliases *a, const char *canon, size_t n);

/* Shared step, the citation inversion: every corpus patent B is joined at
 * its key's owner rank with the distinct publications citing it. The entries
 * below are for the patents this rank owns (by key hash), not its rows. */
typedef struct {
  size_t n;
  uint32_t *office;     /* office code of B */
  uint8_t *in_window;   /* B's year in the window */
  uint64_t *first;      /* n + 1 offsets into citer */
  uint64_t *citer;      /* global rows of distinct citing publications */
  cm_listcol assignees; /* canonical assignees of B when B is office-O, in window */
  /* The assignee sets of this rank's rows: row j is the j-th local patent
   * that is office-O and in the window (cm_office_window): its distinct
   * canonical names, and a blob of their countries (cm_patent_assignees'
   * `countries`). The assignee tables read them again. */
  cm_listcol o_asg;
  cm_strcol o_ctry;
} cm_citations;

/* Collective on c->comm: the citation inversion (citations.c). */
int cm_job_citations(cm_ctx *c, cm_citations *out);
void cm_citations_free(cm_citations *c);
/* Frees only o_asg and o_ctry (their last reader has run). */
void cm_citations_free_sets(cm_citations *c);
/* Scratch buffers of cm_patent_assignees, kept from row to row (it runs on
 * every office-O patent in the window: tens of millions at report scale). */
typedef struct {
  cm_buf canon, norm, pairs, offs, views;
} cm_asg_scratch;
void cm_asg_scratch_free(cm_asg_scratch *s);
/* Canonical assignee set of local patent row i into `set` (a list column row
 * is appended). Not collective. */
int cm_patent_assignees(cm_ctx *c, size_t i, cm_listcol *set, cm_buf *countries, cm_asg_scratch *s);

/* The link table: patent NPL citations resolved to works. Held by
 * the rank whose row slice holds the patent, sorted by (patent row, work
 * row), one entry per distinct pair (a pair found by several methods keeps
 * the first enabled in CM_LINK_* order). */
enum { CM_LINK_DOI = 1, CM_LINK_TITLE = 2 };
typedef struct {
  size_t n;
  uint64_t *patent_row, *work_row; /* global store rows */
  uint8_t *method;
  double *confidence;
  cm_strcol work_id;       /* work key of each link */
  uint64_t title_hot_keys; /* title keys skipped as too common (this rank) */
} cm_links;

/* Collective: runs the enabled link methods. */
int cm_job_links(cm_ctx *c, cm_links *out);
/* Collective: writes the link table to PATH (parallel HDF5, group /links),
 * through PATH.tmp renamed on success. */
int cm_links_write(cm_ctx *c, const cm_links *l, const char *path);
void cm_links_free(cm_links *l);

/* One link as seen from its work's side: delivered to the rank whose slice
 * holds the work, sorted by (work row, patent row). `flags` describe the
 * patent: bit 0 office == --office, bit 1 a harmonized assignee of country
 * --focus, bit 2 of country --partner. */
typedef struct {
  size_t n;
  uint64_t *work_row, *patent_row;
  uint8_t *flags;
} cm_work_links;
int cm_links_to_works(cm_ctx *c, const cm_links *l, cm_work_links *out);
void cm_work_links_free(cm_work_links *w);

/* Title link method (link_title.c): verified title matches for the patents
 * of this rank, appended to `recs` as link records (see links.c). has_doi:
 * one byte per local NPL item, 1 when it holds a DOI (the DOI method's
 * case, skipped here), or NULL to look. Collective on c->comm. */
int cm_title_links(cm_ctx *c, cm_buf *recs, const uint8_t *has_doi, uint64_t *hot_keys);
/* Appends one link record (the format links.c sorts). Not collective. */
int cm_link_record(cm_buf *b, uint64_t patent_row, uint64_t work_row, uint8_t method, double confidence,
                   const void *work_id, uint32_t id_len);

/* ---- the registry ---- */

/* The results of the steps jobs share, made by analyze before the first job
 * that needs each (cm_job.needs) and freed after the last. */
typedef struct {
  cm_citations cit; /* CM_NEEDS_CITATIONS (and CM_NEEDS_ASSIGNEE_SETS: cit.o_asg, cit.o_ctry) */
  cm_work_links wl; /* CM_NEEDS_LINKS: the link table, seen from the works */
} cm_shared;
enum { CM_NEEDS_CITATIONS = 1, CM_NEEDS_ASSIGNEE_SETS = 2, CM_NEEDS_LINKS = 4 };

/* The column sets a step reads (cm_ctx's columns, beyond the patents'
 * office and year, which every step may read). Analyze loads a set before
 * the first step that reads it and frees it after the last, so a rank holds
 * the columns of one step at a time, not of all (docs/performance.md). */
enum {
  CM_COLS_P_KEY = 1u << 0,         /* p_key */
  CM_COLS_P_ASG_NAME = 1u << 1,    /* p_asg_name */
  CM_COLS_P_ASG_COUNTRY = 1u << 2, /* p_asg_country */
  CM_COLS_P_CITED = 1u << 3,       /* p_cited */
  CM_COLS_P_NPL = 1u << 4,         /* p_npl */
  CM_COLS_W_BASE = 1u << 5,        /* w_year, w_has_year, w_cites, w_field, w_countries */
  CM_COLS_W_INST = 1u << 6,        /* w_inst_id, w_inst_name, w_inst_country */
  CM_COLS_W_KEY = 1u << 7,         /* w_key, w_doi */
  CM_COLS_W_TITLE = 1u << 8,       /* w_title, w_first_author (title link method only) */
  CM_COLS_W_TOPIC = 1u << 9,       /* w_topic_id, w_topic_name */
};
/* The columns of the shared steps: the citation inversion, the links. */
#define CM_COLS_CITATIONS (CM_COLS_P_KEY | CM_COLS_P_ASG_NAME | CM_COLS_P_ASG_COUNTRY | CM_COLS_P_CITED)
#define CM_COLS_LINKS                                                                                        \
  (CM_COLS_P_KEY | CM_COLS_P_ASG_COUNTRY | CM_COLS_P_NPL | CM_COLS_W_BASE | CM_COLS_W_KEY | CM_COLS_W_TITLE)

/* A SPEC 3 table: its name (the CSV and /results group) and its heading in
 * the report. */
typedef struct {
  const char *name, *heading;
} cm_table_info;

/* A job: collective on c->comm; writes its tables (rank 0 saves them). */
typedef int (*cm_job_fn)(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
typedef struct {
  const char *label;         /* for the progress lines */
  int first_table, n_tables; /* its tables: CM_TABLES[first_table ...] */
  unsigned needs;            /* CM_NEEDS_* */
  unsigned columns;          /* CM_COLS_*: the columns it reads itself */
  cm_job_fn run;
} cm_job;

#define CM_N_TABLES 10
#define CM_N_JOBS 7
/* Every table, in the order analyze writes them and the report shows them. */
extern const cm_table_info CM_TABLES[CM_N_TABLES];
/* Every job, in the order analyze runs them. */
extern const cm_job CM_JOBS[CM_N_JOBS];

int cm_job_office_patents(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_assignee_tables(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_country_publications(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_publication_growth(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_collaboration(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_paper_citations(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);
int cm_job_topic_growth(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5);

#endif
