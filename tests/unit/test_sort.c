/* cm_sort_by_u64 against qsort: random records with few distinct keys (long
 * runs of ties decided by the comparator), runs of 2-8 ties (insertion sort),
 * runs that arrive in order or with one pair swapped (the in-order check
 * before qsort), all-equal keys, keys that differ only in the top digit, and
 * sizes around the small-input cutoff. Any difference in the order fails the
 * test. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_rng.h"
#include "cm_sort.h"

typedef struct {
  uint32_t pad;
  uint64_t key; /* not at offset 0 on purpose */
  uint64_t tie;
  char name[13];
} rec;

static int rec_cmp(const void *a, const void *b) {
  const rec *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->tie != y->tie) return x->tie < y->tie ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* rec_cmp without the key: the order inside a run of equal keys */
static int tie_cmp(const void *a, const void *b) {
  const rec *x = a, *y = b;
  if (x->tie != y->tie) return x->tie < y->tie ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* order: 0 random input; 1 input already in tie order (every run arrives
 * sorted); 2 the same with two records of one run swapped */
static int check(size_t n, uint64_t key_mask, uint64_t top, uint64_t seed, int order) {
  rec *a = calloc(n + 1, sizeof *a), *b = calloc(n + 1, sizeof *b);
  cm_rng r = cm_rng_for(seed, 0, 0);
  for (size_t i = 0; i < n; i++) {
    a[i].key = (cm_rng_u64(&r) & key_mask) | top * (cm_rng_u64(&r) & 1) << 60;
    a[i].tie = cm_rng_u64(&r) % 7;
    snprintf(a[i].name, sizeof a[i].name, "%llu", (unsigned long long)(cm_rng_u64(&r) % 100000));
  }
  if (order && n) qsort(a, n, sizeof *a, tie_cmp);
  if (order == 2 && n > 1) { /* the last record of a's run swaps with a later one of the same key */
    size_t i = n / 2, j = n;
    while (j-- > i + 1 && a[j].key != a[i].key) {
    }
    rec t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  memcpy(b, a, n * sizeof *a);
  qsort(a, n, sizeof *a, rec_cmp);
  int rc = cm_sort_by_u64(b, n, sizeof *b, offsetof(rec, key), rec_cmp);
  int bad = rc != 0 || (n && memcmp(a, b, n * sizeof *a) != 0);
  if (bad)
    fprintf(stderr, "FAIL: n=%zu mask=%llx top=%llu order=%d\n", n, (unsigned long long)key_mask,
            (unsigned long long)top, order);
  free(a);
  free(b);
  return bad;
}

int main(void) {
  int fails = 0;
  size_t sizes[] = {0, 1, 2, 255, 256, 257, 1000, 100000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    fails += check(sizes[i], ~0ull, 0, i + 1, 0);   /* distinct keys */
    fails += check(sizes[i], 15, 0, i + 11, 0);     /* long runs of ties */
    fails += check(sizes[i], 15, 0, i + 12, 1);     /* long runs, in order */
    fails += check(sizes[i], 15, 0, i + 13, 2);     /* long runs, two records swapped */
    fails += check(sizes[i], 0x3FFF, 0, i + 14, 0); /* short runs at 100000 */
    fails += check(sizes[i], 0x3FFF, 0, i + 15, 2);
    fails += check(sizes[i], 0, 0, i + 21, 0); /* one key */
    fails += check(sizes[i], 0, 1, i + 31, 0); /* only the top digit differs */
    fails += check(sizes[i], 0xFFFF, 1, i + 41, 0);
  }
  if (fails) return 1;
  printf("cm_sort_by_u64 matches qsort on %zu cases\n", 9 * sizeof sizes / sizeof *sizes);
  return 0;
}
