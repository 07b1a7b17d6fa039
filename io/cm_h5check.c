#include "cm_h5check.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cm_buf.h"
#include "cm_error.h"

#define B CM_CHECK_BLOCK
#define READ_STEP (16u << 20) /* bytes a verifying rank reads at a time */

uint64_t cm_check_sum(const void *data, uint64_t n) {
  uint64_t sum = 0;
  const uint8_t *p = data;
  for (uint64_t k = 0; k * B < n; k++)
    sum += XXH3_64bits_withSeed(p + k * B, n - k * B < B ? (size_t)(n - k * B) : B, k);
  return sum;
}

int cm_check_attr(hid_t dset, uint64_t v) {
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = s < 0 ? -1 : H5Acreate2(dset, CM_CHECK_ATTR, H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t w = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_UINT64, &v);
  if (a >= 0) H5Aclose(a);
  if (s >= 0) H5Sclose(s);
  return w < 0 ? CM_FAIL("cannot write the checksum attribute") : CM_OK;
}

/* ---- writing ---- */

/* A piece of a block that lies in more than one rank's data. */
typedef struct {
  uint64_t block;
  uint32_t off, len;
  const uint8_t *p;
} frag;

static int frag_cmp(const void *a, const void *b) {
  const frag *x = a, *y = b;
  if (x->block != y->block) return x->block < y->block ? -1 : 1;
  return (x->off > y->off) - (x->off < y->off);
}

/* Rank 0: the blocks assembled from every rank's fragments (block, offset,
 * length, bytes records in all), hashed into *sum. */
static int join_fragments(const cm_buf *all, uint64_t total, uint64_t *sum) {
  size_t n = 0, cap = all->len / 16 + 1;
  frag *v = malloc(cap * sizeof *v);
  CM_ALLOC(v, cap * sizeof *v);
  for (cm_cursor q = cm_cursor_of(all); cm_cursor_more(&q); n++) {
    v[n].block = cm_cursor_u64(&q);
    v[n].off = cm_cursor_u32(&q);
    v[n].len = cm_cursor_u32(&q);
    v[n].p = cm_cursor_bytes(&q, v[n].len);
  }
  qsort(v, n, sizeof *v, frag_cmp);
  uint8_t block[B];
  int rc = CM_OK;
  for (size_t i = 0; i < n && rc == CM_OK;) {
    uint64_t k = v[i].block, want = total - k * B < B ? total - k * B : B, have = 0;
    for (; i < n && v[i].block == k; i++) {
      if (v[i].off != have) {
        rc = CM_FAIL("internal error: the pieces of checksum block %llu do not meet", (unsigned long long)k);
        break;
      }
      memcpy(block + have, v[i].p, v[i].len);
      have += v[i].len;
    }
    if (rc == CM_OK && have != want)
      rc = CM_FAIL("internal error: checksum block %llu is incomplete", (unsigned long long)k);
    if (rc == CM_OK) *sum += XXH3_64bits_withSeed(block, (size_t)have, k);
  }
  free(v);
  return rc;
}

/* Collective: every rank's fragments, concatenated on rank 0. */
static int gather_fragments(MPI_Comm comm, int rc, const cm_buf *mine, cm_buf *all) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  if (rc == CM_OK && mine->len > INT_MAX) rc = CM_FAIL("checksum fragments over 2 GiB");
  int len = rc == CM_OK ? (int)mine->len : 0;
  int *lens = rank == 0 ? calloc((size_t)P, sizeof *lens) : NULL;
  int *dis = rank == 0 ? calloc((size_t)P, sizeof *dis) : NULL;
  if (rc == CM_OK && rank == 0 && (!lens || !dis)) rc = CM_FAIL("out of memory");
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) CM_MPI(MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm));
  long long sum = 0;
  for (int r = 0; rc == CM_OK && rank == 0 && r < P; r++)
    dis[r] = (int)sum, sum += lens[r];
  if (rc == CM_OK)
    rc = cm_agree(comm, sum > INT_MAX ? CM_FAIL("checksum fragments over 2 GiB")
                                      : cm_buf_reserve(all, (size_t)sum + 1));
  if (rc == CM_OK) CM_MPI(MPI_Gatherv(mine->data, len, MPI_BYTE, all->data, lens, dis, MPI_BYTE, 0, comm));
  if (rc == CM_OK) all->len = (size_t)sum;
  free(lens);
  free(dis);
  return rc;
}

