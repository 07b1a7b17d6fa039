#include "cm_sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"

#define DIGIT_BITS 11
#define DIGITS 3 /* 33 bits: the top ones that differ (see cm_sort_by_u64) */
#define BUCKETS (1u << DIGIT_BITS)
/* Below this, qsort is as fast and needs no extra memory. */
#define SMALL 256

typedef struct {
  uint64_t key, index;
} keyed;

/* LSD radix sort of a[0..n) by the DIGITS digits of key from bit `low` up
 * (stable), using b as scratch; returns whichever of a and b holds the
 * result, or NULL when out of memory. */
static keyed *radix(keyed *a, keyed *b, size_t n, unsigned low) {
  static const unsigned shift[DIGITS] = {0, 11, 22};
  size_t(*count)[BUCKETS] = calloc(DIGITS, sizeof *count);
  if (!count) return NULL;
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < DIGITS; d++)
      count[d][(a[i].key >> (low + shift[d])) & (BUCKETS - 1)]++;
  for (int d = 0; d < DIGITS; d++) {
    size_t sum = 0, *c = count[d];
    int constant = 0;
    for (unsigned k = 0; k < BUCKETS; k++) {
      constant |= c[k] == n;
      size_t t = c[k];
      c[k] = sum;
      sum += t;
    }
    if (constant) continue; /* every key has this digit: nothing to do */
    for (size_t i = 0; i < n; i++)
      b[c[(a[i].key >> (low + shift[d])) & (BUCKETS - 1)]++] = a[i];
    keyed *t = a;
    a = b;
    b = t;
  }
  free(count);
  return a;
}

/* Puts record perm[j] at place j: gathered into a copy (sequential writes,
 * prefetched reads) and copied back; when the copy cannot be had, in place
 * by following the permutation's cycles (slower: every move is a cache
 * miss). perm's indexes are destroyed, its keys kept. Returns 0, or 1 when
 * nothing could be done. */
static int permute(uint8_t *items, size_t size, keyed *perm, size_t n) {
  uint8_t *out = malloc(n * size);
  if (out) {
    for (size_t j = 0; j < n; j++) {
      if (j + 8 < n) __builtin_prefetch(items + perm[j + 8].index * size);
      memcpy(out + j * size, items + perm[j].index * size, size);
    }
    memcpy(items, out, n * size);
    free(out);
    return 0;
  }
  uint8_t *tmp = malloc(size);
  if (!tmp) return 1;
  for (size_t s = 0; s < n; s++) {
    if (perm[s].index == s) continue;
    memcpy(tmp, items + s * size, size);
    size_t j = s;
    while (perm[j].index != s) {
      size_t from = perm[j].index;
      memcpy(items + j * size, items + from * size, size);
      perm[j].index = j;
      j = from;
    }
    memcpy(items + j * size, tmp, size);
    perm[j].index = j;
  }
  free(tmp);
  return 0;
}

/* Sorts one run of records tied on the radix bits. Most runs are a few
 * records, where qsort's call and setup cost more than the work: those get
 * an insertion sort. Long runs
 * often arrive in order already (LSD radix is stable and inboxes come in
 * rank order, which is row order): one pass of cmp checks that before qsort.
 * tmp holds one record. */
static void sort_run(uint8_t *a, size_t k, size_t size, int (*cmp)(const void *, const void *),
                     uint8_t *tmp) {
  if (k <= 8) {
    for (size_t i = 1; i < k; i++) {
      if (cmp(a + (i - 1) * size, a + i * size) <= 0) continue;
      memcpy(tmp, a + i * size, size);
      size_t j = i;
      do {
        j--;
      } while (j > 0 && cmp(a + (j - 1) * size, tmp) > 0);
      memmove(a + (j + 1) * size, a + j * size, (i - j) * size);
      memcpy(a + j * size, tmp, size);
    }
    return;
  }
  for (size_t i = 1; i < k; i++)
    if (cmp(a + (i - 1) * size, a + i * size) > 0) {
      qsort(a, k, size, cmp);
      return;
    }
}

static uint64_t key_at(const uint8_t *it, size_t size, size_t key_offset, size_t i) {
  uint64_t k;
  memcpy(&k, it + i * size + key_offset, 8);
  return k;
}

int cm_sort_by_u64(void *items, size_t n, size_t size, size_t key_offset,
                   int (*cmp)(const void *, const void *)) {
  if (n < SMALL) {
    if (n > 1) qsort(items, n, size, cmp);
    return CM_OK;
  }
  uint8_t *it = items;
  keyed *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  uint8_t *tmp = malloc(size); /* one record, for sort_run */
  if (!a || !b || !tmp) goto out_of_memory;
  /* One pass over the records: keys out, and which bits differ. */
  uint64_t k0 = key_at(it, size, key_offset, 0), diff = 0;
  for (size_t i = 0; i < n; i++) {
    a[i].key = key_at(it, size, key_offset, i);
    a[i].index = i;
    diff |= a[i].key ^ k0;
  }
  if (diff == 0) { /* one key: cmp decides everything */
    free(a);
    free(b);
    free(tmp);
    qsort(it, n, size, cmp);
    return CM_OK;
  }
  /* Radix-sort only the 33 bits from the highest one that differs down:
   * all of a row number, the top 33 bits of a hash (3 passes instead of 6;
   * hashes tied on them are few, and cmp orders those). */
  int top = 63 - __builtin_clzll(diff);
  unsigned low = top >= DIGITS * DIGIT_BITS ? (unsigned)(top + 1 - DIGITS * DIGIT_BITS) : 0;
  keyed *sorted = radix(a, b, n, low);
  if (!sorted) goto out_of_memory;
  free(sorted == a ? b : a); /* the scratch half goes before permute's copy */
  a = sorted, b = NULL;
  if (permute(it, size, sorted, n)) goto out_of_memory;
  /* ties on the sorted bits: cmp decides, run by run (the runs are read off
   * the sorted keys, which permute leaves in place) */
  for (size_t s = 0; s < n;) {
    uint64_t k = sorted[s].key >> low;
    size_t e = s + 1;
    while (e < n && sorted[e].key >> low == k)
      e++;
    if (e - s > 1) sort_run(it + s * size, e - s, size, cmp, tmp);
    s = e;
  }
  free(sorted);
  free(tmp);
  return CM_OK;
out_of_memory:
  free(a);
  free(b);
  free(tmp);
  return CM_FAIL("out of memory sorting %zu records of %zu bytes", n, size);
}
