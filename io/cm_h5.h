/* Parallel HDF5 store access. Writes are collective on the communicator the
 * file was opened with: every rank calls with the same dataset names, each
 * with its own (possibly empty) slice; global positions come from MPI_Exscan.
 * Reads of row slices are independent. Columns are 1-D datasets; a string
 * column is a group with `offsets` (n+1 uint64) and `bytes` (uint8); a list
 * column adds `index` (n+1 uint64 into the items). See docs/store.md. */
#ifndef CM_H5_H
#define CM_H5_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "cm_columns.h"
#include "cm_h5check.h"

/* Collective: creates (truncates) a file for parallel writing. deflate > 0
 * (1-9): every dataset written to it is chunked with shuffle + deflate at
 * that level (recorded as the root attribute deflate_level); 0: contiguous,
 * uncompressed. */
int cm_h5_create(MPI_Comm comm, const char *path, unsigned deflate, hid_t *file);
/* Collective: opens a file read-only with the MPI-IO driver. */
int cm_h5_open(MPI_Comm comm, const char *path, hid_t *file);
/* Collective: closes a file written with cm_h5_create; rc is this rank's
 * result of writing it. When a write failed on any rank, or the final flush
 * fails (disk full), HDF5 1.10 is left unable to release the file (closing
 * hangs or crashes); so every rank reports, rank 0 removes `path`, and the
 * processes end right there with status 1 (no MPI_Finalize). Returns only
 * on success. */
int cm_h5_close_written(MPI_Comm comm, hid_t file, const char *path, int rc);
/* Collective: closes a file abandoned for another reason than a failed write
 * (bad input: every write so far succeeded) and removes it. */
int cm_h5_close_removed(MPI_Comm comm, hid_t file, const char *path);
/* Collective (for a file open for writing): creates a group. */
int cm_h5_group(hid_t loc, const char *name, hid_t *group);

/* Writes held back: each rank does its own later, when it chooses. Why: the
 * kernel lets one writer at a time into a file, so ranks writing their slices
 * at the same moment take turns, and the write does not scale; written at
 * different moments (while the other ranks still parse input), it does. */
typedef struct cm_h5_deferred cm_h5_deferred;
/* Not collective: an empty queue. past_cache = 1: its contiguous slices are
 * written as byte ranges past the page cache (cm_direct.h), for a file not
 * read again soon; 0: through HDF5 and the page cache. */
int cm_h5_deferred_new(int past_cache, cm_h5_deferred **q);
/* Not collective: writes this rank's queued data now, with independent MPI-IO
 * or, for a past_cache queue, as byte ranges (the datasets exist already). After a failure the caller must
 * agree on it with the other ranks before any collective. */
int cm_h5_deferred_flush(cm_h5_deferred *q);
/* Not collective: how many writes q holds not yet written (NULL: 0). */
size_t cm_h5_deferred_pending(const cm_h5_deferred *q);
/* Not collective: forgets the queued writes (the file is being abandoned;
 * NULL is fine). */
void cm_h5_deferred_drop(cm_h5_deferred *q);
/* Collective: flushes what is left, agrees on success, closes the datasets
 * and frees q (NULL is fine). On failure anywhere it returns an error on
 * every rank and touches HDF5 no further: pass it to cm_h5_close_written. */
int cm_h5_deferred_finish(MPI_Comm comm, cm_h5_deferred *q);

/* Where a rank's rows go in a dataset, and when they are written. A rank's
 * rows come in n_seg segments (seg_rows[i] consecutive local rows); all
 * ranks' segments, ordered by seg_key, make the dataset's rows. Keys are
 * distinct over all ranks and increase on each (ingest: the first input file
 * of the segment). seg_rows == NULL: one segment per rank, in rank order.
 * later == NULL: written now (collective MPI-IO); otherwise the datasets are
 * created now and the data queued in later, and it must stay valid until the
 * queue is flushed (a compressed file ignores later: filters need collective
 * writes). A NULL placement: rank order, written now. consume = 1: the
 * caller hands the columns over: their offsets are made global in place
 * instead of in a copy (a copy of every offset is 1.1 GiB a rank at scale
 * 1.0), so afterwards the columns are only good for freeing. */
typedef struct {
  size_t n_seg;
  const uint64_t *seg_key, *seg_rows;
  cm_h5_deferred *later;
  int consume;
} cm_h5_placement;

/* Collective: writes each rank's n_local elements (one a row) into a new
 * dataset (chunked and compressed if the file asks for it), placed by place.
 * Every dataset written here carries its checksum (cm_h5check.h), computed
 * from the data as it is handed over. */
int cm_h5_write_concat(MPI_Comm comm, hid_t loc, const char *name, hid_t type, const void *data,
                       uint64_t n_local, const cm_h5_placement *place);
/* Collective: string and list columns, rows placed by place. */
int cm_h5_write_strcol(MPI_Comm comm, hid_t loc, const char *name, const cm_strcol *c,
                       const cm_h5_placement *place);
int cm_h5_write_listcol(MPI_Comm comm, hid_t loc, const char *name, const cm_listcol *c,
                        const cm_h5_placement *place);

/* Collective (identical arguments on every rank): attributes on loc. */
int cm_h5_attr_str(hid_t loc, const char *name, const char *value);
int cm_h5_attr_u64(hid_t loc, const char *name, uint64_t value);

/* Not collective: reads. Every read checks that the column holds the rows
 * asked for, and that offsets and row indexes neither decrease nor point
 * past what they index: a damaged store is an error naming the dataset,
 * never a crash or an absurd allocation. With ck (NULL: none) the bytes
 * read count toward the datasets' checksums (cm_check_finish verifies them):
 * `own` says what this rank vouches for, so that the ranks' reads cover each
 * dataset once: CM_OWN_NONE (another rank reads the same: a dictionary),
 * CM_OWN_ROWS (its rows), CM_OWN_LAST (its rows and a column's closing
 * offset: the rank holding the last row, or reading a column whole). */
enum { CM_OWN_NONE, CM_OWN_ROWS, CM_OWN_LAST };
int cm_h5_length(hid_t loc, const char *name, uint64_t *n);
int cm_h5_read(hid_t loc, const char *name, hid_t type, uint64_t start, uint64_t count, void *out,
               cm_check *ck, int own);
/* Reads rows [lo, hi) of a string / list column into a fresh column. */
int cm_h5_read_strcol(hid_t loc, const char *name, uint64_t lo, uint64_t hi, cm_strcol *c, cm_check *ck,
                      int own);
int cm_h5_read_listcol(hid_t loc, const char *name, uint64_t lo, uint64_t hi, cm_listcol *c, cm_check *ck,
                       int own);
int cm_h5_attr_read_str(hid_t loc, const char *name, char **value);
int cm_h5_exists(hid_t loc, const char *path);

#endif
