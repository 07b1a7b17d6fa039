#include "cm_text.h"

#include <string.h>

#include "cm_error.h"

static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static char to_upper(char c) { return is_lower((unsigned char)c) ? (char)(c - 32) : c; }
static char to_lower(char c) { return is_upper((unsigned char)c) ? (char)(c + 32) : c; }

const char *cm_trim(const char *p, size_t *n) {
  size_t a = 0, b = *n;
  while (a < b && p[a] == ' ')
    a++;
  while (b > a && p[b - 1] == ' ')
    b--;
  *n = b - a;
  return p + a;
}

int cm_append_code(cm_buf *b, const char *p, size_t n, size_t *added) {
  const char *t = cm_trim(p, &n);
  CM_TRY(cm_buf_reserve(b, n));
  for (size_t i = 0; i < n; i++)
    b->data[b->len + i] = (uint8_t)to_upper(t[i]);
  b->len += n;
  if (added) *added = n;
  return CM_OK;
}

const char *cm_after_slash(const char *p, size_t *n) {
  const char *s = *n ? memrchr(p, '/', *n) : NULL;
  if (!s) return p;
  *n -= (size_t)(s + 1 - p);
  return s + 1;
}

int cm_doi_key(cm_buf *b, const char *p, size_t n) {
  for (size_t i = 0; i + 3 <= n; i++) {
    if (p[i] == '1' && p[i + 1] == '0' && p[i + 2] == '.') {
      CM_TRY(cm_buf_reserve(b, n - i));
      for (size_t k = i; k < n; k++)
        b->data[b->len++] = (uint8_t)to_lower(p[k]);
      return CM_OK;
    }
  }
  return CM_OK;
}

int cm_norm_name(cm_buf *b, const char *p, size_t n) {
  b->len = 0;
  CM_TRY(cm_buf_reserve(b, n + 1));
  int space = 1; /* drop leading spaces, collapse runs */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x80 || is_digit(c) || is_upper(c) || is_lower(c)) {
      b->data[b->len++] = (uint8_t)to_upper((char)c);
      space = 0;
    } else if (!space) {
      b->data[b->len++] = ' ';
      space = 1;
    }
  }
  if (b->len && b->data[b->len - 1] == ' ') b->len--;
  return CM_OK;
}

int cm_country2(const char *p, size_t n, char out[2]) {
  const char *t = cm_trim(p, &n);
  if (n != 2) return 0;
  out[0] = to_upper(t[0]);
  out[1] = to_upper(t[1]);
  return is_upper((unsigned char)out[0]) && is_upper((unsigned char)out[1]);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

int cm_dois_in_text(const char *p, size_t n, cm_buf *scratch,
                    int (*fn)(void *user, const char *doi, size_t len), void *user) {
  size_t i = 0;
  while (i + 3 < n) {
    /* 10\.[0-9]{4,9}/[^\s"<>]+ */
    if (!(p[i] == '1' && p[i + 1] == '0' && p[i + 2] == '.')) {
      i++;
      continue;
    }
    size_t k = i + 3, d = 0;
    while (k < n && is_digit((unsigned char)p[k]) && d < 10)
      k++, d++;
    /* greedy [0-9]{4,9} then '/': with 10 digits no match can start here */
    if (d < 4 || d > 9 || k >= n || p[k] != '/') {
      i++;
      continue;
    }
    size_t e = k + 1;
    while (e < n && !is_ws(p[e]) && p[e] != '"' && p[e] != '<' && p[e] != '>')
      e++;
    if (e == k + 1) {
      i++;
      continue;
    }
    size_t end = e;
    while (end > k + 1 && strchr(".,;:)]}'", p[end - 1]) && p[end - 1] != '\0')
      end--;
    scratch->len = 0;
    CM_TRY(cm_buf_reserve(scratch, end - i));
    for (size_t q = i; q < end; q++)
      scratch->data[scratch->len++] = (uint8_t)to_lower(p[q]);
    CM_TRY(fn(user, (const char *)scratch->data, scratch->len));
    i = e; /* matches do not overlap: continue after the full match */
  }
  return CM_OK;
}

int cm_bytes_cmp(const void *a, size_t an, const void *b, size_t bn) {
  size_t m = an < bn ? an : bn;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return (an > bn) - (an < bn);
}

/* A byte of a title word (ASCII letter or digit, or any non-ASCII byte)
 * maps to itself lowercased; every other byte to 0. A table, because this
 * runs on every byte of every NPL string (perf: the branchy test was ~10 %
 * of analyze). */
#define WORD_LOWER(c)                                                                                        \
  ((c) >= 0x80 || ((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z') ? (c)                             \
   : (c) >= 'A' && (c) <= 'Z'                                              ? (c) + 32                        \
                                                                           : 0)
#define WL4(c) WORD_LOWER(c), WORD_LOWER(c + 1), WORD_LOWER(c + 2), WORD_LOWER(c + 3)
#define WL16(c) WL4(c), WL4(c + 4), WL4(c + 8), WL4(c + 12)
#define WL64(c) WL16(c), WL16(c + 16), WL16(c + 32), WL16(c + 48)
static const uint8_t word_lower[256] = {WL64(0), WL64(64), WL64(128), WL64(192)};

int cm_title_words(const char *p, size_t n, cm_buf *norm, cm_buf *words, size_t *count) {
  norm->len = words->len = 0;
  *count = 0;
  /* norm never outgrows the text (a separator stands for at least one
   * non-word byte) and a word takes at least two bytes of it: reserve once,
   * then write without per-byte checks (this runs on every NPL string) */
  CM_TRY(cm_buf_reserve(norm, n + 1));
  CM_TRY(cm_buf_reserve(words, (n / 2 + 1) * 12));
  uint8_t *out = norm->data;
  uint32_t *w = (uint32_t *)words->data;
  const uint8_t *in = (const uint8_t *)p;
  size_t o = 0, nw = 0;
  for (size_t i = 0; i < n;) {
    uint8_t m = word_lower[in[i]];
    if (!m) {
      i++;
      continue;
    }
    if (o) out[o++] = ' ';
    size_t start = o;
    do {
      out[o++] = m;
      i++;
    } while (i < n && (m = word_lower[in[i]]) != 0);
    w[3 * nw] = (uint32_t)start;
    w[3 * nw + 1] = (uint32_t)(o - start);
    w[3 * nw + 2] = (uint32_t)i;
    nw++;
  }
  norm->len = o;
  words->len = nw * 12;
  *count = nw;
  return CM_OK;
}

int cm_view_cmp(const void *a, const void *b) {
  const cm_view *x = a, *y = b;
  return cm_bytes_cmp(x->p, x->n, y->p, y->n);
}
