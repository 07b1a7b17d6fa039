/* Deterministic randomness for the generator: one splitmix64 stream per
 * (seed, corpus, record index), so any record can be produced on any rank in
 * any order and the files come out the same whatever the rank count. */
#ifndef CM_RNG_H
#define CM_RNG_H

#include <stdint.h>
#include <xxhash.h>

typedef struct {
  uint64_t s;
} cm_rng;

static inline cm_rng cm_rng_for(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t v[3] = {seed, stream, index};
  return (cm_rng){XXH3_64bits(v, sizeof v)};
}

static inline uint64_t cm_rng_u64(cm_rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline double cm_rng_unif(cm_rng *r) { return (double)(cm_rng_u64(r) >> 11) * 0x1.0p-53; }
static inline uint64_t cm_rng_below(cm_rng *r, uint64_t n) { return n ? cm_rng_u64(r) % n : 0; }

#endif
