/* Ingest, in four steps per corpus:
 *   1. rank 0 lists the input files (sorted); ranks take contiguous blocks of
 *      the list balanced by compressed size, so concatenating ranks' rows in
 *      rank order is the sorted-file order for any rank count;
 *   2. each rank streams its files into in-memory columns (its share only);
 *   3. duplicates: (key hash, record id, key) go to the key's owner rank,
 *      which keeps the copy with the largest record id and sends drop flags
 *      back;
 *   4. all ranks write their rows collectively at MPI_Exscan offsets.
 * The store is written as STORE.tmp and renamed when every rank succeeded. */
#include "cm_ingest.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cm_columns.h"
#include "cm_csv.h"
#include "cm_files.h"
#include "cm_h5.h"
#include "cm_json.h"
#include "cm_outputs.h"
#include "cm_reader.h"
#include "cm_claim.h"
#include "cm_dict.h"
#include "cm_error.h"
#include "cm_progress.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

#define CM_SCHEMA_VERSION 1
#ifndef CM_VERSION
#define CM_VERSION "0.1.0"
#endif
#define RECORD_SEQ_BITS 40

/* Columns of one corpus on one rank. Patents use the first block, works the
 * second; record_id and key are shared. */
typedef struct {
  cm_buf claimed;   /* uint64 pairs [lo, hi): the runs of input files this rank read, in order */
  cm_buf record_id; /* uint64: file index << 40 | record sequence in the file */
  cm_strcol key;    /* publication_number (trimmed, upper) / work id key */
  /* patents */
  cm_strcol office, family;
  cm_buf date;       /* int64 YYYYMMDD, 0 unknown */
  cm_buf asg_source; /* uint8 */
  cm_listcol asg_name, asg_country, cited, npl;
  /* works */
  cm_strcol doi, title, type, field, topic_id, topic_name;
  cm_buf year, has_year, cites; /* int64, uint8, int64 */
  cm_listcol countries, inst_id, inst_name, inst_country;
} corpus_cols;

typedef struct {
  uint64_t file;
  uint64_t rejects;
  uint64_t part_lo, part_hi; /* its lines' bytes in this rank's rejects part */
} file_rejects;

typedef struct {
  const cm_config *cfg;
  int patents; /* 1 patents, 0 works */
  const char *corpus;
  const cm_filelist *files;
  cm_json_parser *jp;
  corpus_cols *c;
  uint64_t file_index, seq;
  FILE *rej;
  uint64_t rejects, lines, records;
  double lines_bound; /* most non-blank lines the corpus can hold (rejects_certain) */
  int rows_capped;    /* the threshold is certain to be passed: rejects counted, not written */
  file_rejects *per_file;
  size_t n_per_file;
  cm_buf scratch;
  /* progress (rank 0) */
  int show, n_ranks;
  double t0, last;
  uint64_t bytes_total, my_bytes_done;
  size_t my_files_done;
} ingest_ctx;

typedef struct {
  uint64_t lines, rejects, records, duplicates, kept;
  cm_read_stats rs;
  double t_read, t_dedup, t_write; /* t_write: this rank's share of the store write */
  double busy[2];                  /* the least and most time a rank spent reading (balance) */
  uint64_t wrong_type[CM_WT_N];    /* values read as missing because of their type (cm_json.h) */
} corpus_totals;

/* The wrong-type counters of corpus k (0 patents, 1 works): [first, end). */
static int wt_first(int k) { return k ? CM_WT_FIRST_WORK : 0; }
static int wt_end(int k) { return k ? CM_WT_N : CM_WT_FIRST_WORK; }

/* ---- columns ---- */

static int cols_init(corpus_cols *c) {
  memset(c, 0, sizeof *c);
  cm_strcol *s[] = {&c->key,  &c->office, &c->family,   &c->doi,       &c->title,
                    &c->type, &c->field,  &c->topic_id, &c->topic_name};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    CM_TRY(cm_strcol_init(s[i]));
  cm_listcol *l[] = {&c->asg_name,  &c->asg_country, &c->cited,     &c->npl,
                     &c->countries, &c->inst_id,     &c->inst_name, &c->inst_country};
  for (size_t i = 0; i < sizeof l / sizeof *l; i++)
    CM_TRY(cm_listcol_init(l[i]));
  return CM_OK;
}

static void cols_free(corpus_cols *c) {
  cm_strcol *s[] = {&c->key,  &c->office, &c->family,   &c->doi,       &c->title,
                    &c->type, &c->field,  &c->topic_id, &c->topic_name};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    cm_strcol_free(s[i]);
  cm_listcol *l[] = {&c->asg_name,  &c->asg_country, &c->cited,     &c->npl,
                     &c->countries, &c->inst_id,     &c->inst_name, &c->inst_country};
  for (size_t i = 0; i < sizeof l / sizeof *l; i++)
    cm_listcol_free(l[i]);
  cm_buf *b[] = {&c->claimed, &c->record_id, &c->date, &c->asg_source, &c->year, &c->has_year, &c->cites};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++)
    cm_buf_free(b[i]);
}

static int cols_compact(corpus_cols *c, const uint8_t *keep) {
  cm_strcol *s[] = {&c->key,  &c->office, &c->family,   &c->doi,       &c->title,
                    &c->type, &c->field,  &c->topic_id, &c->topic_name};
  size_t n = cm_strcol_count(&c->key);
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    if (cm_strcol_count(s[i]) == n) cm_strcol_compact(s[i], keep);
  cm_listcol *l[] = {&c->asg_name,  &c->asg_country, &c->cited,     &c->npl,
                     &c->countries, &c->inst_id,     &c->inst_name, &c->inst_country};
  for (size_t i = 0; i < sizeof l / sizeof *l; i++)
    if (cm_listcol_count(l[i]) == n) CM_TRY(cm_listcol_compact(l[i], keep));
  cm_fixed_compact(&c->record_id, 8, keep);
  cm_fixed_compact(&c->date, 8, keep);
  cm_fixed_compact(&c->asg_source, 1, keep);
  cm_fixed_compact(&c->year, 8, keep);
  cm_fixed_compact(&c->has_year, 1, keep);
  cm_fixed_compact(&c->cites, 8, keep);
  return CM_OK;
}

/* Appends trimmed upper-cased text as a string value / list item. */
static int push_code(cm_strcol *s, const cm_str *v) {
  CM_TRY(cm_append_code(&s->bytes, v->p, v->n, NULL));
  return cm_strcol_end(s);
}

static int push_after_slash(cm_strcol *s, cm_str v) {
  const char *p = cm_after_slash(v.p, &v.n);
  return cm_strcol_push(s, p, v.n);
}

static int append_patent(corpus_cols *c, const cm_patent *p) {
  CM_TRY(push_code(&c->key, &p->publication_number));
  CM_TRY(push_code(&c->office, &p->country_code));
  CM_TRY(cm_buf_push_i64(&c->date, p->publication_date));
  CM_TRY(cm_strcol_push(&c->family, p->family_id.p, p->family_id.n));
  CM_TRY(cm_buf_push_u8(&c->asg_source, p->assignee_source));
  for (size_t i = 0; i < p->n_assignees; i++) {
    CM_TRY(cm_listcol_add(&c->asg_name, p->assignee_name[i].p, p->assignee_name[i].n));
    CM_TRY(push_code(&c->asg_country.items, &p->assignee_country[i]));
  }
  CM_TRY(cm_listcol_end_row(&c->asg_name));
  CM_TRY(cm_listcol_end_row(&c->asg_country));
  for (size_t i = 0; i < p->n_cited; i++)
    CM_TRY(push_code(&c->cited.items, &p->cited[i]));
  CM_TRY(cm_listcol_end_row(&c->cited));
  for (size_t i = 0; i < p->n_npl; i++)
    CM_TRY(cm_listcol_add(&c->npl, p->npl[i].p, p->npl[i].n));
  return cm_listcol_end_row(&c->npl);
}

static int cmp_code(const void *a, const void *b) { return memcmp(a, b, 2); }

