#include "cm_h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_direct.h"
#include "cm_error.h"
#include "cm_h5check.h"
#include "cm_text.h"

#define CHUNK_BYTES (1u << 20)

int cm_h5_create(MPI_Comm comm, const char *path, unsigned deflate, hid_t *file) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  CM_H5(fapl);
  CM_H5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  CM_H5(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST));
  /* closing the file closes whatever an error path left open */
  CM_H5(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG));
  *file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (*file < 0)
    return CM_FAIL("cannot create HDF5 file '%s'; check the directory exists and is writable", path);
  if (deflate) CM_TRY(cm_h5_attr_u64(*file, "deflate_level", deflate));
  return CM_OK;
}

int cm_h5_close_written(MPI_Comm comm, hid_t file, const char *path, int rc) {
  int failed = rc != CM_OK, any = 0, rank = 0;
  CM_MPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm));
  /* After a failed write HDF5 1.10's ranks no longer agree on what to flush
   * (one waits in a barrier, another in a broadcast): closing would hang. */
  if (!any) {
    failed = H5Fclose(file) < 0;
    CM_MPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm));
    if (!any) return CM_OK;
  }
  MPI_Comm_rank(comm, &rank);
  cm_error_at(__FILE__, __LINE__,
              "writing '%s' failed (disk full or I/O error); it is removed, earlier outputs are untouched",
              path);
  if (rank == 0) remove(path);
  MPI_Barrier(comm);
  fflush(stdout);
  fflush(stderr);
  _exit(1);
}

int cm_h5_close_removed(MPI_Comm comm, hid_t file, const char *path) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  int rc = H5Fclose(file) < 0 ? CM_FAIL("closing '%s' failed; it is removed", path) : CM_OK;
  rc = cm_agree(comm, rc);
  if (rank == 0) remove(path);
  CM_MPI(MPI_Barrier(comm)); /* nobody goes on while the file is still there */
  return rc;
}

int cm_h5_open(MPI_Comm comm, const char *path, hid_t *file) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  CM_H5(fapl);
  CM_H5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  /* closing the file (collective) closes whatever an error path left open */
  CM_H5(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG));
  *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (*file < 0) return CM_FAIL("cannot open HDF5 store '%s'; run `citemill ingest` first", path);
  return CM_OK;
}

int cm_h5_group(hid_t loc, const char *name, hid_t *group) {
  *group = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (*group < 0) return CM_FAIL("cannot create HDF5 group '%s'", name);
  return CM_OK;
}

/* The level cm_h5_create recorded in the file (0 when absent). Kept in the
 * file rather than passed down: every column writer would need it, and the
 * store then says how it was written. */
