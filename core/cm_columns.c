#include "cm_columns.h"

#include <string.h>

#include "cm_error.h"

int cm_strcol_init(cm_strcol *c) {
  memset(c, 0, sizeof *c);
  return cm_buf_push_u64(&c->off, 0);
}

int cm_strcol_push(cm_strcol *c, const void *p, size_t n) {
  CM_TRY(cm_buf_append(&c->bytes, p, n));
  return cm_buf_push_u64(&c->off, c->bytes.len);
}

int cm_strcol_extend(cm_strcol *c, const void *p, size_t n) { return cm_buf_append(&c->bytes, p, n); }

int cm_strcol_end(cm_strcol *c) { return cm_buf_push_u64(&c->off, c->bytes.len); }

size_t cm_strcol_count(const cm_strcol *c) { return CM_BUF_COUNT(&c->off, uint64_t) - 1; }

const uint8_t *cm_strcol_get(const cm_strcol *c, size_t i, size_t *len) {
  const uint64_t *o = (const uint64_t *)c->off.data;
  *len = (size_t)(o[i + 1] - o[i]);
  /* never NULL, so callers may memcmp/memcpy empty values */
  return c->bytes.data ? c->bytes.data + o[i] : (const uint8_t *)"";
}

void cm_strcol_free(cm_strcol *c) {
  cm_buf_free(&c->off);
  cm_buf_free(&c->bytes);
}

int cm_listcol_init(cm_listcol *c) {
  memset(c, 0, sizeof *c);
  CM_TRY(cm_strcol_init(&c->items));
  return cm_buf_push_u64(&c->index, 0);
}

int cm_listcol_add(cm_listcol *c, const void *p, size_t n) { return cm_strcol_push(&c->items, p, n); }

int cm_listcol_end_row(cm_listcol *c) { return cm_buf_push_u64(&c->index, cm_strcol_count(&c->items)); }

size_t cm_listcol_count(const cm_listcol *c) { return CM_BUF_COUNT(&c->index, uint64_t) - 1; }

void cm_listcol_row(const cm_listcol *c, size_t i, size_t *first, size_t *count) {
  const uint64_t *x = (const uint64_t *)c->index.data;
  *first = (size_t)x[i];
  *count = (size_t)(x[i + 1] - x[i]);
}

void cm_listcol_free(cm_listcol *c) {
  cm_buf_free(&c->index);
  cm_strcol_free(&c->items);
}

void cm_fixed_compact(cm_buf *b, size_t elem, const uint8_t *keep) {
  size_t n = b->len / elem, w = 0;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i]) continue;
    if (w != i) memmove(b->data + w * elem, b->data + i * elem, elem);
    w++;
  }
  b->len = w * elem;
}

void cm_strcol_compact(cm_strcol *c, const uint8_t *keep) {
  uint64_t *o = (uint64_t *)c->off.data;
  size_t n = cm_strcol_count(c), w = 0;
  uint64_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    /* o[i] is read before o[w] (w <= i) is overwritten; o[i + 1] is intact. */
    uint64_t a = o[i], b = o[i + 1];
    if (keep[i]) {
      if (pos != a) memmove(c->bytes.data + pos, c->bytes.data + a, b - a);
      o[w] = pos;
      pos += b - a;
      w++;
    }
  }
  o[w] = pos;
  c->off.len = (w + 1) * sizeof(uint64_t);
  c->bytes.len = pos;
}

int cm_listcol_compact(cm_listcol *c, const uint8_t *keep) {
  size_t n = cm_listcol_count(c), nitems = cm_strcol_count(&c->items);
  const uint64_t *x = (const uint64_t *)c->index.data;
  /* Expand the row mask to an item mask, then compact both levels. */
  cm_buf mask = {0};
  CM_TRY(cm_buf_reserve(&mask, nitems + 1));
  for (size_t i = 0; i < n; i++)
    for (uint64_t k = x[i]; k < x[i + 1]; k++)
      mask.data[k] = keep[i];
  cm_strcol_compact(&c->items, mask.data);
  cm_buf_free(&mask);
  uint64_t *ix = (uint64_t *)c->index.data;
  size_t w = 0;
  uint64_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t cnt = ix[i + 1] - ix[i];
    if (keep[i]) {
      ix[w] = pos;
      pos += cnt;
      w++;
    }
  }
  ix[w] = pos;
  c->index.len = (w + 1) * sizeof(uint64_t);
  return CM_OK;
}

int cm_strcol_append_col(cm_strcol *dst, const cm_strcol *src) {
  size_t n = cm_strcol_count(src);
  for (size_t i = 0; i < n; i++) {
    size_t l;
    const uint8_t *p = cm_strcol_get(src, i, &l);
    CM_TRY(cm_strcol_push(dst, p, l));
  }
  return CM_OK;
}

int cm_listcol_append_col(cm_listcol *dst, const cm_listcol *src) {
  size_t n = cm_listcol_count(src);
  for (size_t i = 0; i < n; i++) {
    size_t first, cnt;
    cm_listcol_row(src, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&src->items, first + j, &l);
      CM_TRY(cm_listcol_add(dst, p, l));
    }
    CM_TRY(cm_listcol_end_row(dst));
  }
  return CM_OK;
}
