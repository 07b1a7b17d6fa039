#include "cm_ingest_refresh.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cm_csv.h"
#include "cm_error.h"
#include "cm_h5.h"
#include "cm_h5check.h"
#include "cm_ingest_store.h"
#include "cm_text.h"

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

void cm_base_free(cm_base_store *b) {
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
  CM_PATH(want, "max_record=%llu\nmax_ratio=%llu\nmax_member=%llu\n", (unsigned long long)cfg->max_record,
          (unsigned long long)cfg->max_ratio, (unsigned long long)cfg->max_member);
  int ok = strstr(conf, want) != NULL;
  free(conf);
  return ok;
}

static int base_load_corpus(cm_base_store *b, int k, const char *rej_dir) {
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
  for (int i = cm_wt_first(k); rc == CM_OK && i < cm_wt_end(k); i++) {
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
    char path[CM_PATH_MAX];
    int ncols = 0;
    CM_PATH(path, "%s/%s.csv", rej_dir, k ? "works" : "patents");
    rc = cm_csv_read(path, &b->rej_cells[k], &ncols, &b->rej_rows[k]);
    if (rc == CM_OK && ncols != 5) rc = CM_FAIL("'%s' is not a citemill rejects file", path);
  }
  return rc;
}

/* Collective: opens the previous store for --refresh and decides, the same on
 * every rank, whether the refresh applies. */
int cm_base_open(MPI_Comm comm, const cm_config *cfg, const char *rej_dir, cm_base_store *b) {
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
  int same_layout = rank == 0 ? cm_store_check_schema(b->file, cfg->store) == CM_OK : 1;
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &same_layout, 1, MPI_INT, MPI_MIN, comm));
  if (!same_layout && rank == 0 && !cfg->quiet)
    printf("ingest: --refresh: the previous store has another layout (see above); full ingest\n");
  ok = ok && same_layout;
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
int cm_base_check_superset(MPI_Comm comm, cm_base_store *b, int k, const cm_filelist *fl,
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
int64_t cm_base_index(const cm_base_store *b, int k, const cm_file *f) {
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

int cm_base_append_file(const cm_base_store *b, int k, int64_t j, uint64_t file_index, cm_corpus_cols *c,
                        FILE *rej, cm_buf *scratch) {
  uint64_t lo = b->first_row[k][j], hi = b->first_row[k][j + 1], n = hi - lo;
  hid_t g = H5Gopen2(b->file, k ? "works" : "patents", H5P_DEFAULT);
  if (g < 0) return CM_FAIL("previous store lost its group");
  size_t at = c->record_id.len / 8;
  int rc = append_fixed_rows(g, "record_id", H5T_NATIVE_UINT64, 8, lo, n, &c->record_id);
  for (uint64_t i = 0; rc == CM_OK && i < n; i++) { /* renumber the file part of the record id */
    uint64_t *r = &CM_BUF_AT(&c->record_id, uint64_t, at + i);
    *r = (file_index << CM_RECORD_SEQ_BITS) | (*r & ((1ull << CM_RECORD_SEQ_BITS) - 1));
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
    if (rc == CM_OK) rc = append_str_rows(g, "first_author", lo, hi, &c->first_author);
  }
  H5Gclose(g);
  /* the file's reject lines, as the old rejects file has them */
  const char *path = b->files[k].v[j].path;
  size_t pl = strlen(path);
  for (size_t r = 1; rc == CM_OK && r <= b->rej_rows[k]; r++) {
    size_t l;
    const uint8_t *f0 = cm_strcol_get(&b->rej_cells[k], 5 * r, &l);
    if (l != pl || memcmp(f0, path, pl) != 0) continue;
    (*scratch).len = 0;
    for (int col = 0; col < 5 && rc == CM_OK; col++) {
      const uint8_t *v = cm_strcol_get(&b->rej_cells[k], 5 * r + (size_t)col, &l);
      rc = cm_csv_field(scratch, (const char *)v, l, col == 0);
    }
    if (rc == CM_OK) rc = cm_csv_end(scratch);
    if (rc == CM_OK && fwrite((*scratch).data, 1, (*scratch).len, rej) != (*scratch).len)
      rc = CM_FAIL("cannot write rejects file (disk full?)");
  }
  return rc;
}