static unsigned deflate_level(hid_t loc) {
  uint64_t v = 0;
  if (H5Aexists_by_name(loc, "/", "deflate_level", H5P_DEFAULT) <= 0) return 0;
  hid_t a = H5Aopen_by_name(loc, "/", "deflate_level", H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return 0;
  if (H5Aread(a, H5T_NATIVE_UINT64, &v) < 0) v = 0;
  H5Aclose(a);
  return v > 9 ? 9 : (unsigned)v;
}

/* One dataset whose slice this rank writes later: the handles stay open until
 * cm_h5_deferred_finish closes them (H5Dclose is collective). */
typedef struct {
  hid_t dset, fspace, mspace, type; /* type: a predefined type, never closed */
  const void *data;
  void *owned; /* freed once written: data this module made (rebased offsets) */
  uint64_t n;
  /* the slice as byte ranges of the file (offset, length; in file order, the
   * order of data), written past HDF5 (cm_direct.h); NULL: through H5Dwrite */
  uint64_t *range;
  size_t n_range;
  char name[64];
} pending_write;

struct cm_h5_deferred {
  pending_write *v;
  size_t n, cap, done; /* v[0, done) are written (or dropped) */
  int failed;
  int past_cache;         /* see cm_h5_deferred_new */
  cm_direct *io;          /* open from the first flush to finish */
  char path[CM_PATH_MAX]; /* the file (from the first dataset queued) */
};

int cm_h5_deferred_new(int past_cache, cm_h5_deferred **q) {
  *q = calloc(1, sizeof **q);
  if (!*q) return CM_FAIL("out of memory");
  (*q)->past_cache = past_cache;
  return CM_OK;
}

/* Room for one more entry, made before the dataset is created so that a
 * failure is agreed on with the creation's. */
static int reserve_one(cm_h5_deferred *q) {
  if (q->n < q->cap) return CM_OK;
  size_t cap = q->cap ? 2 * q->cap : 32;
  pending_write *v = realloc(q->v, cap * sizeof *v);
  if (!v) return CM_FAIL("out of memory");
  q->v = v;
  q->cap = cap;
  return CM_OK;
}

/* A held-back slice written as plain byte ranges of the file. The datasets
 * are contiguous, allocated when created and never filled, so their bytes
 * are only what is written here: the same bytes H5Dwrite would put there,
 * without the page cache (cm_direct.h). */
static int write_ranges(cm_h5_deferred *q, const pending_write *w) {
  if (!q->io) CM_TRY(cm_direct_open(q->path, &q->io));
  const uint8_t *p = w->data;
  for (size_t i = 0; i < w->n_range; i++) {
    CM_TRY(cm_direct_write(q->io, w->range[2 * i], p, w->range[2 * i + 1]));
    p += w->range[2 * i + 1];
  }
  return CM_OK;
}

int cm_h5_deferred_flush(cm_h5_deferred *q) {
  for (; q->done < q->n; q->done++) {
    pending_write *w = &q->v[q->done];
    /* past HDF5, or the default transfer list: independent MPI-IO, this rank alone */
    herr_t r = !w->n      ? 0
               : w->range ? (write_ranges(q, w) == CM_OK ? 0 : -1)
                          : H5Dwrite(w->dset, w->type, w->mspace, w->fspace, H5P_DEFAULT, w->data);
    if (cm_fault("h5-deferred-write")) r = -1; /* test hook: this rank's held-back write fails */
    free(w->owned);
    w->owned = NULL;
    free(w->range);
    w->range = NULL;
    if (r < 0) {
      q->failed = 1;
      q->done++;
      return CM_FAIL("writing dataset '%s' failed", w->name);
    }
  }
  return CM_OK;
}

size_t cm_h5_deferred_pending(const cm_h5_deferred *q) { return q ? q->n - q->done : 0; }

void cm_h5_deferred_drop(cm_h5_deferred *q) {
  for (; q && q->done < q->n; q->done++) {
    free(q->v[q->done].owned);
    free(q->v[q->done].range);
    q->v[q->done].owned = NULL;
    q->v[q->done].range = NULL;
  }
}

int cm_h5_deferred_finish(MPI_Comm comm, cm_h5_deferred *q) {
  int rc = q ? cm_h5_deferred_flush(q) : CM_OK;
  int crc = q ? cm_direct_close(q->io) : CM_OK; /* a write the kernel fails only now */
  if (rc == CM_OK) rc = crc;
  if (q) q->io = NULL;
  int failed = rc != CM_OK || (q && q->failed), any = 0;
  CM_MPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm));
  if (!q) return CM_OK;
  if (!any) /* after a failed write HDF5 may hang in a collective close */
    for (size_t i = 0; i < q->n; i++) {
      H5Sclose(q->v[i].mspace);
      H5Sclose(q->v[i].fspace);
      if (H5Dclose(q->v[i].dset) < 0 && rc == CM_OK)
        rc = CM_FAIL("closing dataset '%s' failed", q->v[i].name);
    }
  free(q->v);
  free(q);
  return any ? CM_ERR_ALL : rc;
}

/* This rank's part of one dataset: n pieces, piece i count[i] elements long
 * at global position start[i] (increasing); data holds them one after
 * another. */
typedef struct {
  size_t n;
  const uint64_t *start, *count;
} slice;