static int append_work(corpus_cols *c, const cm_work *w, cm_buf *scratch) {
  CM_TRY(push_after_slash(&c->key, w->id));
  CM_TRY(cm_doi_key(&c->doi.bytes, w->doi.p, w->doi.n));
  CM_TRY(cm_strcol_end(&c->doi));
  CM_TRY(cm_strcol_push(&c->title, w->title.p, w->title.n));
  CM_TRY(cm_buf_push_i64(&c->year, w->has_year ? w->year : 0));
  CM_TRY(cm_buf_push_u8(&c->has_year, (uint8_t)w->has_year));
  CM_TRY(cm_strcol_push(&c->type, w->type.p, w->type.n));
  CM_TRY(cm_buf_push_i64(&c->cites, w->cited_by_count));
  /* Country set: institution codes and countries[], two letters A-Z only. */
  scratch->len = 0;
  char cc[2];
  for (size_t i = 0; i < w->n_inst; i++)
    if (cm_country2(w->inst_country[i].p, w->inst_country[i].n, cc)) CM_TRY(cm_buf_append(scratch, cc, 2));
  for (size_t i = 0; i < w->n_countries; i++)
    if (cm_country2(w->countries[i].p, w->countries[i].n, cc)) CM_TRY(cm_buf_append(scratch, cc, 2));
  size_t k = scratch->len / 2;
  if (k > 1) qsort(scratch->data, k, 2, cmp_code);
  for (size_t i = 0; i < k; i++)
    if (i == 0 || memcmp(scratch->data + 2 * i, scratch->data + 2 * (i - 1), 2) != 0)
      CM_TRY(cm_listcol_add(&c->countries, scratch->data + 2 * i, 2));
  CM_TRY(cm_listcol_end_row(&c->countries));
  /* Institutions with an id (their key after the last '/'). */
  for (size_t i = 0; i < w->n_inst; i++) {
    cm_str id = w->inst_id[i];
    const char *key = cm_after_slash(id.p, &id.n);
    if (id.n == 0) continue;
    CM_TRY(cm_listcol_add(&c->inst_id, key, id.n));
    CM_TRY(cm_listcol_add(&c->inst_name, w->inst_name[i].p, w->inst_name[i].n));
    int ok = cm_country2(w->inst_country[i].p, w->inst_country[i].n, cc);
    CM_TRY(cm_listcol_add(&c->inst_country, cc, ok ? 2 : 0));
  }
  CM_TRY(cm_listcol_end_row(&c->inst_id));
  CM_TRY(cm_listcol_end_row(&c->inst_name));
  CM_TRY(cm_listcol_end_row(&c->inst_country));
  cm_str f = w->field_id;
  const char *fk = cm_after_slash(f.p, &f.n);
  if (f.n == 0)
    CM_TRY(cm_strcol_push(&c->field, "none", 4));
  else
    CM_TRY(cm_strcol_push(&c->field, fk, f.n));
  CM_TRY(push_after_slash(&c->topic_id, w->topic_id));
  return cm_strcol_push(&c->topic_name, w->topic_name.p, w->topic_name.n);
}

/* ---- rejects ---- */

static int reject_rate_passed(const cm_config *cfg, uint64_t rejects, uint64_t lines);

/* Whether this rank's rejects alone are past the threshold even if the
 * corpus held as many lines as it can (lines_bound): then the run fails
 * whatever the other files hold, and writing more rows would only fill the
 * disk (a small gzip of bad lines gave a rejects file of 723 MB). */
static int rejects_certain(const ingest_ctx *x) {
  return (double)x->rejects > x->cfg->reject_rate * x->lines_bound;
}

static int write_reject(ingest_ctx *x, const cm_line_pos *pos, const char *reason, const char *head,
                        size_t head_len) {
  x->rejects++;
  if (x->n_per_file) x->per_file[x->n_per_file - 1].rejects++;
  if (x->rows_capped) return CM_OK;
  if (rejects_certain(x)) {
    x->rows_capped = 1;
    cm_warn("%s: %" PRIu64 " rejects already pass --reject-rate whatever the rest holds; the run will fail, "
            "and further rejects are counted but not written to the rejects file",
            x->corpus, x->rejects);
  }
  cm_buf *b = &x->scratch;
  b->len = 0;
  CM_TRY(cm_csv_str(b, pos->file, 1));
  CM_TRY(cm_csv_str(b, pos->member, 0));
  CM_TRY(cm_csv_i64(b, (int64_t)pos->line, 0));
  CM_TRY(cm_csv_str(b, reason, 0));
  CM_TRY(cm_csv_field(b, head, head_len < 200 ? head_len : 200, 0));
  CM_TRY(cm_csv_end(b));
  if (fwrite(b->data, 1, b->len, x->rej) != b->len) return CM_FAIL("cannot write rejects file (disk full?)");
  return CM_OK;
}

static int on_reject(void *user, const cm_line_pos *pos, const char *reason, const char *head, size_t n) {
  ingest_ctx *x = user;
  x->lines++;
  return write_reject(x, pos, reason, head, n);
}

/* Rank 0's view: what it read itself, and the time left if every rank reads
 * as fast as rank 0. */
static void progress(ingest_ctx *x, int force) {
  double t = cm_now(), P = x->n_ranks;
  if (!x->show || (!force && t - x->last < 2.0)) return;
  x->last = t;
  double mb = (double)x->my_bytes_done / 1e6, el = t - x->t0;
  double rate = el > 0 ? mb / el : 0, left_mb = (double)x->bytes_total / 1e6 - P * mb;
  double left = rate > 0 && left_mb > 0 ? left_mb / (P * rate) : 0;
  char eta[64] = ", time left not known yet"; /* (rank 0 may be writing its share of the store) */
  if (P * mb >= 0.02 * (double)x->bytes_total / 1e6) snprintf(eta, sizeof eta, ", ~%.0f s left", left);
  printf("ingest %s: %zu files; rank 0 read %zu of them, %.1f MB compressed, %" PRIu64
         " records, %.1f MB/s; %.0f s elapsed%s\n",
         x->corpus, x->files->n, x->my_files_done, mb, x->records, rate, el, eta);
  fflush(stdout);
}

/* A line holding a JSON array (an API page saved to disk): one reject per
 * element (SPEC 1), so that the threshold sees the records it holds; an
 * empty array is one reject, as any line that is not a JSON object. */
static int reject_array(ingest_ctx *x, const cm_line_pos *pos, const char *line, size_t len) {
  size_t n = cm_json_array_size(x->jp);
  if (n == 0) return write_reject(x, pos, "an empty JSON array, not a JSON object", line, len);
  for (size_t i = 0; i < n; i++) {
    char why[160];
    size_t l;
    const char *head = cm_json_array_element(x->jp, i, &l);
    snprintf(why, sizeof why, "element %zu of %zu of a JSON array (one JSON object per line is expected)",
             i + 1, n);
    CM_TRY(write_reject(x, pos, why, head, l));
  }
  return CM_OK;
}

static int on_line(void *user, const cm_line_pos *pos, const char *line, size_t len) {
  ingest_ctx *x = user;
  x->lines++;
  char why[256];
  int rc;
  if (x->patents) {
    cm_patent p;
    rc = cm_json_parse_patent(x->jp, line, len, &p, why, sizeof why);
    if (rc == CM_JSON_OK) CM_TRY(append_patent(x->c, &p));
  } else {
    cm_work w;
    rc = cm_json_parse_work(x->jp, line, len, &w, why, sizeof why);
    if (rc == CM_JSON_OK) CM_TRY(append_work(x->c, &w, &x->scratch));
  }
  if (rc == CM_JSON_ARRAY) return reject_array(x, pos, line, len);
  if (rc != CM_JSON_OK) return write_reject(x, pos, why, line, len);
  if (x->seq >> RECORD_SEQ_BITS) return CM_FAIL("file '%s' holds more than 2^40 records", pos->file);
  CM_TRY(cm_buf_push_u64(&x->c->record_id, (x->file_index << RECORD_SEQ_BITS) | x->seq++));
  x->records++;
  if ((x->records & 4095) == 0) progress(x, 0);
  return CM_OK;
}

/* ---- duplicates ---- */

typedef struct {
  uint64_t h, rid;
  const uint8_t *k;
  uint32_t n;
  size_t pos;
} dup_item;

static int dup_cmp(const void *a, const void *b) {
  const dup_item *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->k, y->k, m);
  if (c) return c;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  return (x->rid > y->rid) - (x->rid < y->rid);
}

/* Not collective: (hash, record id, key) of every local row to its key's
 * owner; rows[d] lists the local rows sent to rank d, in order. */
static int send_keys(const corpus_cols *c, cm_outbox *out, cm_buf *rows) {
  size_t n = cm_strcol_count(&c->key);
  const uint64_t *rid = (const uint64_t *)c->record_id.data;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const uint8_t *k = cm_strcol_get(&c->key, i, &len);
    uint64_t h = cm_hash(k, len);
    int d = cm_owner(h, out->nranks);
    CM_TRY(cm_buf_push_u64(&out->to[d], h));
    CM_TRY(cm_buf_push_u64(&out->to[d], rid[i]));
    CM_TRY(cm_buf_push_u32(&out->to[d], (uint32_t)len));
    CM_TRY(cm_buf_append(&out->to[d], k, len));
    CM_TRY(cm_buf_push_u64(&rows[d], i));
  }
  return CM_OK;
}

/* Not collective: the owner's side. Of each key's copies all but the one
 * with the largest record id lose; one flag per received item goes back to
 * its source, in receive order. */