int cm_check_write(MPI_Comm comm, hid_t dset, size_t esize, uint64_t total_elems, size_t n,
                   const uint64_t *start, const uint64_t *count, const void *data) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  uint64_t sum = 0, total = total_elems * esize;
  cm_buf mine = {0}, all = {0};
  int rc = CM_OK;
  const uint8_t *p = data;
  for (size_t i = 0; i < n && rc == CM_OK; p += count[i] * esize, i++) {
    uint64_t a = start[i] * esize, e = a + count[i] * esize;
    for (uint64_t k = a / B; k * B < e && a < e && rc == CM_OK; k++) {
      uint64_t bs = k * B, be = total - bs < B ? total : bs + B;
      uint64_t lo = a > bs ? a : bs, hi = e < be ? e : be;
      if (lo == bs && hi == be) { /* the whole block is here */
        sum += XXH3_64bits_withSeed(p + (bs - a), (size_t)(be - bs), k);
        continue;
      }
      rc = cm_buf_push_u64(&mine, k);
      if (rc == CM_OK) rc = cm_buf_push_u32(&mine, (uint32_t)(lo - bs));
      if (rc == CM_OK) rc = cm_buf_push_u32(&mine, (uint32_t)(hi - lo));
      if (rc == CM_OK) rc = cm_buf_append(&mine, p + (lo - a), (size_t)(hi - lo));
    }
  }
  rc = gather_fragments(comm, rc, &mine, &all);
  cm_buf_free(&mine);
  if (rc == CM_OK && rank == 0) rc = join_fragments(&all, total, &sum);
  cm_buf_free(&all);
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_UINT64_T, MPI_SUM, comm));
  if (rc == CM_OK) rc = cm_agree(comm, cm_check_attr(dset, sum)); /* collective: every rank, one value */
  return rc;
}

/* ---- reading ---- */

typedef struct {
  char name[256];
  uint64_t sum, expected;
  int has_expected;
} check_entry;

struct cm_check {
  check_entry *v;
  size_t n, cap;
};

int cm_check_new(cm_check **ck) {
  *ck = calloc(1, sizeof **ck);
  return *ck ? CM_OK : CM_FAIL("out of memory");
}

void cm_check_free(cm_check *ck) {
  if (!ck) return;
  free(ck->v);
  free(ck);
}

/* The entry of dataset d (its path in the file), added on first use with
 * the checksum its attribute holds. */
static int entry_of(cm_check *ck, hid_t d, check_entry **out) {
  char name[256];
  if (H5Iget_name(d, name, sizeof name) <= 0) return CM_FAIL("cannot name an HDF5 dataset");
  for (size_t i = 0; i < ck->n; i++)
    if (strcmp(ck->v[i].name, name) == 0) return *out = &ck->v[i], CM_OK;
  if (ck->n == ck->cap) {
    size_t cap = ck->cap ? 2 * ck->cap : 32;
    check_entry *v = realloc(ck->v, cap * sizeof *v);
    CM_ALLOC(v, cap * sizeof *v);
    ck->v = v, ck->cap = cap;
  }
  check_entry *e = &ck->v[ck->n++];
  memset(e, 0, sizeof *e);
  snprintf(e->name, sizeof e->name, "%s", name);
  if (H5Aexists(d, CM_CHECK_ATTR) > 0) {
    hid_t a = H5Aopen(d, CM_CHECK_ATTR, H5P_DEFAULT);
    e->has_expected = a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &e->expected) >= 0;
    if (a >= 0) H5Aclose(a);
  }
  *out = e;
  return CM_OK;
}

static int dataset_elements(hid_t d, uint64_t *n) {
  hid_t s = H5Dget_space(d);
  hsize_t dims[1] = {0};
  int nd = s < 0 ? -1 : H5Sget_simple_extent_dims(s, dims, NULL);
  if (s >= 0) H5Sclose(s);
  if (nd != 1) return CM_FAIL("a dataset is not one-dimensional");
  *n = dims[0];
  return CM_OK;
}

