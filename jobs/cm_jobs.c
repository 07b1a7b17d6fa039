/* Shared helpers of the jobs: result tables, window and CAGR rules, and the
 * alias table with canonical assignee names and types (SPEC 2, 5). */
#include "cm_jobs.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cm_csv.h"
#include "cm_error.h"
#include "cm_files.h"
#include "cm_h5check.h"
#include "cm_text.h"

/* ---- tables ---- */

int cm_table_init(cm_table *t, const char *name, int ncols, const char *const *cols) {
  t->name = name;
  t->ncols = ncols;
  t->cols = cols;
  return cm_strcol_init(&t->cells);
}

int cm_table_str(cm_table *t, const char *p, size_t n) { return cm_strcol_push(&t->cells, p, n); }
int cm_table_cstr(cm_table *t, const char *s) { return cm_strcol_push(&t->cells, s, strlen(s)); }

int cm_table_i64(cm_table *t, int64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%lld", (long long)v);
  return cm_table_cstr(t, b);
}

int cm_table_ratio(cm_table *t, double v, int defined) {
  char b[64] = "";
  if (defined) snprintf(b, sizeof b, "%.6f", v);
  return cm_table_cstr(t, b);
}

void cm_table_free(cm_table *t) { cm_strcol_free(&t->cells); }

static int save_h5(const cm_table *t, hid_t file) {
  /* /results/<name>, as SPEC 3 names it; the parent group is created once */
  char path[256];
  CM_PATH(path, "results/%s", t->name);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) return CM_FAIL("HDF5 property list failed");
  hid_t g = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  if (g < 0) return CM_FAIL("cannot create results group '%s'", path);
  size_t ncell = cm_strcol_count(&t->cells), nrows = ncell / (size_t)t->ncols;
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, H5T_VARIABLE);
  H5Tset_cset(st, H5T_CSET_UTF8);
  int rc = CM_OK;
  char **v = calloc(nrows + 1, sizeof *v);
  CM_ALLOC(v, (nrows + 1) * sizeof *v);
  cm_buf stream = {0}; /* a column's values as its checksum reads them (cm_h5check.h) */
  for (int k = 0; k < t->ncols && rc == CM_OK; k++) {
    stream.len = 0;
    for (size_t r = 0; r < nrows && rc == CM_OK; r++) {
      size_t len;
      const uint8_t *p = cm_strcol_get(&t->cells, r * (size_t)t->ncols + (size_t)k, &len);
      v[r] = strndup((const char *)p, len);
      /* HDF5 strings end at a NUL: the checksum covers what the dataset holds */
      uint64_t held = v[r] ? strlen(v[r]) : 0;
      rc = cm_buf_push_u64(&stream, held);
      if (rc == CM_OK) rc = cm_buf_append(&stream, v[r], held);
    }
    hsize_t dims[1] = {nrows};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(g, t->cols[k], st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (rc == CM_OK && (d < 0 || (nrows && H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)))
      rc = CM_FAIL("cannot write results column '%s/%s'", t->name, t->cols[k]);
    if (rc == CM_OK) rc = cm_check_attr(d, cm_check_sum(stream.data, stream.len));
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    for (size_t r = 0; r < nrows; r++)
      free(v[r]);
  }
  cm_buf_free(&stream);
  free(v);
  H5Tclose(st);
  H5Gclose(g);
  return rc;
}

int cm_table_save(const cm_table *t, const char *out_dir, int64_t h5file) {
  cm_buf b = {0};
  for (int k = 0; k < t->ncols; k++)
    CM_TRY(cm_csv_str(&b, t->cols[k], k == 0));
  CM_TRY(cm_csv_end(&b));
  size_t ncell = cm_strcol_count(&t->cells);
  for (size_t i = 0; i < ncell; i++) {
    size_t len;
    const uint8_t *p = cm_strcol_get(&t->cells, i, &len);
    CM_TRY(cm_csv_field(&b, (const char *)p, len, i % (size_t)t->ncols == 0));
    if (i % (size_t)t->ncols == (size_t)t->ncols - 1) CM_TRY(cm_csv_end(&b));
  }
  char path[CM_PATH_MAX];
  CM_PATH(path, "%s/tables/%s.csv", out_dir, t->name);
  int rc = cm_csv_save(&b, path);
  cm_buf_free(&b);
  if (rc == CM_OK && h5file >= 0) rc = save_h5(t, (hid_t)h5file);
  return rc;
}

