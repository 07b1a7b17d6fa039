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
#include "cm_text.h"

/* ---- duplicates ----
 * Of the rows sharing a key all but the one with the largest record id
 * lose (SPEC 5). Keys travel to their owners as 128-bit fingerprints
 * (cm_key128) with the record id, 24 bytes a row, not as their bytes. The
 * owner sorts its rows by (fingerprint, record id); only where fingerprints
 * meet (duplicates, or a collision) do the sources send the keys' bytes, in
 * a second exchange, so the verdict stays exact. Each exchange is answered
 * with one flag a row, in the order the rows came. A rank holds 4 bytes a
 * row of its own, the owner 32 (and a sort scratch as large) for the rows it
 * owns: half of what shipping the keys cost (docs/performance.md). */

/* A row at its fingerprint's owner, and its place in the receive order. */
typedef struct {
  cm_key128 k;
  uint64_t rid, pos;
} fp_item;

static int fp_cmp(const void *a, const void *b) {
  const fp_item *x = a, *y = b;
  int c = cm_key128_cmp(x->k, y->k);
  if (c) return c;
  return (x->rid > y->rid) - (x->rid < y->rid);
}

/* A row whose fingerprint met another's, with its key's bytes. */
typedef struct {
  cm_view key;
  uint64_t rid, ord; /* ord: its place among such rows in receive order */
} met_item;

static int met_cmp(const void *a, const void *b) {
  const met_item *x = a, *y = b;
  int c = cm_view_cmp(&x->key, &y->key);
  if (c) return c;
  return (x->rid > y->rid) - (x->rid < y->rid);
}

enum { FP_KEEP = 0, FP_DROP = 1, FP_MEETS = 2 }; /* FP_MEETS: send the key's bytes */

/* The owner's state between the two exchanges. */
typedef struct {
  fp_item *items; /* the received rows, sorted by (fingerprint, record id) */
  size_t n;
  uint8_t *flag;  /* FP_KEEP or FP_MEETS, by receive order */
  uint64_t *from; /* nranks + 1: source r's rows are [from[r], from[r + 1]) in receive order */
} fp_owner;

static void fp_owner_free(fp_owner *o) {
  free(o->items);
  free(o->flag);
  free(o->from);
  memset(o, 0, sizeof *o);
}

/* Not collective: (fingerprint, record id) of every local row to its owner;
 * dest[i]: the owner of row i. */
static int send_fingerprints(const cm_corpus_cols *c, cm_outbox *out, uint32_t *dest) {
  size_t n = cm_strcol_count(&c->key);
  const uint64_t *rid = (const uint64_t *)c->record_id.data;
  /* CITEMILL_WEAK_FINGERPRINTS=1 (tests/test_collisions.sh): 2-bit
   * fingerprints, so nearly every row meets others and the keys' bytes decide */
  const char *weak = getenv("CITEMILL_WEAK_FINGERPRINTS");
  int weak_fp = weak && strcmp(weak, "1") == 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const uint8_t *k = cm_strcol_get(&c->key, i, &len);
    cm_key128 f = cm_key128_of(k, len);
    if (weak_fp) f.h &= 3, f.h2 = 0;
    dest[i] = (uint32_t)cm_owner(f.h, out->nranks);
    CM_TRY(cm_key128_push(&out->to[dest[i]], f));
    CM_TRY(cm_buf_push_u64(&out->to[dest[i]], rid[i]));
  }
  return CM_OK;
}

/* Not collective: the owner's side of the first exchange: the received rows
 * sorted into o (the inbox freed as soon as they are out of it), and a flag
 * a row back to its source: FP_MEETS where another row has its
 * fingerprint. */
static int judge_fingerprints(cm_inbox *in, fp_owner *o, cm_outbox *out) {
  size_t n = in->data.len / 24;
  o->n = n;
  o->items = malloc((n + 1) * sizeof *o->items);
  o->flag = calloc(n + 1, 1);
  o->from = malloc(((size_t)in->nranks + 1) * sizeof *o->from);
  if (!o->items || !o->flag || !o->from) return CM_FAIL("out of memory for %zu keys", n);
  for (int r = 0; r <= in->nranks; r++)
    o->from[r] = in->from[r] / 24; /* bytes to rows */
  for (size_t i = 0; i < n; i++) {
    memcpy(&o->items[i].k, in->data.data + 24 * i, 16);
    memcpy(&o->items[i].rid, in->data.data + 24 * i + 16, 8);
    o->items[i].pos = i;
  }
  cm_inbox_free(in);
  CM_TRY(cm_sort_by_u64(o->items, n, sizeof *o->items, offsetof(fp_item, k.h), fp_cmp));
  for (size_t i = 0; i + 1 < n; i++)
    if (cm_key128_cmp(o->items[i].k, o->items[i + 1].k) == 0)
      o->flag[o->items[i].pos] = FP_MEETS, o->flag[o->items[i + 1].pos] = FP_MEETS;
  for (int r = 0; r < out->nranks; r++)
    CM_TRY(cm_buf_append(&out->to[r], o->flag + o->from[r], o->from[r + 1] - o->from[r]));
  return CM_OK;
}

/* Not collective: the sources' side of the second exchange: the bytes of
 * each local row whose fingerprint met another's (flags in `back`), to its
 * owner, in row order. */
static int send_met_keys(const cm_corpus_cols *c, const uint32_t *dest, const cm_inbox *back, cm_outbox *out,
                         uint64_t *at) {
  memset(at, 0, (size_t)out->nranks * sizeof *at);
  for (size_t i = 0, n = cm_strcol_count(&c->key); i < n; i++) {
    uint32_t d = dest[i];
    if (back->data.data[back->from[d] + at[d]++] != FP_MEETS) continue;
    size_t len;
    const uint8_t *k = cm_strcol_get(&c->key, i, &len);
    CM_TRY(cm_buf_push_u32(&out->to[d], (uint32_t)len));
    CM_TRY(cm_buf_append(&out->to[d], k, len));
  }
  return CM_OK;
}

