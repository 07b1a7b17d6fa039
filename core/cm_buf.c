#include "cm_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"

int cm_buf_grow(cm_buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return CM_OK;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra)
    cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  CM_ALLOC(p, cap);
  b->data = p;
  b->cap = cap;
  return CM_OK;
}

int cm_buf_printf(cm_buf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  int rc = n < 0 ? CM_FAIL("formatting failed") : cm_buf_reserve(b, (size_t)n + 1);
  if (rc == CM_OK) {
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
  return rc;
}

void cm_buf_free(cm_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