int cm_job_shuffle(cm_ctx *c, int rc, cm_outbox *ob, cm_inbox *in) {
  CM_TRY(cm_shuffle(c->comm, rc, ob, in));
  c->bytes_shuffled += in->bytes_sent;
  return CM_OK;
}

int cm_sum_to_root(const cm_ctx *c, int rc, const int64_t *v, int64_t *sum, size_t n) {
  CM_AGREE(c->comm, rc);
  if (n > (size_t)INT32_MAX) return CM_FAIL("too many counts to sum (%zu)", n);
  CM_MPI(MPI_Reduce(v, sum, (int)n, MPI_INT64_T, MPI_SUM, 0, c->comm));
  return CM_OK;
}

/* ---- rules ---- */

void cm_row_slice(uint64_t n_total, int rank, int nranks, uint64_t *lo, uint64_t *n) {
  uint64_t a = (uint64_t)((unsigned __int128)n_total * (unsigned)rank / (unsigned)nranks);
  uint64_t b = (uint64_t)((unsigned __int128)n_total * (unsigned)(rank + 1) / (unsigned)nranks);
  *lo = a;
  *n = b - a;
}

int cm_row_owner(const uint64_t *bounds, int nranks, uint64_t row) {
  int a = 0, b = nranks - 1; /* the r with bounds[r] <= row < bounds[r + 1] */
  while (a < b) {
    int mid = (a + b + 1) / 2;
    if (bounds[mid] <= row)
      a = mid;
    else
      b = mid - 1;
  }
  return a;
}
int cm_in_window(const cm_params *par, int64_t year) {
  return year >= par->window_first && year <= par->window_last;
}

int cm_office_window(const cm_ctx *c, size_t i) {
  return CM_BUF_AT(&c->p_office, uint32_t, i) == c->office_o &&
         cm_in_window(c->par, CM_BUF_AT(&c->p_year, int64_t, i));
}

int cm_work_in_window(const cm_ctx *c, size_t i) {
  return CM_BUF_AT(&c->w_has_year, uint8_t, i) && cm_in_window(c->par, CM_BUF_AT(&c->w_year, int64_t, i));
}

int cm_work_has_country(const cm_ctx *c, size_t i, const char *code) {
  if (!code) return 0;
  size_t first, cnt, len = strlen(code);
  cm_listcol_row(&c->w_countries, i, &first, &cnt);
  for (size_t j = 0; j < cnt; j++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
    if (l == len && memcmp(p, code, l) == 0) return 1;
  }
  return 0;
}

double cm_cagr(int64_t first, int64_t last, int years, int *defined) {
  *defined = first > 0 && years > 0;
  if (!*defined) return 0;
  return pow((double)last / (double)first, 1.0 / years) - 1;
}

/* ---- alias table ---- */

typedef struct {
  char *key; /* norm(match), or the canonical name in the type map */
  size_t n;
  char *canonical; /* may hold NUL bytes (a CSV field can): canonical_n counts */
  size_t canonical_n;
  const char *type;
  size_t order;
} alias_row;

/* Copies n bytes, NUL bytes included, plus a terminating NUL. */
static char *dup_bytes(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (d) memcpy(d, p, n), d[n] = 0;
  return d;
}

struct cm_aliases {
  alias_row *exact, *prefix, *types;
  size_t n_exact, n_prefix, n_types;
  size_t *prefix_lens; /* distinct prefix lengths, descending */
  size_t n_lens;
};

static const char *TYPES[] = {"Company", "Education", "Healthcare", "Government", "Other"};

static int row_cmp(const void *a, const void *b) {
  const alias_row *x = a, *y = b;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->key, y->key, m);
  if (c) return c;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

/* Sorts and keeps the last row of each key (the later row wins). */
static size_t keep_last(alias_row *v, size_t n) {
  if (!n) return 0;
  qsort(v, n, sizeof *v, row_cmp);
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && v[i].n == v[i + 1].n && memcmp(v[i].key, v[i + 1].key, v[i].n) == 0) {
      free(v[i].key); /* a later row of the same key wins (canonical is NULL in type rows) */
      free(v[i].canonical);
      continue;
    }
    v[w++] = v[i];
  }
  return w;
}