/* Elements [start, start + count) of d into out. */
static int read_elements(hid_t d, hid_t mtype, uint64_t start, uint64_t count, void *out) {
  if (count == 0) return CM_OK;
  hid_t fs = H5Dget_space(d);
  hsize_t st[1] = {start}, cnt[1] = {count};
  hid_t ms = H5Screate_simple(1, cnt, NULL);
  herr_t r = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
  if (r >= 0) r = H5Dread(d, mtype, ms, fs, H5P_DEFAULT, out);
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return r < 0 ? CM_FAIL("reading a dataset failed") : CM_OK;
}

int cm_check_add(cm_check *ck, hid_t d, hid_t mtype, uint64_t start, uint64_t count, uint64_t own,
                 const void *data) {
  check_entry *e;
  CM_TRY(entry_of(ck, d, &e));
  uint64_t es = H5Tget_size(mtype), n_elems;
  CM_TRY(dataset_elements(d, &n_elems));
  uint64_t total = n_elems * es, a = start * es, b = (start + own) * es, have = (start + count) * es;
  const uint8_t *p = data;
  for (uint64_t k = (a + B - 1) / B; k * B < b; k++) {
    uint64_t bs = k * B, be = total - bs < B ? total : bs + B;
    if (be <= have) {
      e->sum += XXH3_64bits_withSeed(p + (bs - a), (size_t)(be - bs), k);
      continue;
    }
    uint8_t block[B]; /* the block runs past what was read: read its rest */
    memcpy(block, p + (bs - a), (size_t)(have - bs));
    CM_TRY(read_elements(d, mtype, have / es, (be - have) / es, block + (have - bs)));
    e->sum += XXH3_64bits_withSeed(block, (size_t)(be - bs), k);
  }
  return CM_OK;
}

int cm_check_finish(MPI_Comm comm, cm_check *ck, const char *file) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  /* every rank must have added the same datasets in the same order */
  uint64_t shape[2] = {ck ? ck->n : 0, 0};
  for (size_t i = 0; ck && i < ck->n; i++)
    shape[1] = XXH3_64bits_withSeed(ck->v[i].name, strlen(ck->v[i].name), shape[1]);
  uint64_t lo_hi[4] = {shape[0], shape[1], ~shape[0], ~shape[1]};
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, lo_hi, 4, MPI_UINT64_T, MPI_MAX, comm));
  int rc = lo_hi[0] == ~lo_hi[2] && lo_hi[1] == ~lo_hi[3]
               ? CM_OK
               : (rank == 0 ? CM_FAIL("internal error: the ranks checked different datasets") : CM_ERR);
  size_t n = ck ? ck->n : 0;
  uint64_t *sums = malloc((n + 1) * sizeof *sums);
  rc = cm_agree(comm, rc == CM_OK && !sums ? CM_FAIL("out of memory") : rc);
  for (size_t i = 0; rc == CM_OK && i < n; i++)
    sums[i] = ck->v[i].sum;
  if (rc == CM_OK && n) CM_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, (int)n, MPI_UINT64_T, MPI_SUM, comm));
  for (size_t i = 0; rc == CM_OK && i < n; i++) { /* the same verdict on every rank; rank 0 says it */
    const check_entry *e = &ck->v[i];
    if (!e->has_expected)
      rc = rank != 0 ? CM_ERR
                     : CM_FAIL("dataset '%s' of '%s' carries no checksum: the file was written by an older "
                               "citemill or damaged; write it again (citemill run does so by itself)",
                               e->name, file);
    else if (sums[i] != e->expected)
      rc = rank != 0 ? CM_ERR
                     : CM_FAIL("dataset '%s' of '%s' fails its checksum: the file is damaged; write it again "
                               "(citemill run does so by itself)",
                               e->name, file);
  }
  free(sums);
  cm_check_free(ck);
  return cm_agree(comm, rc);
}

/* ---- whole files ---- */

typedef struct {
  char (*v)[256];
  size_t n, cap;
  int failed;
} name_list;

static herr_t add_dataset(hid_t obj, const char *name, const H5O_info_t *info, void *user) {
  (void)obj;
  name_list *l = user;
  if (info->type != H5O_TYPE_DATASET) return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    char(*v)[256] = realloc(l->v, cap * sizeof *v);
    if (!v) return l->failed = 1, -1;
    l->v = v, l->cap = cap;
  }
  snprintf(l->v[l->n++], 256, "%s", name);
  return 0;
}

