#include "cm_ingest_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cm_dict.h"
#include "cm_error.h"
#include "cm_shuffle.h"
#include "cm_sort.h"

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
static int send_keys(const cm_corpus_cols *c, cm_outbox *out, cm_buf *rows) {
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
int cm_resolve_duplicates(MPI_Comm comm, cm_corpus_cols *c, uint8_t *keep, uint64_t *dropped) {
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

/* Collective: the store row of each input file's first record (rows of a
 * file are consecutive; files in input order), and the total at the end. */
static int first_rows(MPI_Comm comm, const cm_corpus_cols *c, const cm_filelist *fl, uint64_t **out) {
  uint64_t *first = calloc(fl->n + 1, 8);
  int rc = cm_agree(comm, first ? CM_OK : CM_FAIL("out of memory for %zu file offsets", fl->n));
  if (rc != CM_OK) {
    free(first);
    return rc;
  }
  uint64_t n = cm_strcol_count(&c->key);
  const uint64_t *rid = (const uint64_t *)c->record_id.data;
  for (uint64_t r = 0; r < n; r++)
    first[(rid[r] >> CM_RECORD_SEQ_BITS) + 1]++; /* rows of each file, shifted by one */
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, first, (int)(fl->n + 1), MPI_UINT64_T, MPI_SUM, comm));
  for (size_t i = 0; i < fl->n; i++)
    first[i + 1] += first[i];
  *out = first;
  return CM_OK;
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

static int write_files_table(MPI_Comm comm, hid_t g, const cm_filelist *fl, const cm_corpus_cols *c) {
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

static int write_corpus_in(MPI_Comm comm, hid_t g, int patents, const cm_corpus_cols *c,
                           const cm_filelist *fl, const cm_corpus_totals *t, const cm_h5_placement *place) {
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
    CM_TRY(cm_h5_write_strcol(comm, g, "first_author", &c->first_author, place));
  }
  CM_TRY(write_files_table(comm, g, fl, c));
  CM_TRY(cm_h5_attr_u64(g, "rows", t->kept));
  CM_TRY(cm_h5_attr_u64(g, "lines", t->lines));
  CM_TRY(cm_h5_attr_u64(g, "rejects", t->rejects));
  CM_TRY(cm_h5_attr_u64(g, "duplicates_dropped", t->duplicates));
  for (int i = cm_wt_first(!patents); i < cm_wt_end(!patents); i++) {
    char name[96];
    snprintf(name, sizeof name, "wrong_type.%s", CM_WT_NAMES[i]);
    CM_TRY(cm_h5_attr_u64(g, name, t->wrong_type[i]));
  }
  return CM_OK;
}

/* Not collective: this rank's rows as segments, one a claimed run of input
 * files, keyed by the run's first file (rows are in file order). */
static int row_segments(const cm_corpus_cols *c, uint64_t **key, uint64_t **rows, size_t *n_seg) {
  size_t n = CM_BUF_COUNT(&c->claimed, uint64_t) / 2, n_rows = cm_strcol_count(&c->key), r = 0;
  const uint64_t *run = (const uint64_t *)c->claimed.data, *rid = (const uint64_t *)c->record_id.data;
  *key = malloc((n ? n : 1) * sizeof **key);
  *rows = malloc((n ? n : 1) * sizeof **rows);
  if (!*key || !*rows) return CM_FAIL("out of memory");
  for (size_t i = 0; i < n; i++) {
    size_t r0 = r;
    while (r < n_rows && (rid[r] >> CM_RECORD_SEQ_BITS) < run[2 * i + 1])
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
static int write_corpus(MPI_Comm comm, hid_t file, int patents, const cm_corpus_cols *c,
                        const cm_filelist *fl, const cm_corpus_totals *t, cm_h5_deferred *later) {
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
int cm_store_begin_corpus(MPI_Comm comm, const cm_config *cfg, const char *tmp, int k, cm_corpus_cols *cols,
                          const cm_filelist *fl, const cm_corpus_totals *t, hid_t *f,
                          cm_h5_deferred **later) {
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
int cm_store_end(MPI_Comm comm, const cm_config *cfg, const char *tmp, int rc, hid_t f,
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

int cm_store_check_schema(hid_t f, const char *path) {
  uint64_t v = 0;
  hid_t a = H5Aexists(f, "schema_version") > 0 ? H5Aopen(f, "schema_version", H5P_DEFAULT) : -1;
  int ok = a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0;
  if (a >= 0) H5Aclose(a);
  if (!ok)
    return CM_FAIL("'%s' has no schema_version: not a citemill store; run `citemill ingest` to build one",
                   path);
  if (v != CM_SCHEMA_VERSION)
    return CM_FAIL("'%s' has store layout %" PRIu64 ", this citemill reads layout %d; run `citemill ingest` "
                   "(or `citemill run`, which does it) to rebuild the store from the dumps",
                   path, v, CM_SCHEMA_VERSION);
  return CM_OK;
}