static int add_row(alias_row **v, size_t *n, size_t *cap, alias_row r) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    alias_row *nv = realloc(*v, *cap * sizeof **v);
    CM_ALLOC(nv, *cap * sizeof **v);
    *v = nv;
  }
  (*v)[(*n)++] = r;
  return CM_OK;
}

/* The rows of an alias table's text into a (see cm_aliases_load). */
static int parse_aliases(const char *path, const cm_buf *text, cm_aliases *a, cm_strcol *fields,
                         cm_buf *norm) {
  size_t pos = 0, line = 0, cap_e = 0, cap_p = 0, cap_t = 0, order = 0;
  const char *p = (const char *)text->data;
  if (text->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* a byte-order mark (SPEC 1) */
  while (pos < text->len) {
    int nf;
    line++;
    size_t start = pos;
    CM_TRY(cm_csv_record(p, text->len, &pos, fields, &nf, path, line));
    size_t l0;
    const uint8_t *f0 = cm_strcol_get(fields, 0, &l0);
    if (nf == 1 && l0 == 0) continue; /* blank row */
    if (line == 1 && pos - start >= 25 && strncmp(p + start, "match,kind,canonical,type", 25) == 0) continue;
    if (nf < 4)
      return CM_FAIL("alias table '%s', row %zu: needs 4 fields match,kind,canonical,type", path, line);
    size_t lk, lc, lt;
    const char *kind = (const char *)cm_strcol_get(fields, 1, &lk);
    const char *canon = (const char *)cm_strcol_get(fields, 2, &lc);
    const char *type = (const char *)cm_strcol_get(fields, 3, &lt);
    kind = cm_trim(kind, &lk);
    int is_exact = lk == 5 && strncasecmp(kind, "exact", 5) == 0;
    int is_prefix = lk == 6 && strncasecmp(kind, "prefix", 6) == 0;
    if (!is_exact && !is_prefix)
      return CM_FAIL("alias table '%s', row %zu: kind '%.*s' must be exact or prefix", path, line, (int)lk,
                     kind);
    const char *ty = NULL;
    for (size_t i = 0; i < 5; i++)
      if (strlen(TYPES[i]) == lt && memcmp(TYPES[i], type, lt) == 0) ty = TYPES[i];
    if (!ty) ty = "Other"; /* documented: an unknown type reads as Other */
    CM_TRY(cm_norm_name(norm, (const char *)f0, l0));
    if (norm->len == 0) continue;
    alias_row r = {
        dup_bytes((const char *)norm->data, norm->len), norm->len, dup_bytes(canon, lc), lc, ty, order++};
    alias_row tr = {dup_bytes(canon, lc), lc, NULL, 0, ty, order};
    if (!r.key || !r.canonical || !tr.key) {
      free(r.key), free(r.canonical), free(tr.key);
      return CM_FAIL("out of memory loading aliases");
    }
    if (is_exact)
      CM_TRY(add_row(&a->exact, &a->n_exact, &cap_e, r));
    else
      CM_TRY(add_row(&a->prefix, &a->n_prefix, &cap_p, r));
    CM_TRY(add_row(&a->types, &a->n_types, &cap_t, tr));
  }
  return CM_OK;
}

int cm_aliases_load(const char *path, cm_aliases **out) {
  cm_aliases *a = calloc(1, sizeof *a);
  CM_ALLOC(a, sizeof *a);
  *out = a;
  if (!path) return CM_OK;
  cm_buf text = {0}, norm = {0};
  cm_strcol fields;
  int rc = cm_strcol_init(&fields);
  if (rc == CM_OK) rc = cm_file_read_all(path, "alias table", &text);
  if (rc == CM_OK) rc = parse_aliases(path, &text, a, &fields, &norm);
  cm_buf_free(&norm); /* on every path: failed loads are common (a user's typo) */
  cm_buf_free(&text);
  cm_strcol_free(&fields);
  if (rc != CM_OK) {
    cm_aliases_free(a);
    *out = NULL;
    return rc;
  }
  a->n_exact = keep_last(a->exact, a->n_exact);
  a->n_prefix = keep_last(a->prefix, a->n_prefix);
  a->n_types = keep_last(a->types, a->n_types);
  a->prefix_lens = calloc(a->n_prefix + 1, sizeof *a->prefix_lens);
  CM_ALLOC(a->prefix_lens, (a->n_prefix + 1) * sizeof *a->prefix_lens);
  for (size_t i = 0; i < a->n_prefix; i++) {
    size_t L = a->prefix[i].n, j;
    for (j = 0; j < a->n_lens && a->prefix_lens[j] != L; j++) {
    }
    if (j == a->n_lens) a->prefix_lens[a->n_lens++] = L;
  }
  for (size_t i = 1; i < a->n_lens; i++) /* descending: longest prefix first */
    for (size_t j = i; j > 0 && a->prefix_lens[j - 1] < a->prefix_lens[j]; j--) {
      size_t t = a->prefix_lens[j];
      a->prefix_lens[j] = a->prefix_lens[j - 1];
      a->prefix_lens[j - 1] = t;
    }
  return CM_OK;
}

void cm_aliases_free(cm_aliases *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n_exact; i++)
    free(a->exact[i].key), free(a->exact[i].canonical);
  for (size_t i = 0; i < a->n_prefix; i++)
    free(a->prefix[i].key), free(a->prefix[i].canonical);
  for (size_t i = 0; i < a->n_types; i++)
    free(a->types[i].key);
  free(a->exact);
  free(a->prefix);
  free(a->types);
  free(a->prefix_lens);
  free(a);
}