/* Rank 0's part of a variable-length string dataset (results.h5): each
 * value as its 8-byte length and its bytes. */
static int check_strings(cm_check *ck, hid_t d, hid_t type) {
  check_entry *e;
  CM_TRY(entry_of(ck, d, &e));
  uint64_t n;
  CM_TRY(dataset_elements(d, &n));
  char **v = calloc(n + 1, sizeof *v);
  CM_ALLOC(v, (n + 1) * sizeof *v);
  hid_t mt = H5Tcopy(type);
  int rc =
      n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ? CM_FAIL("reading strings failed") : CM_OK;
  cm_buf b = {0};
  for (uint64_t i = 0; i < n && rc == CM_OK; i++) {
    uint64_t l = v[i] ? strlen(v[i]) : 0;
    rc = cm_buf_push_u64(&b, l);
    if (rc == CM_OK) rc = cm_buf_append(&b, v[i], l);
  }
  if (rc == CM_OK) e->sum += cm_check_sum(b.data, b.len);
  if (n) {
    hid_t s = H5Dget_space(d);
    H5Dvlen_reclaim(mt, s, H5P_DEFAULT, v);
    H5Sclose(s);
  }
  H5Tclose(mt);
  cm_buf_free(&b);
  free(v);
  return rc;
}

/* This rank's share of the blocks of a fixed-size dataset, read a step at a
 * time. */
static int check_share(MPI_Comm comm, cm_check *ck, hid_t d, hid_t type) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  hid_t mt = H5Tget_native_type(type, H5T_DIR_ASCEND);
  if (mt < 0) return CM_FAIL("cannot read a dataset's type");
  uint64_t es = H5Tget_size(mt), n;
  int rc = dataset_elements(d, &n);
  uint64_t nb = (n * es + B - 1) / B, kb = nb * (uint64_t)rank / (uint64_t)P,
           ke = nb * (uint64_t)(rank + 1) / (uint64_t)P;
  uint64_t lo = kb * B / es, hi = ke * B / es < n ? ke * B / es : n, step = READ_STEP / es;
  uint8_t *buf = malloc(READ_STEP);
  if (rc == CM_OK && !buf) rc = CM_FAIL("out of memory");
  check_entry *e;
  if (rc == CM_OK) rc = entry_of(ck, d, &e); /* an entry even for a rank without blocks */
  for (uint64_t at = lo; at < hi && rc == CM_OK; at += step) {
    uint64_t m = hi - at < step ? hi - at : step;
    rc = read_elements(d, mt, at, m, buf);
    if (rc == CM_OK) rc = cm_check_add(ck, d, mt, at, m, m, buf);
  }
  free(buf);
  H5Tclose(mt);
  return rc;
}

int cm_check_file(MPI_Comm comm, hid_t file, const char *path) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  name_list names = {0};
  cm_check *ck = NULL;
  int rc =
      H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, add_dataset, &names, H5O_INFO_BASIC) < 0 || names.failed
          ? CM_FAIL("cannot list the datasets of '%s'", path)
          : cm_check_new(&ck);
  for (size_t i = 0; i < names.n && rc == CM_OK; i++) {
    hid_t d = H5Dopen2(file, names.v[i], H5P_DEFAULT);
    hid_t t = d < 0 ? -1 : H5Dget_type(d);
    if (t < 0)
      rc = CM_FAIL("cannot open dataset '%s' of '%s'", names.v[i], path);
    else if (H5Tis_variable_str(t) > 0) /* small tables one rank wrote: one rank reads */
      rc = rank == 0 ? check_strings(ck, d, t) : entry_of(ck, d, &(check_entry *){0});
    else
      rc = check_share(comm, ck, d, t);
    if (t >= 0) H5Tclose(t);
    if (d >= 0) H5Dclose(d);
  }
  free(names.v);
  rc = cm_agree(comm, rc);
  if (rc != CM_OK) {
    cm_check_free(ck);
    return rc;
  }
  return cm_check_finish(comm, ck, path);
}