/* The byte ranges of the file a held-back slice goes to (w->range), for a
 * past_cache queue, when the dataset is contiguous and already allocated
 * (HDF5 knows its address) and the queue knows the file's name; otherwise
 * (or when out of memory for the ranges) w->range stays NULL and the slice
 * goes through H5Dwrite. Not collective. */
static void slice_ranges(cm_h5_deferred *q, hid_t loc, hid_t d, size_t esize, slice sl, pending_write *w) {
  if (!q->past_cache) return;
  haddr_t at = H5Dget_offset(d);
  if (!q->path[0]) {
    ssize_t len = H5Fget_name(loc, q->path, sizeof q->path);
    if (len <= 0 || len >= (ssize_t)sizeof q->path) q->path[0] = 0;
  }
  if (at == HADDR_UNDEF || !q->path[0] || !(w->range = malloc((sl.n ? sl.n : 1) * 2 * sizeof *w->range)))
    return;
  for (size_t i = 0; i < sl.n; i++)
    if (sl.count[i]) {
      w->range[2 * w->n_range] = (uint64_t)at + sl.start[i] * esize;
      w->range[2 * w->n_range++ + 1] = sl.count[i] * esize;
    }
}

/* Collective: writes a rank's slice of a new dataset of `total` elements,
 * now or (later != NULL) when this rank flushes later. Takes `owned` (NULL or
 * the block data points into) and frees it once written. */
static int write_at(MPI_Comm comm, hid_t loc, const char *name, hid_t type, const void *data, void *owned,
                    slice sl, uint64_t total, cm_h5_deferred *later) {
  hsize_t dims[1] = {total};
  hid_t space = H5Screate_simple(1, dims, NULL);
  CM_H5(space);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  CM_H5(dcpl);
  unsigned level = deflate_level(loc);
  if (total > 0) {
    /* every element is written next: filling with zeros first would write
     * the dataset twice (parallel HDF5 allocates unfiltered ones at once) */
    CM_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
    /* Uncompressed columns are contiguous: one extent per dataset, written
     * and read as plain MPI-IO ranges without a chunk index to build and
     * walk. Compression needs chunks. */
    if (level) {
      size_t esize = H5Tget_size(type);
      hsize_t chunk[1] = {CHUNK_BYTES / esize};
      if (chunk[0] > total) chunk[0] = total;
      CM_H5(H5Pset_chunk(dcpl, 1, chunk));
      CM_H5(H5Pset_shuffle(dcpl));
      CM_H5(H5Pset_deflate(dcpl, level));
    }
  }
  if (level) later = NULL; /* filters need collective writes */
  int no_room = later && reserve_one(later) != CM_OK;
  hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  /* creation writes to the file too (disk full): agree before the write */
  int bad = d < 0 || no_room, any = 0;
  CM_MPI(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm));
  if (any || total == 0) { /* every rank knows the global total: all skip the write */
    if (bad) CM_FAIL("cannot create dataset '%s'", name);
    int rc = any ? CM_ERR_ALL : cm_check_write(comm, d, H5Tget_size(type), 0, 0, NULL, NULL, NULL);
    H5Sclose(space);
    if (d >= 0) H5Dclose(d);
    free(owned);
    return rc;
  }
  uint64_t n = 0;
  int rc = H5Sselect_none(space) < 0 ? CM_FAIL("selecting in '%s' failed", name) : CM_OK;
  for (size_t i = 0; i < sl.n && rc == CM_OK; i++)
    if (sl.count[i]) { /* pieces come in file order: the order HDF5 fills them from memory */
      hsize_t st[1] = {sl.start[i]}, cnt[1] = {sl.count[i]};
      if (H5Sselect_hyperslab(space, H5S_SELECT_OR, st, NULL, cnt, NULL) < 0)
        rc = CM_FAIL("selecting rows of '%s' failed", name);
      n += sl.count[i];
    }
  hsize_t mdims[1] = {n};
  hid_t mspace = rc == CM_OK ? H5Screate_simple(1, mdims, NULL) : -1;
  if (rc == CM_OK && (mspace < 0 || (n == 0 && H5Sselect_none(mspace) < 0)))
    rc = CM_FAIL("memory space of '%s' failed", name);
  rc = cm_agree(comm, rc); /* before the collective write (or the queue: the close is collective) */
  /* the checksum, from the data as it is handed over */
  if (rc == CM_OK) rc = cm_check_write(comm, d, H5Tget_size(type), total, sl.n, sl.start, sl.count, data);
  if (rc != CM_OK) {
    if (mspace >= 0) H5Sclose(mspace);
    H5Sclose(space);
    H5Dclose(d);
    free(owned);
    return rc;
  }
  if (later) {
    pending_write *w = &later->v[later->n++];
    *w = (pending_write){d, space, mspace, type, data, owned, n, NULL, 0, ""};
    snprintf(w->name, sizeof w->name, "%s", name);
    slice_ranges(later, loc, d, H5Tget_size(type), sl, w);
    return CM_OK;
  }
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  CM_H5(dxpl);
  CM_H5(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  static const uint8_t dummy[8] = {0};
  herr_t w = H5Dwrite(d, type, mspace, space, dxpl, n ? data : dummy);
  if (cm_fault("h5-write")) w = -1; /* test hook: this rank's write fails */
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(space);
  H5Dclose(d);
  free(owned);
  if (w < 0) return CM_FAIL("collective write of dataset '%s' failed", name);
  return CM_OK;
}

