#include "cm_bloom.h"

#include <stdlib.h>
#include <string.h>

#include "cm_error.h"

#define PROBES 4
#define MIN_BITS (1ull << 16) /* >= one 512-bit block; at most 2^36 bits: 27 bits of block index */
/* MPI counts are int: the union goes in pieces of at most this many words */
#define UNION_WORDS (1ull << 24)

int cm_bloom_init(MPI_Comm comm, cm_bloom *b, uint64_t my_keys) {
  uint64_t all = 0;
  CM_MPI(MPI_Allreduce(&my_keys, &all, 1, MPI_UINT64_T, MPI_SUM, comm));
  uint64_t nbits = MIN_BITS;
  while (nbits < 8 * all && nbits < (1ull << 36))
    nbits *= 2;
  b->mask = nbits - 1;
  b->bits = aligned_alloc(64, nbits / 8); /* blocks are cache lines */
  if (b->bits) memset(b->bits, 0, nbits / 8);
  int rc = b->bits ? CM_OK
                   : CM_FAIL("out of memory for a %llu MiB join filter; run with more memory per rank",
                             (unsigned long long)(nbits >> 23));
  rc = cm_agree(comm, rc); /* the union that follows is collective */
  if (rc != CM_OK) cm_bloom_free(b);
  return rc;
}

/* Blocked: the PROBES bits of a key lie in one 512-bit block (a cache
 * line), chosen by key bits 9 and up; the bits inside come from bits 28-63
 * (9 each). The two overlap only in filters over 2^28 bits (32 MiB), where
 * that raises the false-positive rate a little. A query costs one cache
 * miss instead of up to PROBES: a report-scale filter is larger than the
 * caches, and every window of every NPL string asks it. The false-positive
 * rate stays near the unblocked one's, and false positives only add
 * volume, never wrong links. */
static uint64_t *block_of(const cm_bloom *b, uint64_t key) { return b->bits + (((key & b->mask) >> 9) << 3); }

/* Probe j of a key: its bit inside the block. */
static unsigned bit_in_block(uint64_t key, int j) { return (unsigned)(key >> (28 + 9 * j)) & 511; }

void cm_bloom_add(cm_bloom *b, uint64_t key) {
  uint64_t *w = block_of(b, key);
  for (int j = 0; j < PROBES; j++) {
    unsigned k = bit_in_block(key, j);
    w[k >> 6] |= 1ull << (k & 63);
  }
}

int cm_bloom_has(const cm_bloom *b, uint64_t key) {
  const uint64_t *w = block_of(b, key);
  for (int j = 0; j < PROBES; j++) {
    unsigned k = bit_in_block(key, j);
    if (!(w[k >> 6] & (1ull << (k & 63)))) return 0;
  }
  return 1;
}

void cm_bloom_prefetch(const cm_bloom *b, uint64_t key) { __builtin_prefetch(block_of(b, key)); }

int cm_bloom_union(MPI_Comm comm, cm_bloom *b) {
  uint64_t words = (b->mask + 1) / 64;
  for (uint64_t at = 0; at < words; at += UNION_WORDS) {
    uint64_t n = words - at < UNION_WORDS ? words - at : UNION_WORDS;
    CM_MPI(MPI_Allreduce(MPI_IN_PLACE, b->bits + at, (int)n, MPI_UINT64_T, MPI_BOR, comm));
  }
  return CM_OK;
}

void cm_bloom_free(cm_bloom *b) {
  free(b->bits);
  b->bits = NULL;
}
