/* In-memory columns, the shape records take between parsing and the store:
 * fixed-width columns are plain cm_bufs; a string column is offsets (n+1
 * uint64, first 0) plus bytes; a list-of-strings column adds a row index
 * (n+1 uint64) into a string column of items. Nothing here is collective. */
#ifndef CM_COLUMNS_H
#define CM_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"

typedef struct {
  cm_buf off;   /* uint64 offsets, n + 1 entries */
  cm_buf bytes; /* concatenated values */
} cm_strcol;

typedef struct {
  cm_buf index;    /* uint64 item offsets, n + 1 entries */
  cm_strcol items; /* all items of all rows */
} cm_listcol;

int cm_strcol_init(cm_strcol *c);
int cm_strcol_push(cm_strcol *c, const void *p, size_t n);
/* Appends bytes to the value being built; cm_strcol_end closes it. */
int cm_strcol_extend(cm_strcol *c, const void *p, size_t n);
int cm_strcol_end(cm_strcol *c);
size_t cm_strcol_count(const cm_strcol *c);
const uint8_t *cm_strcol_get(const cm_strcol *c, size_t i, size_t *len);
void cm_strcol_free(cm_strcol *c);

int cm_listcol_init(cm_listcol *c);
int cm_listcol_add(cm_listcol *c, const void *p, size_t n); /* item of the open row */
int cm_listcol_end_row(cm_listcol *c);
size_t cm_listcol_count(const cm_listcol *c);
/* Items of row i are items[first .. first + count). */
void cm_listcol_row(const cm_listcol *c, size_t i, size_t *first, size_t *count);
void cm_listcol_free(cm_listcol *c);

/* Appends every row of src to dst. */
int cm_strcol_append_col(cm_strcol *dst, const cm_strcol *src);
int cm_listcol_append_col(cm_listcol *dst, const cm_listcol *src);

/* Keep only rows whose keep[i] is nonzero, in order. */
void cm_fixed_compact(cm_buf *b, size_t elem, const uint8_t *keep);
void cm_strcol_compact(cm_strcol *c, const uint8_t *keep);
int cm_listcol_compact(cm_listcol *c, const uint8_t *keep);

#endif