/* Collective: a write failed anywhere (disk full on one rank's stripe) fails
 * everywhere, so no rank goes on to the next collective alone and hangs. */
static int agree_write(MPI_Comm comm, int rc, const char *name) {
  (void)name; /* the failing rank named it */
  return cm_agree(comm, rc);
}

/* A rank's rows (or the elements under them) as pieces ordered by key among
 * all ranks' pieces (see cm_h5_placement), with their global positions:
 * start[i] is where piece i begins in the dataset, total its length. Each
 * piece set is placed once (place_pieces) and its positions reused. */
typedef struct {
  size_t n;
  uint64_t *key, *count, *start;
  uint64_t total;
} pieces;

static void pieces_free(pieces *p) {
  free(p->key);
  free(p->count);
  free(p->start);
  p->key = p->count = p->start = NULL;
}

static int pieces_alloc(size_t n, pieces *p) {
  p->n = n;
  p->total = 0;
  p->key = malloc((n ? n : 1) * sizeof *p->key);
  p->count = malloc((n ? n : 1) * sizeof *p->count);
  p->start = malloc((n ? n : 1) * sizeof *p->start);
  if (p->key && p->count && p->start) return CM_OK;
  pieces_free(p);
  return CM_FAIL("out of memory");
}

typedef struct {
  uint64_t key, count;
} key_count;

static int by_key(const void *a, const void *b) {
  const key_count *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

/* Collective: fills p's global positions (all ranks' pieces laid end to end
 * in key order). rc: this rank's result so far, agreed on first (nothing is
 * placed unless every rank got here). */
static int place_pieces(MPI_Comm comm, int rc, pieces *p) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  int mine = rc == CM_OK ? (int)(2 * p->n) : 0;
  int *cnt = malloc((size_t)P * sizeof *cnt), *dis = malloc((size_t)P * sizeof *dis);
  key_count *own = malloc((mine ? p->n : 1) * sizeof *own), *all = NULL;
  if (rc == CM_OK && (!cnt || !dis || !own)) rc = CM_FAIL("out of memory placing rows");
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) CM_MPI(MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, comm));
  size_t n_all = 0;
  for (int r = 0; rc == CM_OK && r < P; r++) {
    dis[r] = (int)(2 * n_all);
    n_all += (size_t)cnt[r] / 2;
  }
  if (rc == CM_OK) {
    all = malloc((n_all ? n_all : 1) * sizeof *all);
    rc = cm_agree(comm, all ? CM_OK : CM_FAIL("out of memory placing rows"));
  }
  if (rc == CM_OK) {
    for (size_t i = 0; i < p->n; i++)
      own[i] = (key_count){p->key[i], p->count[i]};
    CM_MPI(MPI_Allgatherv(own, mine, MPI_UINT64_T, all, cnt, dis, MPI_UINT64_T, comm));
    qsort(all, n_all, sizeof *all, by_key);
    uint64_t acc = 0;
    size_t j = 0; /* this rank's keys increase: one merge pass finds them */
    for (size_t i = 0; i < n_all; i++) {
      if (j < p->n && all[i].key == p->key[j]) p->start[j++] = acc;
      acc += all[i].count;
    }
    p->total = acc;
    if (j != p->n) rc = CM_FAIL("internal error: row pieces out of order");
  }
  free(cnt);
  free(dis);
  free(own);
  free(all);
  return cm_agree(comm, rc);
}