/* The place of pos in the increasing ord_pos[0..m) (it is there). */
static size_t ord_of(const uint64_t *ord_pos, size_t m, uint64_t pos) {
  size_t lo = 0, hi = m;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ord_pos[mid] < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Not collective: g rows of one fingerprint, compared by their keys' bytes
 * (key, by ord): drop[ord] = FP_DROP for each but the largest record id of
 * equal keys. `group`: scratch. */
static int judge_group(const fp_item *it, size_t g, const cm_view *key, const uint64_t *ord_pos, size_t m,
                       cm_buf *group, uint8_t *drop) {
  group->len = 0;
  for (size_t j = 0; j < g; j++) {
    size_t ord = ord_of(ord_pos, m, it[j].pos);
    met_item x = {key[ord], it[j].rid, ord};
    CM_TRY(cm_buf_append(group, &x, sizeof x));
  }
  met_item *v = (met_item *)group->data;
  qsort(v, g, sizeof *v, met_cmp);
  for (size_t j = 0; j + 1 < g; j++)
    if (cm_view_cmp(&v[j].key, &v[j + 1].key) == 0) drop[v[j].ord] = FP_DROP; /* v[j + 1]: a larger rid */
  return CM_OK;
}

/* Not collective: the owner's side of the second exchange. Rows whose
 * fingerprints met are compared by their bytes: of equal keys all but the
 * largest record id get FP_DROP, answered to their sources in receive
 * order. */
static int judge_met_keys(const cm_inbox *in, const fp_owner *o, cm_outbox *out) {
  size_t m = 0;
  for (size_t p = 0; p < o->n; p++)
    m += o->flag[p] == FP_MEETS;
  cm_view *key = malloc((m + 1) * sizeof *key);          /* by ord */
  uint64_t *ord_pos = malloc((m + 1) * sizeof *ord_pos); /* pos of each ord, increasing */
  uint8_t *drop = calloc(m + 1, 1);
  cm_buf group = {0};
  int rc = key && ord_pos && drop ? CM_OK : CM_FAIL("out of memory for %zu keys", m);
  cm_cursor q = cm_cursor_of(&in->data); /* sources in rank order, rows in receive order */
  for (size_t p = 0, ord = 0; p < o->n && rc == CM_OK; p++) {
    if (o->flag[p] != FP_MEETS) continue;
    uint32_t len = cm_cursor_u32(&q);
    key[ord] = (cm_view){cm_cursor_bytes(&q, len), len};
    ord_pos[ord++] = p;
  }
  for (size_t i = 0; i < o->n && rc == CM_OK;) { /* each run of one fingerprint */
    size_t e = i + 1;
    while (e < o->n && cm_key128_cmp(o->items[e].k, o->items[i].k) == 0)
      e++;
    if (e - i > 1) rc = judge_group(o->items + i, e - i, key, ord_pos, m, &group, drop);
    i = e;
  }
  size_t a = 0; /* source r's ords are the run [a, b) whose positions are its rows */
  for (int r = 0; r < out->nranks && rc == CM_OK; r++) {
    size_t b = a;
    while (b < m && ord_pos[b] < o->from[r + 1])
      b++;
    rc = cm_buf_append(&out->to[r], drop + a, b - a);
    a = b;
  }
  free(key);
  free(ord_pos);
  free(drop);
  cm_buf_free(&group);
  return rc;
}

/* Collective: marks keep[i] = 0 for rows that lose the duplicate rule. */
int cm_resolve_duplicates(MPI_Comm comm, cm_corpus_cols *c, uint8_t *keep, uint64_t *dropped) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  size_t n = cm_strcol_count(&c->key);
  cm_outbox out = {0};
  cm_inbox in = {0}, back = {0}, back2 = {0};
  fp_owner own = {0};
  uint32_t *dest = malloc((n + 1) * sizeof *dest);
  uint64_t *at = calloc((size_t)P, sizeof *at), *at2 = calloc((size_t)P, sizeof *at2);
  int rc = dest && at && at2 ? cm_outbox_init(&out, P) : CM_FAIL("out of memory for %zu keys", n);
  if (rc == CM_OK) rc = send_fingerprints(c, &out, dest);
  rc = cm_shuffle(comm, rc, &out, &in);
  if (rc == CM_OK) rc = cm_shuffle(comm, judge_fingerprints(&in, &own, &out), &out, &back);
  cm_inbox_free(&in);
  if (rc == CM_OK) rc = cm_shuffle(comm, send_met_keys(c, dest, &back, &out, at), &out, &in);
  if (rc == CM_OK) rc = cm_shuffle(comm, judge_met_keys(&in, &own, &out), &out, &back2);
  fp_owner_free(&own);
  cm_inbox_free(&in);
  cm_outbox_free(&out);
  uint64_t mine = 0;
  if (rc == CM_OK) {
    memset(at, 0, (size_t)P * sizeof *at);
    for (size_t i = 0; i < n; i++) {
      uint32_t d = dest[i];
      if (back.data.data[back.from[d] + at[d]++] != FP_MEETS) continue;
      if (back2.data.data[back2.from[d] + at2[d]++] == FP_DROP) keep[i] = 0, mine++;
    }
  }
  free(dest);
  free(at);
  free(at2);
  cm_inbox_free(&back);
  cm_inbox_free(&back2);
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
  cm_h5_placement place = {0, NULL, NULL, later, 1}; /* the columns are freed once written */
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
    if (rc == CM_OK) rc = cm_h5_deferred_new(cfg->direct_io, later);
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
