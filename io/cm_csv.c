#include "cm_csv.h"

#include "cm_files.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cm_error.h"
#include "cm_text.h"

int cm_csv_field(cm_buf *b, const char *p, size_t n, int first) {
  if (!first) CM_TRY(cm_buf_push_u8(b, ','));
  int quote = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n') quote = 1;
  if (!quote) return cm_buf_append(b, p, n);
  CM_TRY(cm_buf_push_u8(b, '"'));
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"') CM_TRY(cm_buf_push_u8(b, '"'));
    CM_TRY(cm_buf_push_u8(b, (uint8_t)p[i]));
  }
  return cm_buf_push_u8(b, '"');
}

int cm_csv_str(cm_buf *b, const char *s, int first) { return cm_csv_field(b, s, strlen(s), first); }

int cm_csv_i64(cm_buf *b, int64_t v, int first) {
  char t[32];
  snprintf(t, sizeof t, "%" PRId64, v);
  return cm_csv_str(b, t, first);
}

int cm_csv_ratio(cm_buf *b, double v, int defined, int first) {
  char t[64] = "";
  if (defined) snprintf(t, sizeof t, "%.6f", v);
  return cm_csv_str(b, t, first);
}

int cm_csv_end(cm_buf *b) { return cm_buf_push_u8(b, '\n'); }

int cm_csv_save(const cm_buf *b, const char *path) {
  char tmp[CM_PATH_MAX];
  CM_PATH(tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return CM_FAIL("cannot write '%s': %s", tmp, strerror(errno));
  size_t w = b->len ? fwrite(b->data, 1, b->len, f) : 0;
  int bad = (w != b->len) | (fclose(f) != 0);
  if (bad) {
    remove(tmp);
    return CM_FAIL("writing '%s' failed (disk full?)", tmp);
  }
  if (rename(tmp, path) != 0) return CM_FAIL("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  return CM_OK;
}

int cm_csv_record(const char *p, size_t n, size_t *pos, cm_strcol *fields, int *nf, const char *what,
                  size_t line) {
  size_t i = *pos;
  fields->off.len = 8; /* no values: the first offset, 0, stays */
  fields->bytes.len = 0;
  *nf = 0;
  for (;;) {
    if (i < n && p[i] == '"') { /* quoted: up to the closing quote, "" is a quote */
      for (i++;; i++) {
        if (i >= n) return CM_FAIL("%s, line %zu: unterminated quoted field", what, line);
        if (p[i] == '"' && i + 1 < n && p[i + 1] == '"')
          CM_TRY(cm_strcol_extend(fields, p + i++, 1));
        else if (p[i] == '"')
          break;
        else
          CM_TRY(cm_strcol_extend(fields, p + i, 1));
      }
      i++;
    }
    size_t s0 = i; /* unquoted text (or what follows a closing quote) */
    while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r')
      i++;
    CM_TRY(cm_strcol_extend(fields, p + s0, i - s0));
    CM_TRY(cm_strcol_end(fields));
    (*nf)++;
    if (i < n && p[i] == ',') {
      i++;
      continue;
    }
    if (i < n && p[i] == '\r') {
      if (++i < n && p[i] == '\n') i++;
    } else if (i < n) {
      i++; /* '\n' */
    }
    *pos = i;
    return CM_OK;
  }
}

int cm_csv_read(const char *path, cm_strcol *cells, int *ncols, size_t *nrows) {
  cm_buf text = {0};
  cm_strcol fields;
  int rc = cm_file_read_all(path, "CSV file", &text);
  if (rc == CM_OK) rc = cm_strcol_init(cells);
  if (rc == CM_OK) rc = cm_strcol_init(&fields);
  *ncols = 0;
  *nrows = 0;
  for (size_t pos = 0, line = 1; rc == CM_OK && pos < text.len; line++) {
    int nf;
    rc = cm_csv_record((const char *)text.data, text.len, &pos, &fields, &nf, path, line);
    if (rc != CM_OK) break;
    if (*ncols == 0)
      *ncols = nf;
    else if (nf != *ncols) {
      rc = CM_FAIL("%s, line %zu: %d fields, the header has %d", path, line, nf, *ncols);
      break;
    } else
      (*nrows)++;
    rc = cm_strcol_append_col(cells, &fields);
  }
  cm_strcol_free(&fields);
  cm_buf_free(&text);
  return rc;
}
