/* Hashing: the owner rank of a key, and 128-bit key fingerprints. Owner of a
 * key: cm_owner(cm_hash(key), nranks) = hash % nranks, with XXH3_64bits,
 * seed 0. Not collective. */
#ifndef CM_HASH_H
#define CM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"

uint64_t cm_hash(const void *p, size_t n);
/* A second 64-bit hash of the same bytes, independent of cm_hash and never
 * weakened by the CM_WEAK_HASH test build. Where a job groups keys by
 * (cm_hash, cm_hash2) instead of comparing their bytes, two different keys
 * merge only if both collide (2^-128 a pair): grouping then reads no key
 * bytes, which at report scale are cache misses in a random order. */
uint64_t cm_hash2(const void *p, size_t n);
/* A key's fingerprint: cm_hash first (the owner, and the field a record's
 * cm_sort_by_u64 key offset points at), then cm_hash2. On the wire: 16
 * bytes, h then h2 (cm_key128_push; read back with one memcpy). */
typedef struct {
  uint64_t h, h2;
} cm_key128;
cm_key128 cm_key128_of(const void *p, size_t n);
int cm_key128_push(cm_buf *b, cm_key128 k);
/* Order by h, then h2; 0 means the same key. Inline: sort comparators and
 * grouping loops call it once per record. */
static inline int cm_key128_cmp(cm_key128 a, cm_key128 b) {
  if (a.h != b.h) return a.h < b.h ? -1 : 1;
  return (a.h2 > b.h2) - (a.h2 < b.h2);
}
int cm_owner(uint64_t hash, int nranks);

#endif
