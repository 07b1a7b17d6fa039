/* A Bloom filter shared by all ranks: each rank adds its keys, one
 * MPI_Allreduce(BOR) makes every rank's filter the union. Used to drop, on
 * the rank that holds them, records that cannot meet a partner in a join
 * (an NPL window whose key no work title has), before they are shuffled:
 * a filter has no false negatives, so the join's result is unchanged and
 * only its volume shrinks. Keys are 64-bit hashes of good quality (XXH3). */
#ifndef CM_BLOOM_H
#define CM_BLOOM_H

#include <mpi.h>
#include <stdint.h>

typedef struct {
  uint64_t *bits;
  uint64_t mask; /* number of bits - 1 (a power of two) */
} cm_bloom;

/* Collective on comm: sizes the filter for `my_keys` keys on this rank (the
 * sum over ranks decides, about 8-16 bits a key, so ~1 % false positives);
 * every rank gets the same size. */
int cm_bloom_init(MPI_Comm comm, cm_bloom *b, uint64_t my_keys);
/* Not collective. */
void cm_bloom_add(cm_bloom *b, uint64_t key);
int cm_bloom_has(const cm_bloom *b, uint64_t key);
/* Starts loading the memory cm_bloom_has(b, key) will read: a caller with
 * many keys at hand prefetches them all, then asks (the misses overlap). */
void cm_bloom_prefetch(const cm_bloom *b, uint64_t key);
/* Collective on comm: every rank's filter becomes the union of all. */
int cm_bloom_union(MPI_Comm comm, cm_bloom *b);
void cm_bloom_free(cm_bloom *b);

#endif
