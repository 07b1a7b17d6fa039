/* CSV output in SPEC 3's byte format: comma-separated, '\n' line ends, a
 * field quoted only when it holds ',', '"', CR or LF (inner quotes doubled),
 * integers plain, ratios "%.6f", empty for undefined. Not collective. */
#ifndef CM_CSV_H
#define CM_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "cm_columns.h"

int cm_csv_field(cm_buf *b, const char *p, size_t n, int first);
int cm_csv_str(cm_buf *b, const char *s, int first);
int cm_csv_i64(cm_buf *b, int64_t v, int first);
/* A ratio with 6 digits; `defined` = 0 writes an empty field. */
int cm_csv_ratio(cm_buf *b, double v, int defined, int first);
int cm_csv_end(cm_buf *b);
/* Writes the buffer to path atomically (path.tmp, then rename). */
int cm_csv_save(const cm_buf *b, const char *path);

/* Reads a whole CSV file (RFC 4180 quoting, \n or \r\n line ends) into
 * cells, row-major, with ncols from the header row. Rows with another
 * number of fields fail. */
int cm_csv_read(const char *path, cm_strcol *cells, int *ncols, size_t *nrows);

#endif
