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

/* The one CSV reader (the alias table, rejects files, the report's tables).
 * RFC 4180, read as Python's csv module reads it (the tools users check
 * citemill's files with): fields separated by commas; a record ends at LF,
 * CRLF or a lone CR; a quoted field holds commas, line ends and doubled
 * quotes, and text after its closing quote up to the next comma or line
 * end is kept as part of it; a quote inside an unquoted field is data.
 * Not collective. */

/* The record of text p[0..n) that starts at *pos (advanced past it) into
 * fields (cleared first), *nf fields; a blank line is one empty field. An
 * unterminated quoted field fails, naming what and the line. */
int cm_csv_record(const char *p, size_t n, size_t *pos, cm_strcol *fields, int *nf, const char *what,
                  size_t line);
/* Reads a whole CSV file into cells, row-major, with ncols from the header
 * row. Rows with another number of fields fail. */
int cm_csv_read(const char *path, cm_strcol *cells, int *ncols, size_t *nrows);

#endif
