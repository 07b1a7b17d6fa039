/* Checksums of HDF5 datasets: every dataset citemill writes (store,
 * links.h5, results.h5) carries the attribute `xxh3_blocks`, computed from
 * the bytes as they are written, and every reader that reuses a file checks
 * the datasets it reads against it (docs/reliability.md).
 *
 * The checksum of a dataset of N bytes (its elements, little-endian, one
 * after another; a variable-length string element as its 8-byte length then
 * its bytes) cuts the bytes into blocks of CM_CHECK_BLOCK at fixed offsets
 * (the last one may be shorter) and sums, modulo 2^64, XXH3_64bits_withSeed
 * of block k with seed k. Blocks are hashed where their bytes are: a rank
 * hashes the blocks that lie whole in what it writes or begin in what it
 * reads, so the sum is the same whatever the number of ranks; the seed
 * makes it depend on each block's place; a sum over a few hundred blocks a
 * rank costs one reduction. XXH3 runs at several GB/s a core: the checksum
 * of an 11 GB store costs its ranks a fraction of a second. */
#ifndef CM_H5CHECK_H
#define CM_H5CHECK_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#define CM_CHECK_BLOCK 4096
#define CM_CHECK_ATTR "xxh3_blocks"

/* Not collective: the checksum of n bytes held whole (a dataset one rank
 * writes alone). */
uint64_t cm_check_sum(const void *data, uint64_t n);
/* Not collective (collective for a file open on several ranks: every rank,
 * one value): writes a checksum as the dataset's attribute. */
int cm_check_attr(hid_t dset, uint64_t sum);

/* Collective on comm: the checksum of a new dataset of `total` elements of
 * esize bytes, of which this rank writes n pieces (piece i: count[i]
 * elements from element start[i], increasing; the pieces lie one after
 * another in data), written as the dataset's attribute by every rank.
 * Blocks split between ranks go to rank 0 (a few KiB a piece). */
int cm_check_write(MPI_Comm comm, hid_t dset, size_t esize, uint64_t total, size_t n, const uint64_t *start,
                   const uint64_t *count, const void *data);

/* The datasets a rank reads, and its part of their checksums. */
typedef struct cm_check cm_check;
/* Not collective: an empty set; and its end without a verdict (NULL is
 * fine). */
int cm_check_new(cm_check **ck);
void cm_check_free(cm_check *ck);
/* Not collective: data holds elements [start, start + count) of dataset d
 * (read with memory type mtype), of which this rank vouches for the first
 * own: the blocks that begin among those bytes are hashed (the rest of the
 * last block is read from d). The ranks' own elements must cover each
 * dataset once. */
int cm_check_add(cm_check *ck, hid_t d, hid_t mtype, uint64_t start, uint64_t count, uint64_t own,
                 const void *data);
/* Collective on comm (every rank added the same datasets, in the same
 * order): compares each dataset's summed checksum with its attribute;
 * fails on every rank, naming the first dataset that differs, when one does
 * (file: the file's path, for the message). Frees ck (NULL is fine). */
int cm_check_finish(MPI_Comm comm, cm_check *ck, const char *file);

/* Collective on comm: verifies every dataset of the open file, each rank
 * reading a share of each. Fails naming the first dataset that differs or
 * has no checksum. */
int cm_check_file(MPI_Comm comm, hid_t file, const char *path);

#endif