static const alias_row *find(const alias_row *v, size_t n, const char *key, size_t len) {
  alias_row k = {(char *)key, len, NULL, 0, NULL, 0};
  size_t lo = 0, hi = n;
  while (lo < hi) { /* rows are unique per key: compare keys only */
    size_t mid = (lo + hi) / 2;
    size_t m = v[mid].n < len ? v[mid].n : len;
    int c = memcmp(v[mid].key, k.key, m);
    if (c == 0) c = (v[mid].n > len) - (v[mid].n < len);
    if (c == 0) return &v[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static int has_word(const char *s, size_t n, const char *const *words, size_t nw) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != ' ')
      j++;
    for (size_t k = 0; k < nw; k++)
      if (strlen(words[k]) == j - i && memcmp(words[k], s + i, j - i) == 0) return 1;
    i = j + 1;
  }
  return 0;
}

const char *cm_assignee_type(const cm_aliases *a, const char *canon, size_t n) {
  const alias_row *t = find(a->types, a->n_types, canon, n);
  if (t) return t->type;
  static const char *const edu[] = {"UNIV", "UNIVERSITY", "COLLEGE", "SCHOOL", "ACADEMY", "ACAD"};
  static const char *const hosp[] = {"HOSPITAL"};
  static const char *const co[] = {"CO", "LTD", "CORP", "CORPORATION", "INC",   "GMBH",   "AG",
                                   "KK", "LLC", "PLC",  "SA",          "GROUP", "COMPANY"};
  if (has_word(canon, n, edu, 6)) return "Education";
  if (has_word(canon, n, hosp, 1)) return "Healthcare";
  if (has_word(canon, n, co, 13)) return "Company";
  return "Other";
}

int cm_canonical(const cm_aliases *a, const char *name, size_t n, cm_buf *canon, const char **type,
                 cm_buf *scratch) {
  CM_TRY(cm_norm_name(scratch, name, n));
  canon->len = 0;
  if (type) *type = NULL;
  if (scratch->len == 0) return CM_OK;
  const char *s = (const char *)scratch->data;
  const alias_row *hit = find(a->exact, a->n_exact, s, scratch->len);
  for (size_t i = 0; !hit && i < a->n_lens; i++)
    if (a->prefix_lens[i] <= scratch->len) hit = find(a->prefix, a->n_prefix, s, a->prefix_lens[i]);
  if (hit)
    CM_TRY(cm_buf_append(canon, hit->canonical, hit->canonical_n));
  else
    CM_TRY(cm_buf_append(canon, s, scratch->len));
  if (type) *type = cm_assignee_type(a, (const char *)canon->data, canon->len);
  return CM_OK;
}
