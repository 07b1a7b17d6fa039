/* Growable byte buffer, the one container everything else is built from
 * (columns, shuffle outboxes, line buffers). Not collective. */
#ifndef CM_BUF_H
#define CM_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *data;
  size_t len; /* bytes in use */
  size_t cap; /* bytes allocated */
} cm_buf;

/* Grows the allocation to hold `extra` more bytes (by doubling); the slow
 * path of cm_buf_reserve. */
int cm_buf_grow(cm_buf *b, size_t extra);

/* The pushes are inline: shuffles and columns push hundreds of millions of
 * small values, and a function call each would cost more than the copy. */

/* Ensures room for `extra` more bytes. */
static inline int cm_buf_reserve(cm_buf *b, size_t extra) {
  return b->len + extra <= b->cap ? 0 : cm_buf_grow(b, extra);
}
static inline int cm_buf_append(cm_buf *b, const void *p, size_t n) {
  if (n == 0) return 0;
  int rc = cm_buf_reserve(b, n);
  if (rc) return rc;
  __builtin_memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}
static inline int cm_buf_push_u64(cm_buf *b, uint64_t v) { return cm_buf_append(b, &v, sizeof v); }
static inline int cm_buf_push_i64(cm_buf *b, int64_t v) { return cm_buf_append(b, &v, sizeof v); }
static inline int cm_buf_push_u32(cm_buf *b, uint32_t v) { return cm_buf_append(b, &v, sizeof v); }
static inline int cm_buf_push_u8(cm_buf *b, uint8_t v) { return cm_buf_append(b, &v, sizeof v); }
/* Appends printf-formatted text (any length). */
int cm_buf_printf(cm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cm_buf_free(cm_buf *b);

/* Reading back what was pushed: a cursor over bytes. The caller knows the
 * record layout it wrote; values are copied out (no alignment needed). */
typedef struct {
  const uint8_t *p, *end;
} cm_cursor;

static inline cm_cursor cm_cursor_of(const cm_buf *b) { return (cm_cursor){b->data, b->data + b->len}; }
static inline int cm_cursor_more(const cm_cursor *c) { return c->p < c->end; }
static inline uint64_t cm_cursor_u64(cm_cursor *c) {
  uint64_t v;
  __builtin_memcpy(&v, c->p, 8);
  c->p += 8;
  return v;
}
static inline uint32_t cm_cursor_u32(cm_cursor *c) {
  uint32_t v;
  __builtin_memcpy(&v, c->p, 4);
  c->p += 4;
  return v;
}
static inline uint8_t cm_cursor_u8(cm_cursor *c) { return *c->p++; }
/* n bytes in place (a view into the buffer). */
static inline const uint8_t *cm_cursor_bytes(cm_cursor *c, size_t n) {
  const uint8_t *p = c->p;
  c->p += n;
  return p;
}

/* Typed views (the caller knows what it stored). */
#define CM_BUF_AT(b, type, i) (((type *)(b)->data)[i])
#define CM_BUF_COUNT(b, type) ((b)->len / sizeof(type))

#endif