static int judge_keys(const cm_inbox *in, cm_outbox *out) {
  cm_buf v = {0};
  int rc = CM_OK;
  for (cm_cursor q = cm_cursor_of(&in->data); rc == CM_OK && cm_cursor_more(&q);) {
    dup_item it;
    it.h = cm_cursor_u64(&q);
    it.rid = cm_cursor_u64(&q);
    it.n = cm_cursor_u32(&q);
    it.k = cm_cursor_bytes(&q, it.n);
    it.pos = CM_BUF_COUNT(&v, dup_item);
    rc = cm_buf_append(&v, &it, sizeof it);
  }
  dup_item *items = (dup_item *)v.data;
  size_t cnt = CM_BUF_COUNT(&v, dup_item);
  uint8_t *drop = calloc(cnt + 1, 1);
  if (rc == CM_OK && !drop) rc = CM_FAIL("out of memory");
  if (rc == CM_OK) rc = cm_sort_by_u64(items, cnt, sizeof *items, offsetof(dup_item, h), dup_cmp);
  for (size_t i = 0; rc == CM_OK && i + 1 < cnt; i++) {
    const dup_item *a = &items[i], *b = &items[i + 1];
    if (a->h == b->h && a->n == b->n && memcmp(a->k, b->k, a->n) == 0)
      drop[a->pos] = 1; /* b has a larger rid */
  }
  size_t pos = 0; /* items came in source order: flags go back the same way */
  for (int r = 0; r < in->nranks && rc == CM_OK; r++) {
    cm_cursor q = {in->data.data + in->from[r], in->data.data + in->from[r + 1]};
    for (; cm_cursor_more(&q) && rc == CM_OK; pos++) {
      cm_cursor_bytes(&q, 16);
      cm_cursor_bytes(&q, cm_cursor_u32(&q));
      rc = cm_buf_push_u8(&out->to[r], drop[pos]);
    }
  }
  cm_buf_free(&v);
  free(drop);
  return rc;
}

/* Collective: marks keep[i] = 0 for rows that lose the duplicate rule. */
static int resolve_duplicates(MPI_Comm comm, corpus_cols *c, uint8_t *keep, uint64_t *dropped) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  cm_outbox out = {0};
  cm_inbox in = {0}, back = {0};
  cm_buf *rows = calloc((size_t)P, sizeof *rows); /* per destination: row numbers sent */
  int rc = rows ? cm_outbox_init(&out, P) : CM_FAIL("out of memory");
  if (rc == CM_OK) rc = send_keys(c, &out, rows);
  rc = cm_shuffle(comm, rc, &out, &in);
  if (rc == CM_OK) rc = cm_shuffle(comm, judge_keys(&in, &out), &out, &back);
  cm_inbox_free(&in);
  cm_outbox_free(&out);
  uint64_t mine = 0;
  for (int r = 0; r < P && rows; r++) {
    size_t m = CM_BUF_COUNT(&rows[r], uint64_t);
    for (size_t j = 0; j < m && rc == CM_OK; j++) {
      uint8_t f = back.data.data[back.from[r] + j];
      if (f) keep[CM_BUF_AT(&rows[r], uint64_t, j)] = 0, mine++;
    }
    cm_buf_free(&rows[r]);
  }
  free(rows);
  cm_inbox_free(&back);
  if (rc != CM_OK) return rc;
  CM_MPI(MPI_Allreduce(&mine, dropped, 1, MPI_UINT64_T, MPI_SUM, comm));
  return CM_OK;
}

/* ---- refresh: rows of unchanged input files come from the previous store ----
 *
 * `ingest --refresh` (and `citemill run` when inputs were added) reads only
 * the files the previous store does not hold. It applies when every file of
 * the previous store is still an input with the same size and modification
 * time, and the store was made with the same record limits; otherwise the
 * ingest is a full one. Old rows are read from the store file by file (the
 * store keeps each file's first row, `input_first_row`) and take the place
 * of parsing that file; their rejects come from the old rejects file. The
 * store's rows had the duplicate rule applied among old files already, and a
 * row that lost then loses now too, so the result equals a fresh ingest. */

typedef struct {
  int active[2]; /* per corpus: patents, works */
  hid_t file;
  cm_filelist files[2];
  uint64_t *first_row[2]; /* n + 1 each */
  uint64_t lines[2], rejects[2], records[2], dups[2];
  uint64_t wrong_type[2][CM_WT_N]; /* attributes wrong_type.<field> (0 when absent) */
  cm_strcol rej_cells[2];          /* old rejects files, 5 cells a row, header first */
  size_t rej_rows[2];
  cm_strcol dict[3]; /* office, type, field */
} base_store;

static int read_u64_attr(hid_t loc, const char *name, uint64_t *v) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return CM_FAIL("previous store lacks attribute '%s'", name);
  herr_t r = H5Aread(a, H5T_NATIVE_UINT64, v);
  H5Aclose(a);
  return r < 0 ? CM_FAIL("cannot read attribute '%s'", name) : CM_OK;
}

/* Old file j of corpus k is input file i: same path, size and mtime. */
static int same_file(const cm_file *a, const cm_file *b) {
  return strcmp(a->path, b->path) == 0 && a->size == b->size && a->mtime == b->mtime;
}

static void base_free(base_store *b) {
  for (int k = 0; k < 2; k++) {
    cm_filelist_free(&b->files[k]);
    free(b->first_row[k]);
    cm_strcol_free(&b->rej_cells[k]);
  }
  for (int d = 0; d < 3; d++)
    cm_strcol_free(&b->dict[d]);
  if (b->file >= 0) H5Fclose(b->file);
  memset(b, 0, sizeof *b);
  b->file = -1;
}

/* Same record limits as this run (they decide which old lines were rejects). */
static int same_limits(hid_t f, const cm_config *cfg) {
  char *conf = NULL, want[256];
  if (cm_h5_attr_read_str(f, "configuration", &conf) != CM_OK) return 0;
  snprintf(want, sizeof want, "max_record=%llu\nmax_ratio=%llu\nmax_member=%llu\n",
           (unsigned long long)cfg->max_record, (unsigned long long)cfg->max_ratio,
           (unsigned long long)cfg->max_member);
  int ok = strstr(conf, want) != NULL;
  free(conf);
  return ok;
}

static int base_load_corpus(base_store *b, int k, const char *rej_dir) {
  hid_t g = H5Gopen2(b->file, k ? "works" : "patents", H5P_DEFAULT);
  if (g < 0) return CM_ERR;
  uint64_t n = 0, kept = 0;
  int rc = cm_h5_exists(g, "input_first_row") ? CM_OK : CM_ERR; /* stores before it: full ingest */
  if (rc == CM_OK) rc = cm_h5_length(g, "input_size", &n);
  cm_strcol paths;
  memset(&paths, 0, sizeof paths);
  uint64_t *size = malloc((n + 1) * 8), *mtime = malloc((n + 1) * 8);
  b->first_row[k] = malloc((n + 1) * 8);
  b->files[k].v = calloc(n + 1, sizeof(cm_file));
  if (!size || !mtime || !b->first_row[k] || !b->files[k].v) rc = CM_FAIL("out of memory");
  if (rc == CM_OK) rc = cm_h5_read_strcol(g, "input_path", 0, n, &paths, NULL, CM_OWN_LAST);
  if (rc == CM_OK) rc = cm_h5_read(g, "input_size", H5T_NATIVE_UINT64, 0, n, size, NULL, CM_OWN_LAST);
  if (rc == CM_OK) rc = cm_h5_read(g, "input_mtime", H5T_NATIVE_INT64, 0, n, mtime, NULL, CM_OWN_LAST);
  if (rc == CM_OK)
    rc = cm_h5_read(g, "input_first_row", H5T_NATIVE_UINT64, 0, n, b->first_row[k], NULL, CM_OWN_LAST);
  if (rc == CM_OK) rc = read_u64_attr(g, "rows", &kept);
  if (rc == CM_OK) rc = read_u64_attr(g, "lines", &b->lines[k]);
  if (rc == CM_OK) rc = read_u64_attr(g, "rejects", &b->rejects[k]);
  if (rc == CM_OK) rc = read_u64_attr(g, "duplicates_dropped", &b->dups[k]);
  for (int i = wt_first(k); rc == CM_OK && i < wt_end(k); i++) {
    char name[96];
    snprintf(name, sizeof name, "wrong_type.%s", CM_WT_NAMES[i]);
    if (H5Aexists(g, name) > 0) rc = read_u64_attr(g, name, &b->wrong_type[k][i]);
  }
  for (uint64_t i = 0; rc == CM_OK && i < n; i++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(&paths, i, &l);
    b->files[k].v[i].path = strndup((const char *)p, l);
    b->files[k].v[i].size = size[i];
    b->files[k].v[i].mtime = (int64_t)mtime[i];
    b->files[k].n = i + 1;
    if (!b->files[k].v[i].path) rc = CM_FAIL("out of memory");
  }
  if (rc == CM_OK) b->first_row[k][n] = kept, b->records[k] = kept + b->dups[k];
  cm_strcol_free(&paths);
  free(size);
  free(mtime);
  H5Gclose(g);
  if (rc == CM_OK) {
    char path[4200];
    int ncols = 0;
    snprintf(path, sizeof path, "%s/%s.csv", rej_dir, k ? "works" : "patents");
    rc = cm_csv_read(path, &b->rej_cells[k], &ncols, &b->rej_rows[k]);
    if (rc == CM_OK && ncols != 5) rc = CM_FAIL("'%s' is not a citemill rejects file", path);
  }
  return rc;
}

/* Collective: opens the previous store for --refresh and decides, the same on
 * every rank, whether the refresh applies. */
