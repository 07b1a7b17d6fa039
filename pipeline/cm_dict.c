#include "cm_dict.h"

#include <stdlib.h>
#include <string.h>

#include "cm_error.h"

typedef struct {
  const uint8_t *p;
  size_t n;
} sv;

static int sv_cmp(const void *a, const void *b) {
  const sv *x = a, *y = b;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->p, y->p, m);
  if (c) return c;
  return (x->n > y->n) - (x->n < y->n);
}

/* Sorted distinct views of a set of values. */
static size_t sort_unique(sv *v, size_t n) {
  if (n == 0) return 0;
  qsort(v, n, sizeof *v, sv_cmp);
  size_t w = 1;
  for (size_t i = 1; i < n; i++)
    if (sv_cmp(&v[w - 1], &v[i]) != 0) v[w++] = v[i];
  return w;
}

int cm_dict_encode(MPI_Comm comm, const cm_strcol *vals, cm_strcol *dict, cm_buf *codes) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  size_t n = cm_strcol_count(vals);
  sv *v = malloc((n ? n : 1) * sizeof *v);
  CM_ALLOC(v, n * sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i].p = cm_strcol_get(vals, i, &v[i].n);
  size_t u = sort_unique(v, n);
  cm_buf mine = {0}; /* serialized: u32 length, bytes */
  for (size_t i = 0; i < u; i++) {
    CM_TRY(cm_buf_push_u32(&mine, (uint32_t)v[i].n));
    CM_TRY(cm_buf_append(&mine, v[i].p, v[i].n));
  }
  free(v);
  int len = (int)mine.len, *lens = malloc((size_t)P * sizeof(int)), *displs = malloc((size_t)P * sizeof(int));
  CM_ALLOC(lens, (size_t)P * sizeof(int));
  CM_ALLOC(displs, (size_t)P * sizeof(int));
  CM_MPI(MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, comm));
  int total = 0;
  for (int r = 0; r < P; r++)
    displs[r] = total, total += lens[r];
  cm_buf all = {0};
  CM_TRY(cm_buf_reserve(&all, (size_t)total + 1));
  CM_MPI(MPI_Allgatherv(mine.data, len, MPI_BYTE, all.data, lens, displs, MPI_BYTE, comm));
  cm_buf_free(&mine);
  free(lens);
  free(displs);
  size_t cnt = 0, cap = 16;
  sv *g = malloc(cap * sizeof *g);
  CM_ALLOC(g, cap * sizeof *g);
  for (size_t off = 0; off < (size_t)total;) {
    uint32_t l;
    memcpy(&l, all.data + off, 4);
    if (cnt == cap) {
      cap *= 2;
      sv *ng = realloc(g, cap * sizeof *g);
      CM_ALLOC(ng, cap * sizeof *g);
      g = ng;
    }
    g[cnt++] = (sv){all.data + off + 4, l};
    off += 4 + l;
  }
  cnt = sort_unique(g, cnt);
  CM_TRY(cm_strcol_init(dict));
  for (size_t i = 0; i < cnt; i++)
    CM_TRY(cm_strcol_push(dict, g[i].p, g[i].n));
  codes->len = 0;
  for (size_t i = 0; i < n; i++) {
    sv key;
    key.p = cm_strcol_get(vals, i, &key.n);
    sv *hit = bsearch(&key, g, cnt, sizeof *g, sv_cmp);
    CM_TRY(cm_buf_push_u32(codes, (uint32_t)(hit - g)));
  }
  free(g);
  cm_buf_free(&all);
  return CM_OK;
}
