#include "cm_text.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cm_error.h"

static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static char to_upper(char c) { return is_lower((unsigned char)c) ? (char)(c - 32) : c; }
static char to_lower(char c) { return is_upper((unsigned char)c) ? (char)(c + 32) : c; }

/* A byte of a word (of a title, of a name): an ASCII letter or digit, or
 * any non-ASCII byte. A table; its initializer needs a constant
 * expression, hence the macro. */
#define WORD_BYTE(c)                                                                                         \
  ((c) >= 0x80 || ((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define WB4(c) WORD_BYTE(c), WORD_BYTE(c + 1), WORD_BYTE(c + 2), WORD_BYTE(c + 3)
#define WB16(c) WB4(c), WB4(c + 4), WB4(c + 8), WB4(c + 12)
#define WB64(c) WB16(c), WB16(c + 16), WB16(c + 32), WB16(c + 48)
static const uint8_t word_byte[256] = {WB64(0), WB64(64), WB64(128), WB64(192)};

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
    if (word_byte[c]) {
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

/* Bit k set when byte k of p[0..min(avail, 64)) is a word byte; bytes at
 * or past `avail` count as separators (never read). With SSE2, sixteen
 * bytes per step instead of a test per byte (this runs on every byte of
 * every NPL string); the table takes the rest. */
static inline uint64_t word_mask64(const uint8_t *p, size_t avail) {
  uint64_t m = 0;
  size_t k = 0;
#ifdef __SSE2__
  for (; k < 64 && k + 16 <= avail; k += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + k));
    __m128i high = _mm_cmplt_epi8(v, _mm_setzero_si128()); /* >= 0x80 */
    __m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20));    /* ASCII letters folded to lower case */
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(low, _mm_set1_epi8('z' + 1)));
    __m128i digit =
        _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    uint64_t bits = (uint16_t)_mm_movemask_epi8(_mm_or_si128(high, _mm_or_si128(alpha, digit)));
    m |= bits << k;
  }
#endif
  for (; k < 64 && k < avail; k++)
    m |= (uint64_t)word_byte[p[k]] << k;
  return m;
}

/* First index >= i whose word-byte bit equals `want` (n when none before
 * the end: past n every byte is a separator). *blk / *m cache the mask of
 * the 64-byte block last looked at. */
static inline size_t next_with(const uint8_t *in, size_t n, size_t i, int want, size_t *blk, uint64_t *m) {
  for (;;) {
    size_t b = i >> 6;
    if (b > n >> 6) return n;
    if (b != *blk) *blk = b, *m = word_mask64(in + (b << 6), n - (b << 6));
    uint64_t x = (want ? *m : ~*m) >> (i & 63);
    if (x) return i + (size_t)__builtin_ctzll(x);
    i = (b + 1) << 6;
  }
}

/* ASCII upper case to lower case in p[0..n), sixteen bytes per step with
 * SSE2. */
static void lower_ascii(uint8_t *p, size_t n) {
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
    __m128i up =
        _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    _mm_storeu_si128((__m128i *)(p + i), _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20))));
  }
#endif
  for (; i < n; i++)
    p[i] = (uint8_t)to_lower((char)p[i]);
}

int cm_title_words(const char *p, size_t n, cm_buf *norm, cm_buf *words, size_t *count) {
  norm->len = words->len = 0;
  *count = 0;
  /* norm never outgrows the text (a separator stands for at least one
   * non-word byte) and a word takes at least two bytes of it: reserve once,
   * then write without per-byte checks; + 16: short words are copied 16
   * bytes at a time */
  CM_TRY(cm_buf_reserve(norm, n + 17));
  CM_TRY(cm_buf_reserve(words, (n / 2 + 1) * 12));
  uint8_t *out = norm->data;
  uint32_t *w = (uint32_t *)words->data;
  const uint8_t *in = (const uint8_t *)p;
  size_t o = 0, nw = 0, blk = SIZE_MAX, i = 0;
  uint64_t m = 0;
  while ((i = next_with(in, n, i, 1, &blk, &m)) < n) {
    size_t end = next_with(in, n, i, 0, &blk, &m);
    if (o) out[o++] = ' ';
#ifdef __SSE2__
    if (end - i <= 16 && i + 16 <= n) /* the bytes after the word get overwritten next */
      _mm_storeu_si128((__m128i *)(out + o), _mm_loadu_si128((const __m128i *)(in + i)));
    else
#endif
      memcpy(out + o, in + i, end - i);
    w[3 * nw] = (uint32_t)o;
    w[3 * nw + 1] = (uint32_t)(end - i);
    w[3 * nw + 2] = (uint32_t)end;
    o += end - i;
    nw++;
    i = end;
  }
  lower_ascii(out, o);
  norm->len = o;
  words->len = nw * 12;
  *count = nw;
  return CM_OK;
}

int cm_view_cmp(const void *a, const void *b) {
  const cm_view *x = a, *y = b;
  return cm_bytes_cmp(x->p, x->n, y->p, y->n);
}

void cm_views_sort(cm_view *v, size_t n) {
  if (n > 16) {
    qsort(v, n, sizeof *v, cm_view_cmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    cm_view x = v[i];
    size_t j = i;
    for (; j > 0 && cm_bytes_cmp(v[j - 1].p, v[j - 1].n, x.p, x.n) > 0; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

int cm_path(char *dst, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(dst, n, fmt, ap);
  va_end(ap);
  if (k >= 0 && (size_t)k < n) return CM_OK;
  return CM_FAIL("path too long (over %zu bytes): '%.80s...'", n - 1, dst);
}
