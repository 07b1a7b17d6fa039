#include "cm_bloom.h"

#include <stdlib.h>

#include "cm_error.h"

#define PROBES 4
#define MIN_BITS (1ull << 16)
/* MPI counts are int: the union goes in pieces of at most this many words */
#define UNION_WORDS (1ull << 24)

int cm_bloom_init(MPI_Comm comm, cm_bloom *b, uint64_t my_keys) {
  uint64_t all = 0;
  CM_MPI(MPI_Allreduce(&my_keys, &all, 1, MPI_UINT64_T, MPI_SUM, comm));
  uint64_t nbits = MIN_BITS;
  while (nbits < 8 * all && nbits < (1ull << 36))
    nbits *= 2;
  b->mask = nbits - 1;
  b->bits = calloc(nbits / 64, 8);
  int ok = b->bits != NULL; /* agreed: the union that follows is collective */
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  if (!ok) {
    cm_bloom_free(b);
    return CM_FAIL("out of memory for a %llu MiB join filter on some rank; run with more memory "
                   "per rank",
                   (unsigned long long)(nbits >> 23));
  }
  return CM_OK;
}

/* Kirsch-Mitzenmacher: probe j at a + j*b, from the key's two halves. */
void cm_bloom_add(cm_bloom *b, uint64_t key) {
  uint64_t x = key, step = (key >> 32) | 1;
  for (int j = 0; j < PROBES; j++, x += step)
    b->bits[(x & b->mask) >> 6] |= 1ull << (x & 63);
}

int cm_bloom_has(const cm_bloom *b, uint64_t key) {
  uint64_t x = key, step = (key >> 32) | 1;
  for (int j = 0; j < PROBES; j++, x += step)
    if (!(b->bits[(x & b->mask) >> 6] & (1ull << (x & 63)))) return 0;
  return 1;
}

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