/* Collective: this rank's n_local rows as placed pieces: the placement's
 * segments, or one piece keyed by the rank (rank order). */
static int row_pieces(MPI_Comm comm, const cm_h5_placement *place, uint64_t n_local, pieces *p) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  int seg = place && place->seg_rows;
  int rc = pieces_alloc(seg ? place->n_seg : 1, p);
  for (size_t i = 0; rc == CM_OK && i < p->n; i++) {
    p->key[i] = seg ? place->seg_key[i] : (uint64_t)rank;
    p->count[i] = seg ? place->seg_rows[i] : n_local;
  }
  return place_pieces(comm, rc, p);
}

/* Collective: the placed pieces of the elements under rows, which off (rows
 * + 1 entries) indexes. */
static int sub_pieces(MPI_Comm comm, const pieces *rows, const uint64_t *off, pieces *p) {
  int rc = pieces_alloc(rows->n, p);
  uint64_t r = 0;
  for (size_t i = 0; rc == CM_OK && i < rows->n; i++) {
    p->key[i] = rows->key[i];
    p->count[i] = off[r + rows->count[i]] - off[r];
    r += rows->count[i];
  }
  return place_pieces(comm, rc, p);
}

static cm_h5_deferred *later_of(const cm_h5_placement *place) { return place ? place->later : NULL; }
static int consume_of(const cm_h5_placement *place) { return place ? place->consume : 0; }

static slice slice_of(const pieces *p) { return (slice){p->n, p->start, p->count}; }

int cm_h5_write_concat(MPI_Comm comm, hid_t loc, const char *name, hid_t type, const void *data,
                       uint64_t n_local, const cm_h5_placement *place) {
  pieces p = {0};
  int rc = row_pieces(comm, place, n_local, &p);
  if (rc == CM_OK) rc = write_at(comm, loc, name, type, data, NULL, slice_of(&p), p.total, later_of(place));
  pieces_free(&p);
  return agree_write(comm, rc, name);
}

/* Collective: an offsets array (local rows + 1 entries, from 0) made global:
 * each piece's entries move to the global start of the elements under it;
 * rank 0 also writes the closing entry (the global total). The elements'
 * placed pieces are returned in sub. consume: off is rewritten in place
 * (entry k of this rank's rows is the k-th entry written: off has room for
 * rank 0's closing one). */
static int write_offsets(MPI_Comm comm, hid_t loc, const char *name, const uint64_t *off, const pieces *rows,
                         cm_h5_deferred *later, int consume, pieces *sub) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  int rc = sub_pieces(comm, rows, off, sub);
  if (rc != CM_OK) { /* placing agreed on it: every rank is here */
    pieces_free(sub);
    return agree_write(comm, rc, name);
  }
  size_t n = rows->n, np = n + (rank == 0);
  uint64_t m = rank == 0;
  for (size_t i = 0; i < n; i++)
    m += rows->count[i];
  /* rows' pieces, plus the closing entry on rank 0: last in file order, so last in memory */
  uint64_t *at = malloc((np ? np : 1) * sizeof *at), *cnt = malloc((np ? np : 1) * sizeof *cnt);
  uint64_t *g = consume ? (uint64_t *)off : malloc((m ? m : 1) * sizeof *g);
  rc = cm_agree(comm, !at || !cnt || !g ? CM_FAIL("out of memory writing '%s'", name) : CM_OK);
  int handed = 0; /* g went to write_at (which frees what it owns) */
  if (rc == CM_OK) {
    uint64_t r = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
      uint64_t base = off[r]; /* (g[k] may be off[r] itself) */
      for (uint64_t j = 0; j < rows->count[i]; j++)
        g[k++] = off[r + j] - base + sub->start[i];
      r += rows->count[i];
    }
    memcpy(at, rows->start, n * sizeof *at);
    memcpy(cnt, rows->count, n * sizeof *cnt);
    if (rank == 0) g[k] = sub->total, at[n] = rows->total, cnt[n] = 1;
    rc = write_at(comm, loc, name, H5T_NATIVE_UINT64, g, consume ? NULL : g, (slice){np, at, cnt},
                  rows->total + 1, later);
    handed = 1;
  }
  if (!consume && !handed) free(g);
  free(at);
  free(cnt);
  if (rc != CM_OK) pieces_free(sub);
  return agree_write(comm, rc, name);
}