static int base_open(MPI_Comm comm, const cm_config *cfg, const char *rej_dir, base_store *b) {
  memset(b, 0, sizeof *b);
  b->file = -1;
  struct stat sb;
  int exists = stat(cfg->store, &sb) == 0, rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &exists, 1, MPI_INT, MPI_MIN, comm));
  if (!exists) return CM_OK;
  if (cm_agree(comm, cm_h5_open(comm, cfg->store, &b->file)) != CM_OK) {
    b->file = -1; /* unreadable: full ingest */
    return CM_OK;
  }
  /* the old rows are reused only from a store whose every checksum holds */
  int whole = cm_check_file(comm, b->file, cfg->store) == CM_OK;
  if (!whole && rank == 0 && !cfg->quiet)
    printf("ingest: --refresh: the previous store fails its checksums (see above); full ingest\n");
  int ok = whole && same_limits(b->file, cfg);
  for (int k = 0; k < 2 && ok; k++)
    ok = base_load_corpus(b, k, rej_dir) == CM_OK;
  for (int d = 0; d < 3 && ok; d++) {
    hid_t g = H5Gopen2(b->file,
                       d == 0   ? "patents/office"
                       : d == 1 ? "works/type"
                                : "works/field",
                       H5P_DEFAULT);
    uint64_t nd = 0;
    ok = g >= 0 && cm_h5_length(g, "dict/offsets", &nd) == CM_OK &&
         cm_h5_read_strcol(g, "dict", 0, nd - 1, &b->dict[d], NULL, CM_OWN_LAST) == CM_OK;
    if (g >= 0) H5Gclose(g);
  }
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  b->active[0] = b->active[1] = ok;
  if (rank == 0 && !cfg->quiet)
    printf("ingest: --refresh: %s\n",
           ok ? "reusing the rows of unchanged files from the previous store"
              : "the previous store cannot be reused (other limits or schema); full ingest");
  return CM_OK;
}

/* After the file lists are known: every old file must still be an input. */
static int base_check_superset(MPI_Comm comm, base_store *b, int k, const cm_filelist *fl,
                               const cm_config *cfg) {
  if (!b->active[k]) return CM_OK;
  size_t j = 0;
  for (size_t i = 0; i < fl->n && j < b->files[k].n; i++)
    if (same_file(&fl->v[i], &b->files[k].v[j])) j++;
  int ok = j == b->files[k].n, rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  if (!ok) {
    b->active[k] = 0;
    if (rank == 0 && !cfg->quiet)
      printf("ingest: --refresh: a %s file of the previous store changed or went away; full ingest\n",
             k ? "works" : "patents");
  }
  return CM_OK;
}

/* Index of input file i among the old files, or -1. Both lists are sorted. */
static int64_t base_index(const base_store *b, int k, const cm_file *f) {
  size_t lo = 0, hi = b->files[k].n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(b->files[k].v[mid].path, f->path);
    if (c == 0) return same_file(&b->files[k].v[mid], f) ? (int64_t)mid : -1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int append_dict_rows(hid_t g, const char *name, const cm_strcol *dict, uint64_t lo, uint64_t n,
                            cm_strcol *dst) {
  hid_t d = H5Gopen2(g, name, H5P_DEFAULT);
  if (d < 0) return CM_FAIL("previous store has no column '%s'", name);
  uint32_t *codes = malloc((n + 1) * 4);
  int rc = codes ? cm_h5_read(d, "codes", H5T_NATIVE_UINT32, lo, n, codes, NULL, CM_OWN_ROWS)
                 : CM_FAIL("out of memory");
  for (uint64_t i = 0; i < n && rc == CM_OK; i++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(dict, codes[i], &l);
    rc = cm_strcol_push(dst, p, l);
  }
  free(codes);
  H5Gclose(d);
  return rc;
}

static int append_str_rows(hid_t g, const char *name, uint64_t lo, uint64_t hi, cm_strcol *dst) {
  cm_strcol t;
  memset(&t, 0, sizeof t);
  int rc = cm_h5_read_strcol(g, name, lo, hi, &t, NULL, CM_OWN_ROWS);
  if (rc == CM_OK) rc = cm_strcol_append_col(dst, &t);
  cm_strcol_free(&t);
  return rc;
}

static int append_list_rows(hid_t g, const char *name, uint64_t lo, uint64_t hi, cm_listcol *dst) {
  cm_listcol t;
  memset(&t, 0, sizeof t);
  int rc = cm_h5_read_listcol(g, name, lo, hi, &t, NULL, CM_OWN_ROWS);
  if (rc == CM_OK) rc = cm_listcol_append_col(dst, &t);
  cm_listcol_free(&t);
  return rc;
}

static int append_fixed_rows(hid_t g, const char *name, hid_t type, size_t esize, uint64_t lo, uint64_t n,
                             cm_buf *dst) {
  CM_TRY(cm_buf_reserve(dst, (size_t)n * esize + 8));
  CM_TRY(cm_h5_read(g, name, type, lo, n, dst->data + dst->len, NULL, CM_OWN_ROWS));
  dst->len += (size_t)n * esize;
  return CM_OK;
}

/* The old rows of file j (old index), as rows of input file `file_index`,
 * with that file's rejects copied into this rank's rejects part. */
static int append_base_file(ingest_ctx *x, const base_store *b, int64_t j) {
  int k = x->patents ? 0 : 1;
  corpus_cols *c = x->c;
  uint64_t lo = b->first_row[k][j], hi = b->first_row[k][j + 1], n = hi - lo;
  hid_t g = H5Gopen2(b->file, k ? "works" : "patents", H5P_DEFAULT);
  if (g < 0) return CM_FAIL("previous store lost its group");
  size_t at = c->record_id.len / 8;
  int rc = append_fixed_rows(g, "record_id", H5T_NATIVE_UINT64, 8, lo, n, &c->record_id);
  for (uint64_t i = 0; rc == CM_OK && i < n; i++) { /* renumber the file part of the record id */
    uint64_t *r = &CM_BUF_AT(&c->record_id, uint64_t, at + i);
    *r = (x->file_index << RECORD_SEQ_BITS) | (*r & ((1ull << RECORD_SEQ_BITS) - 1));
  }
  if (k == 0) {
    if (rc == CM_OK) rc = append_str_rows(g, "publication_number", lo, hi, &c->key);
    if (rc == CM_OK) rc = append_dict_rows(g, "office", &b->dict[0], lo, n, &c->office);
    if (rc == CM_OK) rc = append_fixed_rows(g, "publication_date", H5T_NATIVE_INT64, 8, lo, n, &c->date);
    if (rc == CM_OK) rc = append_str_rows(g, "family_id", lo, hi, &c->family);
    if (rc == CM_OK) rc = append_fixed_rows(g, "assignee_source", H5T_NATIVE_UINT8, 1, lo, n, &c->asg_source);
    if (rc == CM_OK) rc = append_list_rows(g, "assignee_name", lo, hi, &c->asg_name);
    if (rc == CM_OK) rc = append_list_rows(g, "assignee_country", lo, hi, &c->asg_country);
    if (rc == CM_OK) rc = append_list_rows(g, "cited_publication_number", lo, hi, &c->cited);
    if (rc == CM_OK) rc = append_list_rows(g, "npl_text", lo, hi, &c->npl);
  } else {
    if (rc == CM_OK) rc = append_str_rows(g, "id", lo, hi, &c->key);
    if (rc == CM_OK) rc = append_str_rows(g, "doi", lo, hi, &c->doi);
    if (rc == CM_OK) rc = append_str_rows(g, "title", lo, hi, &c->title);
    if (rc == CM_OK) rc = append_fixed_rows(g, "publication_year", H5T_NATIVE_INT64, 8, lo, n, &c->year);
    if (rc == CM_OK) rc = append_fixed_rows(g, "has_year", H5T_NATIVE_UINT8, 1, lo, n, &c->has_year);
    if (rc == CM_OK) rc = append_dict_rows(g, "type", &b->dict[1], lo, n, &c->type);
    if (rc == CM_OK) rc = append_fixed_rows(g, "cited_by_count", H5T_NATIVE_INT64, 8, lo, n, &c->cites);
    if (rc == CM_OK) rc = append_list_rows(g, "countries", lo, hi, &c->countries);
    if (rc == CM_OK) rc = append_list_rows(g, "institution_id", lo, hi, &c->inst_id);
    if (rc == CM_OK) rc = append_list_rows(g, "institution_name", lo, hi, &c->inst_name);
    if (rc == CM_OK) rc = append_list_rows(g, "institution_country", lo, hi, &c->inst_country);
    if (rc == CM_OK) rc = append_dict_rows(g, "field", &b->dict[2], lo, n, &c->field);
    if (rc == CM_OK) rc = append_str_rows(g, "topic_id", lo, hi, &c->topic_id);
    if (rc == CM_OK) rc = append_str_rows(g, "topic_name", lo, hi, &c->topic_name);
  }
  H5Gclose(g);
  /* the file's reject lines, as the old rejects file has them */
  const char *path = b->files[k].v[j].path;
  size_t pl = strlen(path);
  for (size_t r = 1; rc == CM_OK && r <= b->rej_rows[k]; r++) {
    size_t l;
    const uint8_t *f0 = cm_strcol_get(&b->rej_cells[k], 5 * r, &l);
    if (l != pl || memcmp(f0, path, pl) != 0) continue;
    x->scratch.len = 0;
    for (int col = 0; col < 5 && rc == CM_OK; col++) {
      const uint8_t *v = cm_strcol_get(&b->rej_cells[k], 5 * r + (size_t)col, &l);
      rc = cm_csv_field(&x->scratch, (const char *)v, l, col == 0);
    }
    if (rc == CM_OK) rc = cm_csv_end(&x->scratch);
    if (rc == CM_OK && fwrite(x->scratch.data, 1, x->scratch.len, x->rej) != x->scratch.len)
      rc = CM_FAIL("cannot write rejects file (disk full?)");
  }
  return rc;
}

/* Collective: the store row of each input file's first record (rows of a
 * file are consecutive; files in input order), and the total at the end. */
static int first_rows(MPI_Comm comm, const corpus_cols *c, const cm_filelist *fl, uint64_t **out) {
  uint64_t *first = calloc(fl->n + 1, 8);
  int rc = cm_agree(comm, first ? CM_OK : CM_FAIL("out of memory for %zu file offsets", fl->n));
  if (rc != CM_OK) {
    free(first);
    return rc;
  }
  uint64_t n = cm_strcol_count(&c->key);
  const uint64_t *rid = (const uint64_t *)c->record_id.data;
  for (uint64_t r = 0; r < n; r++)
    first[(rid[r] >> RECORD_SEQ_BITS) + 1]++; /* rows of each file, shifted by one */
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, first, (int)(fl->n + 1), MPI_UINT64_T, MPI_SUM, comm));
  for (size_t i = 0; i < fl->n; i++)
    first[i + 1] += first[i];
  *out = first;
  return CM_OK;
}

