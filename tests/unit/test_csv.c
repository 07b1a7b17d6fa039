/* io/cm_csv_record: the one CSV reader, read as Python's csv module reads
 * (the oracle of these cases: csv.reader(io.StringIO(text, newline='')),
 * results written out below). Quoted fields with commas, line ends and
 * doubled quotes; text after a closing quote kept; LF, CRLF and lone CR
 * ending records; a quote inside an unquoted field is data; an unterminated
 * quote fails. The one difference: a blank line is one empty field here
 * (none in Python); the alias table ignores it either way. */
#include <string.h>

#include "cm_csv.h"
#include "cm_error.h"
#include "unit.h"

/* The records of text, fields joined by '|' and records by '/'. */
static int read_all(const char *text, char *out, size_t n) {
  cm_strcol f;
  cm_strcol_init(&f);
  size_t pos = 0, len = strlen(text), used = 0;
  out[0] = 0;
  for (size_t line = 1; pos < len; line++) {
    int nf;
    if (cm_csv_record(text, len, &pos, &f, &nf, "test", line) != CM_OK) {
      cm_strcol_free(&f);
      return CM_ERR;
    }
    for (int i = 0; i < nf; i++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&f, (size_t)i, &l);
      used += (size_t)snprintf(out + used, n - used, "%s%.*s", i ? "|" : (used ? "/" : ""), (int)l,
                               (const char *)p);
    }
  }
  cm_strcol_free(&f);
  return CM_OK;
}

static void is(const char *text, const char *want) {
  char got[512];
  CHECK(read_all(text, got, sizeof got) == CM_OK);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "  csv %s: got '%s', want '%s'\n", text, got, want);
    unit_failures++;
  }
}

int main(void) {
  is("a,b,c\n", "a|b|c");
  is("\"a,b\",c\n", "a,b|c");                   /* a comma inside quotes */
  is("\"say \"\"hi\"\"\",x\n", "say \"hi\"|x"); /* doubled quotes */
  is("\"two\nlines\",x\n", "two\nlines|x");     /* a line end inside quotes */
  is("\"abc\"x,y\n", "abcx|y");                 /* text after the closing quote is kept */
  is("a\"b,c\n", "a\"b|c");                     /* a quote inside an unquoted field */
  is("a,b\r\nc,d\r\n", "a|b/c|d");              /* CRLF */
  is("a\rb,c\n", "a/b|c");                      /* a lone CR ends a record */
  is("a,\n", "a|");                             /* an empty last field */
  is("\n", "");     /* a blank line: one empty field (Python: a record of none; both mean "blank") */
  is("a,b", "a|b"); /* no line end at the end */
  char got[64];
  CHECK(read_all("\"open,x\n", got, sizeof got) != CM_OK); /* unterminated */
  if (!unit_failures) printf("unit_csv: all checks passed\n");
  return unit_failures != 0;
}
