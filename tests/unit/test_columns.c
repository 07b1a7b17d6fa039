/* core/cm_columns: string and list columns keep their values byte for byte
 * (NUL bytes and empty values included), rows of a list are its items,
 * compaction keeps the rows asked for in order, and appending a column
 * continues its offsets. */
#include <string.h>

#include "cm_columns.h"
#include "cm_error.h"
#include "unit.h"

static int str_is(const cm_strcol *c, size_t i, const char *want, size_t n) {
  size_t l;
  const uint8_t *p = cm_strcol_get(c, i, &l);
  return l == n && memcmp(p, want, n) == 0;
}

static void strings(void) {
  cm_strcol c;
  CHECK(cm_strcol_init(&c) == CM_OK);
  CHECK(cm_strcol_push(&c, "abc", 3) == CM_OK);
  CHECK(cm_strcol_push(&c, "", 0) == CM_OK);
  CHECK(cm_strcol_push(&c, "a\0b", 3) == CM_OK); /* a NUL inside a value */
  CHECK(cm_strcol_extend(&c, "de", 2) == CM_OK);
  CHECK(cm_strcol_extend(&c, "f", 1) == CM_OK);
  CHECK(cm_strcol_end(&c) == CM_OK);
  CHECK(cm_strcol_count(&c) == 4);
  CHECK(str_is(&c, 0, "abc", 3) && str_is(&c, 1, "", 0) && str_is(&c, 2, "a\0b", 3) &&
        str_is(&c, 3, "def", 3));
  uint8_t keep[4] = {0, 1, 0, 1};
  cm_strcol_compact(&c, keep);
  CHECK(cm_strcol_count(&c) == 2 && str_is(&c, 0, "", 0) && str_is(&c, 1, "def", 3));
  cm_strcol d;
  CHECK(cm_strcol_init(&d) == CM_OK);
  CHECK(cm_strcol_push(&d, "x", 1) == CM_OK);
  CHECK(cm_strcol_append_col(&d, &c) == CM_OK);
  CHECK(cm_strcol_count(&d) == 3 && str_is(&d, 0, "x", 1) && str_is(&d, 2, "def", 3));
  cm_strcol_free(&c);
  cm_strcol_free(&d);
}

static void lists(void) {
  cm_listcol l;
  CHECK(cm_listcol_init(&l) == CM_OK);
  CHECK(cm_listcol_add(&l, "a", 1) == CM_OK && cm_listcol_add(&l, "bb", 2) == CM_OK);
  CHECK(cm_listcol_end_row(&l) == CM_OK); /* row 0: a, bb */
  CHECK(cm_listcol_end_row(&l) == CM_OK); /* row 1: empty */
  CHECK(cm_listcol_add(&l, "c", 1) == CM_OK && cm_listcol_end_row(&l) == CM_OK);
  CHECK(cm_listcol_count(&l) == 3);
  size_t first, cnt;
  cm_listcol_row(&l, 0, &first, &cnt);
  CHECK(first == 0 && cnt == 2 && str_is(&l.items, 1, "bb", 2));
  cm_listcol_row(&l, 1, &first, &cnt);
  CHECK(cnt == 0);
  uint8_t keep[3] = {0, 1, 1};
  CHECK(cm_listcol_compact(&l, keep) == CM_OK);
  CHECK(cm_listcol_count(&l) == 2);
  cm_listcol_row(&l, 1, &first, &cnt);
  CHECK(cnt == 1 && str_is(&l.items, first, "c", 1));
  cm_listcol m;
  CHECK(cm_listcol_init(&m) == CM_OK);
  CHECK(cm_listcol_append_col(&m, &l) == CM_OK && cm_listcol_append_col(&m, &l) == CM_OK);
  cm_listcol_row(&m, 3, &first, &cnt);
  CHECK(cm_listcol_count(&m) == 4 && cnt == 1 && str_is(&m.items, first, "c", 1));
  cm_listcol_free(&l);
  cm_listcol_free(&m);
}

int main(void) {
  strings();
  lists();
  if (!unit_failures) printf("unit_columns: all checks passed\n");
  return unit_failures != 0;
}