/* ---- reading one corpus ---- */

/* A rank's part of a corpus's rejects file, merged by merge_rejects. */
static void part_path(char *path, size_t len, const char *dir, const char *corpus, int rank) {
  snprintf(path, len, "%s/.%s.rank%06d.part", dir, corpus, rank);
}

static int open_rejects(const char *dir, const char *corpus, int rank, FILE **f, char *path, size_t len) {
  part_path(path, len, dir, corpus, rank);
  *f = fopen(path, "wb");
  if (!*f) return CM_FAIL("cannot create rejects file '%s': %s", path, strerror(errno));
  return CM_OK;
}

/* A file's reject lines: bytes [lo, hi) of a rank's part. */
typedef struct {
  uint64_t file, rank, lo, hi;
} reject_range;

static int by_file(const void *a, const void *b) {
  const reject_range *x = a, *y = b;
  return (x->file > y->file) - (x->file < y->file);
}

/* Not collective (rank 0): copies the ranges, in input-file order, from the
 * ranks' parts into `path` (through a temporary and a rename). */
static int copy_reject_ranges(const char *dir, const char *corpus, const char *path, int P,
                              const reject_range *v, size_t n) {
  char tmp[4200], part[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE **in = calloc((size_t)P, sizeof *in);
  FILE *o = fopen(tmp, "wb");
  int rc = !in  ? CM_FAIL("out of memory")
           : !o ? CM_FAIL("cannot write '%s': %s", tmp, strerror(errno))
                : CM_OK;
  if (rc == CM_OK && fputs("file,member,line,reason,first_bytes\n", o) < 0)
    rc = CM_FAIL("writing '%s' failed", tmp);
  for (int r = 0; r < P && rc == CM_OK; r++) {
    part_path(part, sizeof part, dir, corpus, r);
    if (!(in[r] = fopen(part, "rb"))) rc = CM_FAIL("rejects part '%s' is missing", part);
  }
  char buf[1 << 16];
  for (size_t i = 0; i < n && rc == CM_OK; i++) {
    FILE *f = in[v[i].rank];
    if (fseek(f, (long)v[i].lo, SEEK_SET) != 0) rc = CM_FAIL("cannot seek in a rejects part");
    for (uint64_t left = v[i].hi - v[i].lo; left > 0 && rc == CM_OK;) {
      size_t k = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, f);
      if (k == 0)
        rc = CM_FAIL("a rejects part is shorter than written");
      else if (fwrite(buf, 1, k, o) != k)
        rc = CM_FAIL("writing '%s' failed", tmp);
      left -= k;
    }
  }
  for (int r = 0; in && r < P; r++)
    if (in[r]) fclose(in[r]);
  free(in);
  if (o && fclose(o) != 0 && rc == CM_OK) rc = CM_FAIL("writing '%s' failed", tmp);
  if (rc == CM_OK && rename(tmp, path) != 0) rc = CM_FAIL("cannot rename '%s'", tmp);
  if (rc != CM_OK) remove(tmp);
  return rc;
}

/* Collective: the ranks' reject parts become one file, its lines in input
 * order (files in order; a file's lines as its reader wrote them), whatever
 * rank read which file. */
static int merge_rejects(MPI_Comm comm, const char *dir, const char *corpus, const file_rejects *pf,
                         size_t n_pf) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  size_t n = 0;
  reject_range *mine = malloc((n_pf ? n_pf : 1) * sizeof *mine);
  int *cnt = malloc((size_t)P * sizeof *cnt), *dis = malloc((size_t)P * sizeof *dis);
  int rc = cm_agree(comm, !mine || !cnt || !dis ? CM_FAIL("out of memory merging rejects") : CM_OK);
  reject_range *all = NULL;
  size_t n_all = 0;
  if (rc == CM_OK) {
    for (size_t i = 0; i < n_pf; i++)
      if (pf[i].part_hi > pf[i].part_lo)
        mine[n++] = (reject_range){pf[i].file, (uint64_t)rank, pf[i].part_lo, pf[i].part_hi};
    int words = (int)(4 * n);
    CM_MPI(MPI_Gather(&words, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm));
    for (int r = 0; rank == 0 && r < P; r++) {
      dis[r] = (int)(4 * n_all);
      n_all += (size_t)cnt[r] / 4;
    }
    all = rank == 0 ? malloc((n_all ? n_all : 1) * sizeof *all) : NULL;
    rc = cm_agree(comm, rank == 0 && !all ? CM_FAIL("out of memory merging rejects") : CM_OK);
  }
  if (rc == CM_OK) {
    CM_MPI(MPI_Gatherv(mine, (int)(4 * n), MPI_UINT64_T, all, cnt, dis, MPI_UINT64_T, 0, comm));
    if (rank == 0) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.csv", dir, corpus);
      qsort(all, n_all, sizeof *all, by_file);
      rc = copy_reject_ranges(dir, corpus, path, P, all, n_all);
      for (int r = 0; r < P; r++) {
        char part[4200];
        part_path(part, sizeof part, dir, corpus, r);
        remove(part);
      }
    }
    rc = cm_agree(comm, rc);
  }
  free(mine);
  free(cnt);
  free(dis);
  free(all);
  return rc;
}

/* Rejects pass the threshold (SPEC 5: rejects > rate x non-blank lines). */
static int reject_rate_passed(const cm_config *cfg, uint64_t rejects, uint64_t lines) {
  return (double)rejects > cfg->reject_rate * (double)lines;
}

/* Collective: fails naming the worst files when rejects pass the threshold. */
static int check_reject_rate(MPI_Comm comm, ingest_ctx *x, const corpus_totals *t) {
  if (!reject_rate_passed(x->cfg, t->rejects, t->lines)) return CM_OK;
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  /* Each rank offers its worst file; rank 0 names the top ones. */
  uint64_t best[2] = {0, 0};
  for (size_t i = 0; i < x->n_per_file; i++) /* most rejects; of equals, the first file */
    if (x->per_file[i].rejects > best[0] ||
        (x->per_file[i].rejects == best[0] && best[0] > 0 && x->per_file[i].file < best[1]))
      best[0] = x->per_file[i].rejects, best[1] = x->per_file[i].file;
  uint64_t *all = malloc((size_t)P * 16);
  CM_AGREE(comm, all ? CM_OK : CM_FAIL("out of memory"));
  CM_MPI(MPI_Gather(best, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, comm));
  if (rank == 0) {
    char names[2048] = "";
    size_t used = 0;
    for (int k = 0; k < 3; k++) {
      int pick = -1;
      for (int r = 0; r < P; r++)
        if (all[2 * r] > 0 && (pick < 0 || all[2 * r] > all[2 * pick] ||
                               (all[2 * r] == all[2 * pick] && all[2 * r + 1] < all[2 * pick + 1])))
          pick = r;
      if (pick < 0) break;
      used += (size_t)snprintf(names + used, used < sizeof names ? sizeof names - used : 0,
                               "%s'%s' (%" PRIu64 " rejects)", k ? ", " : "",
                               x->files->v[all[2 * pick + 1]].path, all[2 * pick]);
      all[2 * pick] = 0;
    }
    CM_FAIL("%s: %" PRIu64 " rejects in %" PRIu64 " lines exceed the limit of %g of lines; worst files: %s; "
            "see the rejects file, fix the input or raise --reject-rate",
            x->corpus, t->rejects, t->lines, x->cfg->reject_rate, names);
  }
  free(all);
  return CM_ERR_ALL; /* every rank took this branch: the counts are global */
}

