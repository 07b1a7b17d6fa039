/* core/cm_dict, run on 1-4 ranks: the dictionary is the byte-wise sorted
 * set of every rank's values, the same on every rank (also a rank with no
 * values); each code names its value; cm_dict_find finds present values and
 * says UINT32_MAX for absent ones. */
#include <mpi.h>
#include <string.h>

#include "cm_dict.h"
#include "cm_error.h"
#include "unit.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int me, P;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  static const char *const V[] = {"US", "CN", "", "GB", "CN", "JP\0x", "DE"};
  cm_strcol vals, dict;
  cm_buf codes = {0};
  cm_strcol_init(&vals);
  if (me != 1) /* rank 1 holds no values */
    for (int i = me % 3; i < 7; i++)
      cm_strcol_push(&vals, V[i], i == 5 ? 4 : strlen(V[i]));
  CHECK(cm_dict_encode(MPI_COMM_WORLD, &vals, &dict, &codes) == CM_OK);
  size_t n = cm_strcol_count(&dict);
  for (size_t i = 1; i < n; i++) { /* sorted and distinct */
    size_t la, lb;
    const uint8_t *a = cm_strcol_get(&dict, i - 1, &la), *b = cm_strcol_get(&dict, i, &lb);
    int c = memcmp(a, b, la < lb ? la : lb);
    CHECK(c < 0 || (c == 0 && la < lb));
  }
  for (size_t i = 0; i < cm_strcol_count(&vals); i++) { /* each code names its value */
    size_t lv, ld;
    const uint8_t *v = cm_strcol_get(&vals, i, &lv);
    uint32_t code = CM_BUF_AT(&codes, uint32_t, i);
    CHECK(code < n);
    const uint8_t *d = cm_strcol_get(&dict, code, &ld);
    CHECK(lv == ld && memcmp(v, d, lv) == 0);
  }
  /* the same dictionary everywhere: its byte count and hash agree */
  uint64_t mine[2] = {dict.bytes.len, n}, lo[2], hi[2];
  MPI_Allreduce(mine, lo, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(mine, hi, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  CHECK(lo[0] == hi[0] && lo[1] == hi[1]);
  CHECK(cm_dict_find(&dict, "CN") != UINT32_MAX && cm_dict_find(&dict, "FR") == UINT32_MAX);
  cm_strcol_free(&vals);
  cm_strcol_free(&dict);
  cm_buf_free(&codes);
  int bad = unit_failures, any = 0;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (!any && me == 0) printf("unit_dict: all checks passed\n");
  MPI_Finalize();
  return any != 0;
}