/* Collective: a string column's offsets and bytes, rows placed by rows. */
static int write_strcol_in(MPI_Comm comm, hid_t g, const cm_strcol *c, const pieces *rows,
                           cm_h5_deferred *later, int consume) {
  pieces bytes = {0};
  CM_TRY(write_offsets(comm, g, "offsets", (const uint64_t *)c->off.data, rows, later, consume, &bytes));
  int rc =
      write_at(comm, g, "bytes", H5T_NATIVE_UINT8, c->bytes.data, NULL, slice_of(&bytes), bytes.total, later);
  pieces_free(&bytes);
  return agree_write(comm, rc, "bytes");
}

int cm_h5_write_strcol(MPI_Comm comm, hid_t loc, const char *name, const cm_strcol *c,
                       const cm_h5_placement *place) {
  hid_t g;
  pieces rows = {0};
  CM_TRY(row_pieces(comm, place, cm_strcol_count(c), &rows));
  int rc = cm_h5_group(loc, name, &g);
  if (rc == CM_OK) {
    rc = write_strcol_in(comm, g, c, &rows, later_of(place), consume_of(place));
    if (rc == CM_OK) rc = cm_h5_attr_str(g, "kind", "string");
    H5Gclose(g);
  }
  pieces_free(&rows);
  return rc;
}

int cm_h5_write_listcol(MPI_Comm comm, hid_t loc, const char *name, const cm_listcol *c,
                        const cm_h5_placement *place) {
  hid_t g;
  pieces rows = {0}, items = {0};
  CM_TRY(row_pieces(comm, place, cm_listcol_count(c), &rows));
  int rc = cm_h5_group(loc, name, &g);
  if (rc == CM_OK) {
    rc = write_offsets(comm, g, "index", (const uint64_t *)c->index.data, &rows, later_of(place),
                       consume_of(place), &items);
    if (rc == CM_OK) rc = write_strcol_in(comm, g, &c->items, &items, later_of(place), consume_of(place));
    if (rc == CM_OK) rc = cm_h5_attr_str(g, "kind", "string_list");
    H5Gclose(g);
  }
  pieces_free(&rows);
  pieces_free(&items);
  return rc;
}

int cm_h5_attr_str(hid_t loc, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1);
  CM_H5(t);
  size_t n = strlen(value);
  CM_H5(H5Tset_size(t, n ? n : 1));
  CM_H5(H5Tset_cset(t, H5T_CSET_UTF8));
  hid_t s = H5Screate(H5S_SCALAR);
  CM_H5(s);
  hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return CM_FAIL("cannot create attribute '%s'", name);
  herr_t w = H5Awrite(a, t, n ? value : "");
  H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  if (w < 0) return CM_FAIL("cannot write attribute '%s'", name);
  return CM_OK;
}

