#include "cm_dict.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cm_error.h"
#include "cm_shuffle.h"

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
 * probe a row replaces sorting every row. */
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

/* Not collective: local ids of vals into codes, this rank's distinct values
 * (u32 length, bytes) into mine. */
static int local_ids(const cm_strcol *vals, distinct *d, cm_buf *codes, cm_buf *mine) {
  size_t n = cm_strcol_count(vals);
  codes->len = 0; /* local ids first, global codes later */
  CM_TRY(cm_buf_reserve(codes, n * 4));
  for (size_t i = 0; i < n; i++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(vals, i, &l);
    uint32_t id = 0;
    CM_TRY(distinct_id(d, p, l, &id));
    CM_TRY(cm_buf_push_u32(codes, id));
  }
  for (size_t i = 0; i < d->n; i++) {
    CM_TRY(cm_buf_push_u32(mine, (uint32_t)d->v[i].n));
    CM_TRY(cm_buf_append(mine, d->v[i].p, d->v[i].n));
  }
  return CM_OK;
}

/* Not collective: the dictionary from every rank's distinct values (all),
 * and the local ids in codes turned into its codes. */
static int global_codes(const cm_buf *all, const distinct *d, cm_strcol *dict, cm_buf *codes) {
  size_t cnt = 0, cap = 16;
  sv *g = malloc(cap * sizeof *g);
  CM_ALLOC(g, cap * sizeof *g);
  for (size_t off = 0; off < all->len;) {
    uint32_t l;
    memcpy(&l, all->data + off, 4);
    if (cnt == cap) {
      sv *ng = realloc(g, 2 * cap * sizeof *g);
      if (!ng) free(g);
      CM_ALLOC(ng, 2 * cap * sizeof *g);
      g = ng, cap *= 2;
    }
    g[cnt++] = (sv){all->data + off + 4, l};
    off += 4 + l;
  }
  cnt = sort_unique(g, cnt);
  int rc = cm_strcol_init(dict);
  for (size_t i = 0; i < cnt && rc == CM_OK; i++)
    rc = cm_strcol_push(dict, g[i].p, g[i].n);
  /* local id -> global code, one search per distinct value */
  uint32_t *code_of = malloc((d->n + 1) * sizeof *code_of);
  if (rc == CM_OK && !code_of) rc = CM_FAIL("out of memory");
  for (size_t i = 0; i < d->n && rc == CM_OK; i++)
    code_of[i] = (uint32_t)((sv *)bsearch(&d->v[i], g, cnt, sizeof *g, sv_cmp) - g);
  size_t n = CM_BUF_COUNT(codes, uint32_t);
  for (size_t i = 0; i < n && rc == CM_OK; i++)
    CM_BUF_AT(codes, uint32_t, i) = code_of[CM_BUF_AT(codes, uint32_t, i)];
  free(code_of);
  free(g);
  return rc;
}

int cm_dict_encode(MPI_Comm comm, const cm_strcol *vals, cm_strcol *dict, cm_buf *codes) {
  distinct d = {0};
  cm_buf mine = {0}, all = {0}; /* serialized: u32 length, bytes */
  int rc = cm_agree(comm, local_ids(vals, &d, codes, &mine));
  if (rc == CM_OK) rc = cm_allgather_bytes(comm, &mine, &all);
  if (rc == CM_OK) rc = cm_agree(comm, global_codes(&all, &d, dict, codes));
  cm_buf_free(&mine);
  cm_buf_free(&all);
  free(d.v);
  free(d.slot);
  return rc;
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
