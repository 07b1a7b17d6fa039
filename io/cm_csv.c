#include "cm_csv.h"

#include "cm_files.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cm_error.h"

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
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
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

int cm_csv_read(const char *path, cm_strcol *cells, int *ncols, size_t *nrows) {
  cm_buf text = {0};
  int rc = cm_file_read_all(path, "CSV file", &text);
  if (rc != CM_OK) {
    cm_buf_free(&text);
    return rc;
  }
  CM_TRY(cm_strcol_init(cells));
  *ncols = 0;
  *nrows = 0;
  int col = 0, line = 1;
  const char *p = (const char *)text.data, *end = p + text.len;
  while (rc == CM_OK && p < end) {
    /* one field */
    if (*p == '"') {
      for (p++; p < end && rc == CM_OK; p++) {
        if (*p == '"' && p + 1 < end && p[1] == '"')
          rc = cm_strcol_extend(cells, p++, 1);
        else if (*p == '"')
          break;
        else
          rc = cm_strcol_extend(cells, p, 1);
      }
      if (p >= end) rc = CM_FAIL("%s:%d: unterminated quoted field", path, line);
      p++;
    } else {
      const char *s = p;
      while (p < end && *p != ',' && *p != '\n' && *p != '\r')
        p++;
      rc = cm_strcol_extend(cells, s, (size_t)(p - s));
    }
    if (rc == CM_OK) rc = cm_strcol_end(cells);
    col++;
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == '\r') p++;
    if (p < end && *p == '\n') p++;
    if (*ncols == 0)
      *ncols = col;
    else if (col != *ncols)
      rc = CM_FAIL("%s:%d: %d fields, the header has %d", path, line, col, *ncols);
    else
      (*nrows)++;
    col = 0, line++;
  }
  cm_buf_free(&text);
  return rc;
}