int cm_h5_attr_u64(hid_t loc, const char *name, uint64_t value) {
  hid_t s = H5Screate(H5S_SCALAR);
  CM_H5(s);
  hid_t a = H5Acreate2(loc, name, H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return CM_FAIL("cannot create attribute '%s'", name);
  herr_t w = H5Awrite(a, H5T_NATIVE_UINT64, &value);
  H5Aclose(a);
  H5Sclose(s);
  if (w < 0) return CM_FAIL("cannot write attribute '%s'", name);
  return CM_OK;
}

int cm_h5_exists(hid_t loc, const char *path) {
  /* H5Lexists on each component, so a missing parent is not an error. */
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (H5Lexists(loc, buf, H5P_DEFAULT) <= 0) return 0;
      if (c == '\0') return 1;
      *p = c;
    }
  }
}

int cm_h5_length(hid_t loc, const char *name, uint64_t *n) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return CM_FAIL("store has no dataset '%s'; was it written by this citemill version?", name);
  hid_t s = H5Dget_space(d);
  hsize_t dims[1] = {0};
  int nd = H5Sget_simple_extent_dims(s, dims, NULL);
  H5Sclose(s);
  H5Dclose(d);
  if (nd != 1) return CM_FAIL("dataset '%s' is not one-dimensional", name);
  *n = dims[0];
  return CM_OK;
}

/* The full path of an object, for messages ("/patents/npl_text/index"). */
static void path_of(hid_t obj, const char *name, char *out, size_t n) {
  char base[256] = "";
  if (H5Iget_name(obj, base, sizeof base) <= 0) base[0] = '\0';
  snprintf(out, n, "%s%s%s", base, strcmp(base, "/") == 0 ? "" : "/", name);
}

/* Elements [start, start + count) of dataset `name` (which must hold them:
 * a shorter one is a damaged store) into out; own of them go to ck. */
