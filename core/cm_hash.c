/* The hashes of citemill (cm_hash.h). This file alone differs in the
 * citemill_weakhash test build (CM_WEAK_HASH): every other object is shared. */
#include "cm_hash.h"

#include <xxhash.h>

#include "cm_error.h"

uint64_t cm_hash(const void *p, size_t n) {
#ifdef CM_WEAK_HASH /* test build: force collisions between different keys */
  return XXH3_64bits(p, n) & 3;
#else
  return XXH3_64bits(p, n);
#endif
}
uint64_t cm_hash2(const void *p, size_t n) { return XXH3_64bits_withSeed(p, n, 0x5EED); }
cm_key128 cm_key128_of(const void *p, size_t n) { return (cm_key128){cm_hash(p, n), cm_hash2(p, n)}; }
int cm_key128_push(cm_buf *b, cm_key128 k) {
  CM_TRY(cm_buf_push_u64(b, k.h));
  return cm_buf_push_u64(b, k.h2);
}
int cm_owner(uint64_t hash, int nranks) { return (int)(hash % (uint64_t)nranks); }