/* Not collective: the position in this rank's rejects part. */
static int part_at(FILE *f, uint64_t *at) {
  long v = ftell(f);
  if (v < 0) return CM_FAIL("cannot tell the position in this rank's rejects part: %s", strerror(errno));
  *at = (uint64_t)v;
  return CM_OK;
}

/* Not collective: reads input file i (or takes its rows from the previous
 * store) into x's columns. */
static int read_file(ingest_ctx *x, cm_reader *reader, const cm_line_sink *sink, const base_store *base,
                     size_t i, corpus_totals *t) {
  int k = x->patents ? 0 : 1;
  const cm_file *f = &x->files->v[i];
  x->file_index = i;
  x->seq = 0;
  file_rejects *pf = &x->per_file[x->n_per_file++];
  *pf = (file_rejects){i, 0, 0, 0};
  CM_TRY(part_at(x->rej, &pf->part_lo)); /* this file's reject lines start here in the part */
  int64_t old = base->active[k] ? base_index(base, k, f) : -1;
  int rc = old >= 0 ? append_base_file(x, base, old) : cm_reader_read(reader, f, sink, &t->rs);
  if (rc == CM_OK) rc = part_at(x->rej, &pf->part_hi);
  x->my_bytes_done += f->size;
  x->my_files_done++;
  return rc;
}

/* The most non-blank lines the corpus's files can hold (for
 * rejects_certain): a line takes at least 2 bytes (a character and '\n'),
 * and a gzip stream decompresses to at most --max-ratio times its size or
 * --max-member bytes, else the read fails. Zip members are inflated by
 * libarchive without that check: a corpus with a zip has no bound. The old
 * files of a refresh count with their known lines. */
static double lines_bound(const cm_config *cfg, const cm_filelist *fl, const base_store *b, int k) {
  double n = b->active[k] ? (double)b->lines[k] : 0;
  for (size_t i = 0; i < fl->n; i++) {
    const cm_file *f = &fl->v[i];
    if (b->active[k] && base_index(b, k, f) >= 0) continue;
    double bytes = (double)f->size;
    switch (cm_kind_of(f->path)) {
    case CM_KIND_GZ:
    case CM_KIND_TARGZ: {
      double r = (double)cfg->max_ratio * bytes, m = (double)cfg->max_member;
      bytes = (r > m ? r : m) + (4u << 20); /* the check runs once per chunk produced */
      break;
    }
    case CM_KIND_ZIP:
      return INFINITY;
    case CM_KIND_PLAIN:
    case CM_KIND_TAR:
      break;
    default:
      continue; /* skipped files hold no lines */
    }
    n += (bytes + 1) / 2;
  }
  return n;
}

/* Collective: reads one corpus's files into cols. Files are claimed in runs
 * (cm_claim.h), so a rank that reads faster reads more. `pending` holds this
 * rank's share of the store columns begun so far (NULL: none): the rank
 * writes it once its node has claimed (r + 1/2) / R of its files (r: the
 * rank's place among the R ranks of its node), so that the ranks write at
 * different moments, each while the others parse (the kernel lets one
 * writer at a time into a file). */
static int read_corpus(MPI_Comm comm, const cm_config *cfg, int patents, const char *rej_dir,
                       base_store *base, corpus_cols *cols, cm_filelist *fl, corpus_totals *t,
                       cm_h5_deferred *pending) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  const char *corpus = patents ? "patents" : "works";
  int rc = CM_OK;
  if (rank == 0)
    rc = cm_files_collect(patents ? cfg->patents : cfg->works, patents ? cfg->n_patents : cfg->n_works,
                          corpus, fl);
  CM_AGREE(comm, rc);
  CM_TRY(cm_files_bcast(comm, 0, fl));
  CM_TRY(base_check_superset(comm, base, patents ? 0 : 1, fl, cfg));

  ingest_ctx x = {0};
  x.cfg = cfg;
  x.patents = patents;
  x.corpus = corpus;
  x.files = fl;
  x.c = cols;
  x.show = rank == 0 && !cfg->quiet;
  x.n_ranks = P;
  x.t0 = x.last = cm_now();
  x.per_file = calloc(fl->n + 1, sizeof *x.per_file);
  uint64_t *weight = malloc((fl->n + 1) * sizeof *weight);
  for (size_t i = 0; weight && i < fl->n; i++) {
    weight[i] = fl->v[i].size + 1; /* +1: empty files cost something too */
    x.bytes_total += fl->v[i].size;
  }
  x.jp = cm_json_parser_new();
  x.lines_bound = lines_bound(cfg, fl, base, patents ? 0 : 1);
  cm_read_limits lim = {cfg->max_record, cfg->max_ratio ? cfg->max_ratio : 1, cfg->max_member};
  cm_reader *reader = NULL;
  char rej_path[4096];
  rc = (!x.per_file || !x.jp || !weight) ? CM_FAIL("out of memory setting up the %s reader", corpus) : CM_OK;
  if (rc == CM_OK) rc = cm_reader_new(&lim, &reader);
  if (rc == CM_OK) rc = open_rejects(rej_dir, corpus, rank, &x.rej, rej_path, sizeof rej_path);
  rc = cm_agree(comm, rc);
  cm_claims *claims = NULL;
  if (rc == CM_OK) rc = cm_claims_open(comm, fl->n, weight, &claims);
  if (x.show && rc == CM_OK) printf("ingest %s: %zu files over %d ranks\n", corpus, fl->n, P);
  cm_line_sink sink = {on_line, on_reject, &x};
  double t0 = cm_now();
  int node_rank = 0, node_size = 1; /* pending writes are staggered among the ranks of a node */
  if (claims) cm_claims_node(claims, &node_rank, &node_size);
  double write_when = (node_rank + 0.5) / node_size, claimed = 0;
  while (rc == CM_OK) {
    size_t lo, hi;
    rc = cm_claims_next(claims, &lo, &hi, &claimed);
    if (rc != CM_OK || lo == hi) break;
    rc = cm_buf_push_u64(&cols->claimed, lo);
    if (rc == CM_OK) rc = cm_buf_push_u64(&cols->claimed, hi);
    if (rc == CM_OK && pending && claimed >= write_when) {
      double tw = cm_now();
      rc = cm_h5_deferred_flush(pending);
      t->t_write += cm_now() - tw;
      pending = NULL;
    }
    for (size_t i = lo; i < hi && rc == CM_OK; i++) {
      rc = read_file(&x, reader, &sink, base, i, t);
      progress(&x, 0);
    }
  }
  progress(&x, 1);
  double busy = cm_now() - t0;
  if (x.rej && fclose(x.rej) != 0 && rc == CM_OK) rc = CM_FAIL("writing rejects file '%s' failed", rej_path);
  cm_reader_free(reader);
  uint64_t wrong[CM_WT_N] = {0};
  if (x.jp) cm_json_wrong_types(x.jp, wrong);
  cm_json_parser_free(x.jp);
  cm_buf_free(&x.scratch);
  free(weight);
  /* Agree on success before any further collective. */
  int any = cm_agree(comm, rc);
  if (claims) CM_TRY(cm_claims_close(claims));
  if (any != CM_OK) {
    if (x.rej) remove(rej_path); /* this rank's part: nobody will merge it */
    free(x.per_file);
    if (rank == 0) fprintf(stderr, "citemill: ingest of %s failed; the store was not written\n", corpus);
    return any;
  }
  CM_TRY(merge_rejects(comm, rej_dir, corpus, x.per_file, x.n_per_file));
  t->t_read = cm_now() - t0;
  double lo_hi[2] = {-busy, busy};
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, lo_hi, 2, MPI_DOUBLE, MPI_MAX, comm));
  t->busy[0] = -lo_hi[0];
  t->busy[1] = lo_hi[1];
  uint64_t mine[3] = {x.lines, x.rejects, x.records}, sum[3];
  CM_MPI(MPI_Allreduce(mine, sum, 3, MPI_UINT64_T, MPI_SUM, comm));
  int k = patents ? 0 : 1; /* with --refresh, the old files' counts come from the old store */
  t->lines = sum[0] + (base->active[k] ? base->lines[k] : 0);
  t->rejects = sum[1] + (base->active[k] ? base->rejects[k] : 0);
  t->records = sum[2] + (base->active[k] ? base->records[k] : 0);
  CM_MPI(MPI_Allreduce(wrong, t->wrong_type, CM_WT_N, MPI_UINT64_T, MPI_SUM, comm));
  for (int i = 0; i < CM_WT_N && base->active[k]; i++)
    t->wrong_type[i] += base->wrong_type[k][i];
  rc = check_reject_rate(comm, &x, t);
  free(x.per_file);
  return rc;
}

/* ---- writing ---- */