static int read_range(hid_t loc, const char *name, hid_t type, uint64_t start, uint64_t count, void *out,
                      cm_check *ck, uint64_t own) {
  char path[512];
  path_of(loc, name, path, sizeof path);
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return CM_FAIL("store has no dataset '%s'; was it written by this citemill version?", path);
  uint64_t len = 0;
  hid_t fs = H5Dget_space(d);
  hsize_t dims[1] = {0};
  int rc = fs >= 0 && H5Sget_simple_extent_dims(fs, dims, NULL) == 1
               ? CM_OK
               : CM_FAIL("dataset '%s' is not a column", path);
  len = dims[0];
  if (rc == CM_OK && (start > len || count > len - start))
    rc = CM_FAIL(
        "dataset '%s' holds %llu elements, not the %llu..%llu the store's other columns call for: the "
        "store is damaged; write it again (citemill run re-ingests by itself)",
        path, (unsigned long long)len, (unsigned long long)start, (unsigned long long)(start + count));
  hsize_t st[1] = {start}, cnt[1] = {count};
  hid_t ms = H5Screate_simple(1, cnt, NULL);
  if (rc == CM_OK && count > 0) {
    herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
    if (r >= 0) r = H5Dread(d, type, ms, fs, H5P_DEFAULT, out);
    if (r < 0) rc = CM_FAIL("reading %llu elements of '%s' failed", (unsigned long long)count, path);
  }
  if (rc == CM_OK && ck) rc = cm_check_add(ck, d, type, start, count, own, out);
  H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

static uint64_t own_rows(int own, uint64_t n) { return own == CM_OWN_NONE ? 0 : n; }
static uint64_t own_offsets(int own, uint64_t n) {
  return own == CM_OWN_NONE ? 0 : own == CM_OWN_LAST ? n + 1 : n;
}

int cm_h5_read(hid_t loc, const char *name, hid_t type, uint64_t start, uint64_t count, void *out,
               cm_check *ck, int own) {
  return read_range(loc, name, type, start, count, out, ck, own_rows(own, count));
}

/* Offsets (or a row index) [lo, lo + n] must not decrease, nor point past
 * the end of what they index (limit elements). */
static int check_offsets(hid_t g, const char *name, const uint64_t *o, uint64_t n, uint64_t limit) {
  for (uint64_t i = 0; i <= n; i++)
    if ((i && o[i] < o[i - 1]) || o[i] > limit) {
      char path[512];
      path_of(g, name, path, sizeof path);
      return CM_FAIL(
          "dataset '%s' is damaged (entry %llu: %llu, after %llu, of at most %llu); write the store "
          "again (citemill run re-ingests by itself)",
          path, (unsigned long long)i, (unsigned long long)o[i], (unsigned long long)(i ? o[i - 1] : 0),
          (unsigned long long)limit);
    }
  return CM_OK;
}

/* Reads offsets [lo, hi] and the bytes they cover into c (rebased to 0). */
static int read_strcol_in(hid_t g, uint64_t lo, uint64_t hi, cm_strcol *c, cm_check *ck, int own) {
  memset(c, 0, sizeof *c);
  uint64_t n = hi - lo, nbytes = 0;
  CM_TRY(cm_h5_length(g, "bytes", &nbytes));
  CM_TRY(cm_buf_reserve(&c->off, (n + 1) * 8));
  CM_TRY(read_range(g, "offsets", H5T_NATIVE_UINT64, lo, n + 1, c->off.data, ck, own_offsets(own, n)));
  c->off.len = (n + 1) * 8;
  uint64_t *o = (uint64_t *)c->off.data;
  CM_TRY(check_offsets(g, "offsets", o, n, nbytes));
  uint64_t b0 = o[0], b1 = o[n];
  CM_TRY(cm_buf_reserve(&c->bytes, b1 - b0 + 1));
  CM_TRY(read_range(g, "bytes", H5T_NATIVE_UINT8, b0, b1 - b0, c->bytes.data, ck, own_rows(own, b1 - b0)));
  c->bytes.len = b1 - b0;
  for (uint64_t i = 0; i <= n; i++)
    o[i] -= b0;
  return CM_OK;
}

int cm_h5_read_strcol(hid_t loc, const char *name, uint64_t lo, uint64_t hi, cm_strcol *c, cm_check *ck,
                      int own) {
  hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
  if (g < 0) return CM_FAIL("store has no column '%s'", name);
  int rc = read_strcol_in(g, lo, hi, c, ck, own);
  H5Gclose(g);
  return rc;
}

int cm_h5_read_listcol(hid_t loc, const char *name, uint64_t lo, uint64_t hi, cm_listcol *c, cm_check *ck,
                       int own) {
  hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
  if (g < 0) return CM_FAIL("store has no column '%s'", name);
  memset(c, 0, sizeof *c);
  uint64_t n = hi - lo, n_items = 0;
  int rc = cm_h5_length(g, "offsets", &n_items); /* the items' string column shares the group */
  if (rc == CM_OK && n_items == 0) rc = CM_FAIL("column '%s' has no items offsets", name);
  if (rc == CM_OK) rc = cm_buf_reserve(&c->index, (n + 1) * 8);
  if (rc == CM_OK)
    rc = read_range(g, "index", H5T_NATIVE_UINT64, lo, n + 1, c->index.data, ck, own_offsets(own, n));
  if (rc == CM_OK) rc = check_offsets(g, "index", (const uint64_t *)c->index.data, n, n_items - 1);
  if (rc == CM_OK) {
    c->index.len = (n + 1) * 8;
    uint64_t *x = (uint64_t *)c->index.data;
    uint64_t i0 = x[0], i1 = x[n];
    for (uint64_t i = 0; i <= n; i++)
      x[i] -= i0;
    rc = read_strcol_in(g, i0, i1, &c->items, ck, own);
  }
  H5Gclose(g);
  return rc;
}

int cm_h5_attr_read_str(hid_t loc, const char *name, char **value) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return CM_FAIL("store has no attribute '%s'", name);
  hid_t t = H5Aget_type(a);
  size_t n = H5Tget_size(t);
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, n + 1);
  H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 converts no ASCII <-> UTF-8 */
  *value = calloc(n + 2, 1);
  herr_t r = *value ? H5Aread(a, mt, *value) : -1;
  H5Tclose(mt);
  H5Tclose(t);
  H5Aclose(a);
  if (r < 0) return CM_FAIL("cannot read attribute '%s'", name);
  return CM_OK;
}
