#include "cm_dict.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

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

/* Distinct values of a column in an open-addressing hash table: the
 * columns have a handful of distinct values in millions of rows, so one
 * probe a row replaces sorting every row (perf: 5 % of ingest). */
typedef struct {
  sv *v;          /* distinct values, in first-seen order */
  uint32_t *slot; /* table of 1 + index into v; 0 = empty */
  size_t n, cap, slots;
} distinct;

static int distinct_grow(distinct *d) {
  size_t slots = d->slots ? d->slots * 2 : 64;
  uint32_t *t = calloc(slots, sizeof *t);
  CM_ALLOC(t, slots * sizeof *t);
  for (size_t i = 0; i < d->n; i++) {
    size_t h = (size_t)XXH3_64bits(d->v[i].p, d->v[i].n) & (slots - 1);
    while (t[h])
      h = (h + 1) & (slots - 1);
    t[h] = (uint32_t)i + 1;
  }
  free(d->slot);
  d->slot = t;
  d->slots = slots;
  return CM_OK;
}

/* Index of value (p, n) in d->v, added when new. */
static int distinct_id(distinct *d, const uint8_t *p, size_t n, uint32_t *id) {
  if (2 * (d->n + 1) > d->slots) CM_TRY(distinct_grow(d));
  size_t h = (size_t)XXH3_64bits(p, n) & (d->slots - 1);
  sv key = {p, n};
  for (; d->slot[h]; h = (h + 1) & (d->slots - 1))
    if (sv_cmp(&d->v[d->slot[h] - 1], &key) == 0) {
      *id = d->slot[h] - 1;
      return CM_OK;
    }
  if (d->n == d->cap) {
    d->cap = d->cap ? 2 * d->cap : 16;
    sv *nv = realloc(d->v, d->cap * sizeof *nv);
    CM_ALLOC(nv, d->cap * sizeof *nv);
    d->v = nv;
  }
  d->v[d->n] = key;
  d->slot[h] = (uint32_t)d->n + 1;
  *id = (uint32_t)d->n++;
  return CM_OK;
}

int cm_dict_encode(MPI_Comm comm, const cm_strcol *vals, cm_strcol *dict, cm_buf *codes) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  size_t n = cm_strcol_count(vals);
  distinct d = {0};
  codes->len = 0; /* local ids first, global codes below */
  CM_TRY(cm_buf_reserve(codes, n * 4));
  for (size_t i = 0; i < n; i++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(vals, i, &l);
    uint32_t id = 0;
    CM_TRY(distinct_id(&d, p, l, &id));
    CM_TRY(cm_buf_push_u32(codes, id));
  }
  cm_buf mine = {0}; /* serialized: u32 length, bytes */
  for (size_t i = 0; i < d.n; i++) {
    CM_TRY(cm_buf_push_u32(&mine, (uint32_t)d.v[i].n));
    CM_TRY(cm_buf_append(&mine, d.v[i].p, d.v[i].n));
  }
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
  /* local id -> global code, one search per distinct value */
  uint32_t *code_of = malloc((d.n + 1) * sizeof *code_of);
  CM_ALLOC(code_of, (d.n + 1) * sizeof *code_of);
  for (size_t i = 0; i < d.n; i++)
    code_of[i] = (uint32_t)((sv *)bsearch(&d.v[i], g, cnt, sizeof *g, sv_cmp) - g);
  for (size_t i = 0; i < n; i++)
    CM_BUF_AT(codes, uint32_t, i) = code_of[CM_BUF_AT(codes, uint32_t, i)];
  free(code_of);
  free(d.v);
  free(d.slot);
  free(g);
  cm_buf_free(&all);
  return CM_OK;
}

uint32_t cm_dict_find(const cm_strcol *dict, const char *value) {
  size_t n = cm_strcol_count(dict), len = strlen(value);
  for (size_t i = 0; i < n; i++) { /* a handful of entries: no search structure */
    size_t l;
    const uint8_t *p = cm_strcol_get(dict, i, &l);
    if (l == len && memcmp(p, value, l) == 0) return (uint32_t)i;
  }
  return UINT32_MAX;
}
