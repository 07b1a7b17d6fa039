/* core/cm_bloom, run on 1-4 ranks: after the union every rank's filter
 * holds every key any rank added (no false negatives, the property the
 * title join relies on), and keys nobody added are mostly absent (the
 * false-positive rate stays near its design, well under 5 %). */
#include <mpi.h>
#include <xxhash.h>

#include "cm_bloom.h"
#include "cm_error.h"
#include "unit.h"

static uint64_t key(uint64_t i) { return XXH3_64bits(&i, sizeof i); }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int me, P;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  const uint64_t n = 20000; /* keys per rank; rank 0 adds none */
  cm_bloom b;
  CHECK(cm_bloom_init(MPI_COMM_WORLD, &b, me == 0 && P > 1 ? 0 : n) == CM_OK);
  if (!(me == 0 && P > 1))
    for (uint64_t i = 0; i < n; i++)
      cm_bloom_add(&b, key((uint64_t)me << 32 | i));
  CHECK(cm_bloom_union(MPI_COMM_WORLD, &b) == CM_OK);
  uint64_t missing = 0, false_pos = 0;
  for (int r = P > 1 ? 1 : 0; r < P; r++)
    for (uint64_t i = 0; i < n; i++)
      missing += !cm_bloom_has(&b, key((uint64_t)r << 32 | i));
  for (uint64_t i = 0; i < n; i++)
    false_pos += cm_bloom_has(&b, key((uint64_t)1000 << 32 | i));
  CHECK(missing == 0);
  CHECK(false_pos < n / 20);
  cm_bloom_free(&b);
  int bad = unit_failures, any = 0;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (!any && me == 0)
    printf("unit_bloom: all checks passed (%llu false positives in %llu)\n", (unsigned long long)false_pos,
           (unsigned long long)n);
  MPI_Finalize();
  return any != 0;
}
