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

/* Ensures room for `extra` more bytes (grows by doubling). */
int cm_buf_reserve(cm_buf *b, size_t extra);
int cm_buf_append(cm_buf *b, const void *p, size_t n);
int cm_buf_push_u64(cm_buf *b, uint64_t v);
int cm_buf_push_i64(cm_buf *b, int64_t v);
int cm_buf_push_u32(cm_buf *b, uint32_t v);
int cm_buf_push_u8(cm_buf *b, uint8_t v);
void cm_buf_free(cm_buf *b);

/* Typed views (the caller knows what it stored). */
#define CM_BUF_AT(b, type, i) (((type *)(b)->data)[i])
#define CM_BUF_COUNT(b, type) ((b)->len / sizeof(type))

#endif