static int write_dict_col(MPI_Comm comm, hid_t g, const char *name, const cm_strcol *vals,
                          const cm_h5_placement *rows) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  cm_strcol dict, empty;
  cm_buf codes = {0};
  CM_TRY(cm_dict_encode(comm, vals, &dict, &codes));
  CM_TRY(cm_strcol_init(&empty));
  hid_t d;
  CM_TRY(cm_h5_group(g, name, &d));
  int rc = cm_h5_write_concat(comm, d, "codes", H5T_NATIVE_UINT32, codes.data, CM_BUF_COUNT(&codes, uint32_t),
                              rows);
  if (rc == CM_OK) rc = cm_h5_write_strcol(comm, d, "dict", rank == 0 ? &dict : &empty, NULL);
  if (rc == CM_OK) rc = cm_h5_attr_str(d, "kind", "dictionary");
  H5Gclose(d);
  cm_strcol_free(&dict);
  cm_strcol_free(&empty);
  cm_buf_free(&codes);
  return rc;
}

/* Rank 0: the input files' paths, sizes and times as columns. */
static int files_columns(const cm_filelist *fl, cm_strcol *paths, cm_buf *size, cm_buf *mtime) {
  for (size_t i = 0; i < fl->n; i++) {
    CM_TRY(cm_strcol_push(paths, fl->v[i].path, strlen(fl->v[i].path)));
    CM_TRY(cm_buf_push_u64(size, fl->v[i].size));
    CM_TRY(cm_buf_push_i64(mtime, fl->v[i].mtime));
  }
  return CM_OK;
}

static int write_files_table(MPI_Comm comm, hid_t g, const cm_filelist *fl, const corpus_cols *c) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  cm_strcol paths;
  cm_buf size = {0}, mtime = {0};
  uint64_t *first = NULL;
  int rc = cm_strcol_init(&paths);
  if (rc == CM_OK && rank == 0) rc = files_columns(fl, &paths, &size, &mtime);
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) rc = cm_h5_write_strcol(comm, g, "input_path", &paths, NULL);
  if (rc == CM_OK)
    rc = cm_h5_write_concat(comm, g, "input_size", H5T_NATIVE_UINT64, size.data,
                            CM_BUF_COUNT(&size, uint64_t), NULL);
  if (rc == CM_OK)
    rc = cm_h5_write_concat(comm, g, "input_mtime", H5T_NATIVE_INT64, mtime.data,
                            CM_BUF_COUNT(&mtime, int64_t), NULL);
  if (rc == CM_OK) rc = first_rows(comm, c, fl, &first);
  if (rc == CM_OK)
    rc =
        cm_h5_write_concat(comm, g, "input_first_row", H5T_NATIVE_UINT64, first, rank == 0 ? fl->n : 0, NULL);
  free(first);
  cm_strcol_free(&paths);
  cm_buf_free(&size);
  cm_buf_free(&mtime);
  return rc;
}

static int write_corpus_in(MPI_Comm comm, hid_t g, int patents, const corpus_cols *c, const cm_filelist *fl,
                           const corpus_totals *t, const cm_h5_placement *place) {
  uint64_t n = cm_strcol_count(&c->key);
  cm_h5_placement now = *place; /* the dictionary columns' codes: their buffers are temporary */
  now.later = NULL;
  CM_TRY(cm_h5_write_concat(comm, g, "record_id", H5T_NATIVE_UINT64, c->record_id.data, n, place));
  if (patents) {
    CM_TRY(cm_h5_write_strcol(comm, g, "publication_number", &c->key, place));
    CM_TRY(write_dict_col(comm, g, "office", &c->office, &now));
    CM_TRY(cm_h5_write_concat(comm, g, "publication_date", H5T_NATIVE_INT64, c->date.data, n, place));
    CM_TRY(cm_h5_write_strcol(comm, g, "family_id", &c->family, place));
    CM_TRY(cm_h5_write_concat(comm, g, "assignee_source", H5T_NATIVE_UINT8, c->asg_source.data, n, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "assignee_name", &c->asg_name, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "assignee_country", &c->asg_country, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "cited_publication_number", &c->cited, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "npl_text", &c->npl, place));
  } else {
    CM_TRY(cm_h5_write_strcol(comm, g, "id", &c->key, place));
    CM_TRY(cm_h5_write_strcol(comm, g, "doi", &c->doi, place));
    CM_TRY(cm_h5_write_strcol(comm, g, "title", &c->title, place));
    CM_TRY(cm_h5_write_concat(comm, g, "publication_year", H5T_NATIVE_INT64, c->year.data, n, place));
    CM_TRY(cm_h5_write_concat(comm, g, "has_year", H5T_NATIVE_UINT8, c->has_year.data, n, place));
    CM_TRY(write_dict_col(comm, g, "type", &c->type, &now));
    CM_TRY(cm_h5_write_concat(comm, g, "cited_by_count", H5T_NATIVE_INT64, c->cites.data, n, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "countries", &c->countries, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "institution_id", &c->inst_id, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "institution_name", &c->inst_name, place));
    CM_TRY(cm_h5_write_listcol(comm, g, "institution_country", &c->inst_country, place));
    CM_TRY(write_dict_col(comm, g, "field", &c->field, &now));
    CM_TRY(cm_h5_write_strcol(comm, g, "topic_id", &c->topic_id, place));
    CM_TRY(cm_h5_write_strcol(comm, g, "topic_name", &c->topic_name, place));
  }
  CM_TRY(write_files_table(comm, g, fl, c));
  CM_TRY(cm_h5_attr_u64(g, "rows", t->kept));
  CM_TRY(cm_h5_attr_u64(g, "lines", t->lines));
  CM_TRY(cm_h5_attr_u64(g, "rejects", t->rejects));
  CM_TRY(cm_h5_attr_u64(g, "duplicates_dropped", t->duplicates));
  for (int i = wt_first(!patents); i < wt_end(!patents); i++) {
    char name[96];
    snprintf(name, sizeof name, "wrong_type.%s", CM_WT_NAMES[i]);
    CM_TRY(cm_h5_attr_u64(g, name, t->wrong_type[i]));
  }
  return CM_OK;
}

/* Not collective: this rank's rows as segments, one a claimed run of input
 * files, keyed by the run's first file (rows are in file order). */
static int row_segments(const corpus_cols *c, uint64_t **key, uint64_t **rows, size_t *n_seg) {
  size_t n = CM_BUF_COUNT(&c->claimed, uint64_t) / 2, n_rows = cm_strcol_count(&c->key), r = 0;
  const uint64_t *run = (const uint64_t *)c->claimed.data, *rid = (const uint64_t *)c->record_id.data;
  *key = malloc((n ? n : 1) * sizeof **key);
  *rows = malloc((n ? n : 1) * sizeof **rows);
  if (!*key || !*rows) return CM_FAIL("out of memory");
  for (size_t i = 0; i < n; i++) {
    size_t r0 = r;
    while (r < n_rows && (rid[r] >> RECORD_SEQ_BITS) < run[2 * i + 1])
      r++;
    (*key)[i] = run[2 * i];
    (*rows)[i] = r - r0;
  }
  *n_seg = n;
  return r == n_rows ? CM_OK : CM_FAIL("internal error: rows outside the files this rank read");
}

/* Collective: one corpus's group (closed on every path); its row columns are
 * placed by the runs of files each rank read and queued in later (written by
 * each rank when it chooses); the small tables are written now. */
static int write_corpus(MPI_Comm comm, hid_t file, int patents, const corpus_cols *c, const cm_filelist *fl,
                        const corpus_totals *t, cm_h5_deferred *later) {
  cm_h5_placement place = {0, NULL, NULL, later};
  uint64_t *key = NULL, *rows = NULL;
  int rc = cm_agree(comm, row_segments(c, &key, &rows, &place.n_seg));
  place.seg_key = key;
  place.seg_rows = rows;
  hid_t g = -1;
  if (rc == CM_OK) rc = cm_h5_group(file, patents ? "patents" : "works", &g);
  if (rc == CM_OK) rc = write_corpus_in(comm, g, patents, c, fl, t, &place);
  if (g >= 0) H5Gclose(g);
  free(key);
  free(rows);
  return rc;
}

/* Collective: the root attributes, then the file closed (cm_h5_close_written:
 * returns only on success). */
static int finish_store(MPI_Comm comm, const cm_config *cfg, hid_t f, const char *tmp) {
  char conf[16384], when[64];
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  int rc = cm_config_describe(cfg, conf, sizeof conf);
  if (rc == CM_OK) rc = cm_h5_attr_u64(f, "schema_version", CM_SCHEMA_VERSION);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "citemill_version", CM_VERSION);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "citemill_kind", "store");
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "created_utc", when);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "configuration", conf);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "schema_doc", "docs/store.md of citemill");
  return cm_h5_close_written(comm, f, tmp, rc);
}

/* Collective: the store's file is begun once the first corpus is read and
 * deduplicated; each corpus's group goes in after it. */
static int begin_corpus(MPI_Comm comm, const cm_config *cfg, const char *tmp, int k, corpus_cols *cols,
                        const cm_filelist *fl, const corpus_totals *t, hid_t *f, cm_h5_deferred **later) {
  if (*f < 0) {
    int rc = cm_h5_create(comm, tmp, (unsigned)cfg->deflate, f);
    if (rc == CM_OK) rc = cm_h5_deferred_new(later);
    CM_AGREE(comm, rc); /* (a rank whose create succeeded keeps an unusable file id) */
  }
  int rc = write_corpus(comm, *f, k == 0, &cols[k], &fl[k], &t[k], *later);
  /* a failed collective write leaves HDF5 unable to close: this ends the job */
  if (rc != CM_OK) cm_h5_close_written(comm, *f, tmp, rc);
  return rc;
}

/* Collective: writes what each rank still holds, closes the store and puts
 * it in place; or, when reading failed after the store was begun, removes
 * it. */
static int end_store(MPI_Comm comm, const cm_config *cfg, const char *tmp, int rc, hid_t f,
                     cm_h5_deferred *later) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  if (f < 0) return rc;
  if (rc != CM_OK) cm_h5_deferred_drop(later); /* no use writing a store that will be removed */
  int wrc = cm_h5_deferred_finish(comm, later);
  if (wrc != CM_OK) cm_h5_close_written(comm, f, tmp, wrc); /* a write failed: ends the job */
  if (rc != CM_OK) {
    CM_TRY(cm_h5_close_removed(comm, f, tmp));
    return rc;
  }
  CM_TRY(finish_store(comm, cfg, f, tmp));
  if (rank == 0 && rename(tmp, cfg->store) != 0) {
    rc = CM_FAIL("cannot rename '%s' to '%s': %s", tmp, cfg->store, strerror(errno));
    remove(tmp);
  }
  return cm_agree(comm, rc);
}

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
  char dir[4096], tmp[4200];
  rejects_dir(cfg, dir, sizeof dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", cfg->store);
  CM_TRY(cm_out_file_ok(cfg->store, CM_OUT_H5, "--store"));
  CM_TRY(cm_out_not_input(cfg->store, "--store", inputs, n));
  CM_TRY(cm_out_not_input(tmp, "--store", inputs, n));
  CM_TRY(cm_out_not_input(dir, "the rejects folder", inputs, n));
  CM_TRY(cm_out_holds_no_input(dir, "the rejects folder", inputs, n));
  struct stat sb;
  if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return CM_FAIL("the rejects folder '%s' exists and is not a folder; choose another --rejects", dir);
  for (int k = 0; k < 2; k++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.csv", dir, k ? "works" : "patents");
    CM_TRY(cm_out_file_ok(path, CM_OUT_REJECTS, "the rejects file"));
  }
  return CM_OK;
}

int cm_ingest(MPI_Comm comm, const cm_config *cfg) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  char rej_dir[4096], tmp[4200];
  rejects_dir(cfg, rej_dir, sizeof rej_dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", cfg->store);
  /* nothing is read or written before the outputs are known to be safe */
  CM_AGREE(comm, rank == 0 ? cm_ingest_check_out(cfg) : CM_OK);
  CM_AGREE(comm, rank == 0 ? cm_mkdirs(rej_dir) : CM_OK);
  int rc = CM_OK;

  double t_start = cm_now();
  corpus_cols cols[2];
  cm_filelist fl[2] = {{0}, {0}};
  corpus_totals t[2];
  memset(t, 0, sizeof t);
  int lrc = cols_init(&cols[0]);
  if (lrc == CM_OK) lrc = cols_init(&cols[1]);
  CM_AGREE(comm, lrc);
  base_store base;
  memset(&base, 0, sizeof base);
  base.file = -1;
  if (cfg->refresh) CM_TRY(base_open(comm, cfg, rej_dir, &base));
  hid_t f = -1; /* the store being written: begun after the first corpus */
  cm_h5_deferred *later = NULL;
  double t_write = 0;
  for (int k = 0; k < 2 && rc == CM_OK; k++) {
    rc = read_corpus(comm, cfg, k == 0, rej_dir, &base, &cols[k], &fl[k], &t[k], later);
    if (rc) break;
    double t0 = cm_now();
    size_t n = cm_strcol_count(&cols[k].key);
    uint8_t *keep = malloc(n + 1);
    rc = cm_agree(comm, keep ? CM_OK : CM_FAIL("out of memory"));
    if (rc) break;
    memset(keep, 1, n + 1);
    rc = resolve_duplicates(comm, &cols[k], keep, &t[k].duplicates);
    if (base.active[k]) t[k].duplicates += base.dups[k]; /* dropped among old files before */
    if (rc == CM_OK) rc = cols_compact(&cols[k], keep);
    free(keep);
    t[k].kept = t[k].records - t[k].duplicates;
    t[k].t_dedup = cm_now() - t0;
    rc = cm_agree(comm, rc);
    if (rc) break;
    t0 = cm_now();
    rc = begin_corpus(comm, cfg, tmp, k, cols, fl, t, &f, &later);
    t_write += cm_now() - t0;
  }
  base_free(&base); /* collective: closes the previous store */
  double t0 = cm_now();
  rc = end_store(comm, cfg, tmp, rc, f, later);
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
      for (int i = wt_first(k); i < wt_end(k); i++)
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
    cols_free(&cols[k]);
    cm_filelist_free(&fl[k]);
  }
  return rc;
}

/* ---- info ---- */

/* Rank 0's part of info: prints the store's description. */
static int print_info(hid_t f, const cm_config *cfg) {
  char *ver = NULL, *conf = NULL, *when = NULL;
  int rc = cm_h5_attr_read_str(f, "citemill_version", &ver);
  if (rc == CM_OK) rc = cm_h5_attr_read_str(f, "configuration", &conf);
  if (rc == CM_OK) rc = cm_h5_attr_read_str(f, "created_utc", &when);
  uint64_t schema = 0;
  hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
  if (a >= 0) H5Aread(a, H5T_NATIVE_UINT64, &schema), H5Aclose(a);
  if (rc == CM_OK)
    printf("store: %s\nschema_version: %" PRIu64 "\ncitemill_version: %s\ncreated_utc: %s\n", cfg->store,
           schema, ver, when);
  const char *groups[] = {"patents", "works"};
  const char *attrs[] = {"rows", "lines", "rejects", "duplicates_dropped"};
  for (int k = 0; k < 2 && rc == CM_OK; k++) {
    hid_t g = H5Gopen2(f, groups[k], H5P_DEFAULT);
    if (g < 0) {
      rc = CM_FAIL("store has no group '%s'", groups[k]);
      break;
    }
    printf("%s:", groups[k]);
    for (int i = 0; i < 4; i++) {
      uint64_t v = 0;
      hid_t at = H5Aopen(g, attrs[i], H5P_DEFAULT);
      if (at >= 0) H5Aread(at, H5T_NATIVE_UINT64, &v), H5Aclose(at);
      printf(" %s=%" PRIu64, attrs[i], v);
    }
    uint64_t nfiles = 0;
    cm_strcol paths;
    memset(&paths, 0, sizeof paths);
    uint64_t *sz = NULL;
    rc = cm_h5_length(g, "input_size", &nfiles);
    if (rc == CM_OK) printf(" input_files=%" PRIu64 "\n", nfiles);
    if (rc == CM_OK) rc = cm_h5_read_strcol(g, "input_path", 0, nfiles, &paths, NULL, CM_OWN_LAST);
    if (rc == CM_OK && !(sz = malloc((nfiles + 1) * 8))) rc = CM_FAIL("out of memory");
    if (rc == CM_OK) rc = cm_h5_read(g, "input_size", H5T_NATIVE_UINT64, 0, nfiles, sz, NULL, CM_OWN_LAST);
    for (uint64_t i = 0; rc == CM_OK && i < nfiles && i < 20; i++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&paths, i, &l);
      printf("  input %.*s (%" PRIu64 " bytes)\n", (int)l, (const char *)p, sz[i]);
    }
    if (rc == CM_OK && nfiles > 20) printf("  ... %" PRIu64 " more\n", nfiles - 20);
    free(sz);
    cm_strcol_free(&paths);
    H5Gclose(g);
  }
  if (rc == CM_OK) printf("configuration:\n%s", conf);
  free(ver);
  free(conf);
  free(when);
  return rc;
}

int cm_verify_file(MPI_Comm comm, const char *path) {
  hid_t f;
  CM_AGREE(comm, cm_h5_open(comm, path, &f));
  int rc = cm_check_file(comm, f, path);
  H5Fclose(f);
  return rc;
}

int cm_verify(MPI_Comm comm, const cm_config *cfg) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  double t0 = cm_now();
  int rc = cm_verify_file(comm, cfg->store);
  if (rc == CM_OK && rank == 0)
    printf("verify: every dataset of '%s' matches its checksum (%.2f s)\n", cfg->store, cm_now() - t0);
  return rc;
}

int cm_info(MPI_Comm comm, const cm_config *cfg) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  hid_t f;
  CM_TRY(cm_h5_open(comm, cfg->store, &f));
  int rc = rank == 0 ? print_info(f, cfg) : CM_OK;
  H5Fclose(f);
  /* rank 0's outcome is everyone's: no rank may return success alone */
  return cm_agree(comm, rc);
}
