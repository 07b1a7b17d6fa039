#include "cm_text.h"

#include <utf8proc.h>

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

/* The string holds what the fast path does not handle: non-ASCII (a
 * Unicode letter or punctuation), a tag or an entity. */
static size_t tag_len(const uint8_t *p, size_t n);
static size_t entity_len(const uint8_t *p, size_t n, int32_t *cp);

/* p[i] is '<' or '&' and begins a tag or an entity ("p<0.05" and "Energy &
 * Environmental" do not: the fast path reads them alike). */
static int markup_at(const uint8_t *p, size_t n, size_t i) {
  int32_t cp;
  return p[i] == '<' ? tag_len(p + i, n - i) > 0 : entity_len(p + i, n - i, &cp) > 0;
}

static int needs_unicode(const uint8_t *p, size_t n) {
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
    if (_mm_movemask_epi8(v)) return 1; /* a byte >= 0x80 */
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
    for (unsigned m = (unsigned)_mm_movemask_epi8(hit); m; m &= m - 1)
      if (markup_at(p, n, i + (size_t)__builtin_ctz(m))) return 1;
  }
#endif
  for (; i < n; i++)
    if (p[i] >= 0x80 || ((p[i] == '<' || p[i] == '&') && markup_at(p, n, i))) return 1;
  return 0;
}

/* ASCII text without markup: runs of letters and digits, found 64 bytes at
 * a time, lower-cased in one pass. */
static void ascii_words(const uint8_t *in, size_t n, uint8_t *out, uint32_t *w, size_t *o_out,
                        size_t *nw_out) {
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
    w[4 * nw] = (uint32_t)o;
    w[4 * nw + 1] = (uint32_t)(end - i);
    w[4 * nw + 2] = (uint32_t)end;
    w[4 * nw + 3] = (uint32_t)i;
    o += end - i;
    nw++;
    i = end;
  }
  lower_ascii(out, o);
  *o_out = o;
  *nw_out = nw;
}

/* An HTML or MathML tag at p[0..n): '<', an optional '/', a letter, then
 * anything but '<' up to '>'. Returns its length, 0 when p is no tag (a
 * '<' in "p<0.05" is text). */
static size_t tag_len(const uint8_t *p, size_t n) {
  size_t i = 1;
  if (i < n && p[i] == '/') i++;
  if (i >= n || !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')) return 0;
  for (; i < n && i < 4096; i++) {
    if (p[i] == '>') return i + 1;
    if (p[i] == '<') return 0;
  }
  return 0;
}

/* A character entity at p[0..n) (&amp; &lt; &gt; &quot; &apos; &nbsp;
 * &#NNN; &#xHHH;): its code point in *cp and its length; 0 when none. */
static size_t entity_len(const uint8_t *p, size_t n, int32_t *cp) {
  static const struct {
    const char *name;
    int32_t cp;
  } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}, {"nbsp;", 0xA0}};
  for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
    size_t l = strlen(named[k].name);
    if (n > l && memcmp(p + 1, named[k].name, l) == 0) return *cp = named[k].cp, l + 1;
  }
  if (n < 4 || p[1] != '#') return 0;
  int hex = p[2] == 'x' || p[2] == 'X';
  int32_t v = 0;
  size_t i = hex ? 3 : 2, start = i;
  for (; i < n && i < start + 7; i++) {
    int d = p[i] >= '0' && p[i] <= '9'                            ? p[i] - '0'
            : hex && (p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f' ? (p[i] | 0x20) - 'a' + 10
                                                                  : -1;
    if (d < 0) break;
    v = v * (hex ? 16 : 10) + d;
  }
  if (i == start || i >= n || p[i] != ';' || !utf8proc_codepoint_valid(v)) return 0;
  *cp = v;
  return i + 1;
}

/* Letters and numbers make words; marks are gone after decomposition;
 * punctuation, symbols, separators and controls separate. */
static int word_category(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
         (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

/* The general path: markup dropped (tags vanish: "LiFePO<sub>4</sub>" is
 * one word, as patents write it; MathML keeps its text), entities decoded,
 * each character decomposed (NFKD: compatibility forms), case-folded and
 * stripped of marks (utf8proc), so "Ångström", "angstrom" and "ANGSTROM"
 * agree and “quotes” separate. */
static int unicode_words(const uint8_t *in, size_t n, cm_buf *norm, cm_buf *words, size_t *count) {
  size_t nw = 0, wstart = 0, wraw = 0, wend_raw = 0;
  int inword = 0;
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t len;
    if (in[i] < 0x80 && word_byte[in[i]]) { /* a run of ASCII letters and digits, as the fast path */
      size_t j = i;
      while (j < n && in[j] < 0x80 && word_byte[in[j]])
        j++;
      CM_TRY(cm_buf_reserve(norm, j - i + 1));
      if (!inword) {
        if (norm->len) norm->data[norm->len++] = ' ';
        wstart = norm->len, wraw = i, inword = 1;
      }
      for (size_t k = i; k < j; k++)
        norm->data[norm->len++] = (uint8_t)(in[k] >= 'A' && in[k] <= 'Z' ? in[k] + 32 : in[k]);
      wend_raw = j, i = j;
      continue;
    }
    if (in[i] == '<' && (len = tag_len(in + i, n - i)) > 0) {
      i += len; /* no separator: markup sits inside words */
      continue;
    }
    if (in[i] == '&' && (len = entity_len(in + i, n - i, &cp)) > 0) {
    } else if (in[i] < 0x80) {
      cp = in[i], len = 1;
    } else {
      utf8proc_ssize_t l = utf8proc_iterate(in + i, (utf8proc_ssize_t)(n - i), &cp);
      if (l <= 0) cp = 0xFFFD, l = 1; /* not UTF-8 (validated JSON never is): a separator */
      len = (size_t)l;
    }
    int32_t d[18];
    utf8proc_ssize_t nd = 1;
    if (cp < 0x80)
      d[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    else {
      int bound = 0;
      nd = utf8proc_decompose_char(
          cp, d, 18, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, &bound);
      if (nd < 0 || nd > 18) d[0] = ' ', nd = 1;
    }
    for (utf8proc_ssize_t k = 0; k < nd; k++) {
      if (!(d[k] < 0x80 ? word_byte[d[k]] != 0 : word_category(d[k]))) {
        if (inword) { /* the word ends */
          uint32_t rec[4] = {(uint32_t)wstart, (uint32_t)(norm->len - wstart), (uint32_t)wend_raw,
                             (uint32_t)wraw};
          CM_TRY(cm_buf_append(words, rec, sizeof rec));
          nw++, inword = 0;
        }
        continue;
      }
      if (!inword) {
        if (norm->len) CM_TRY(cm_buf_push_u8(norm, ' '));
        wstart = norm->len, wraw = i, inword = 1;
      }
      uint8_t u[4];
      utf8proc_ssize_t ul = utf8proc_encode_char(d[k], u);
      CM_TRY(cm_buf_append(norm, u, (size_t)ul));
      wend_raw = i + len;
    }
    i += len;
  }
  if (inword) {
    uint32_t rec[4] = {(uint32_t)wstart, (uint32_t)(norm->len - wstart), (uint32_t)wend_raw, (uint32_t)wraw};
    CM_TRY(cm_buf_append(words, rec, sizeof rec));
    nw++;
  }
  *count = nw;
  return CM_OK;
}

int cm_title_words(const char *p, size_t n, cm_buf *norm, cm_buf *words, size_t *count) {
  norm->len = words->len = 0;
  *count = 0;
  const uint8_t *in = (const uint8_t *)p;
  if (needs_unicode(in, n)) return unicode_words(in, n, norm, words, count);
  /* norm never outgrows the text (a separator stands for at least one
   * non-word byte) and a word takes at least two bytes of it: reserve once,
   * then write without per-byte checks; + 16: short words are copied 16
   * bytes at a time */
  CM_TRY(cm_buf_reserve(norm, n + 17));
  CM_TRY(cm_buf_reserve(words, (n / 2 + 1) * 16));
  size_t o, nw;
  ascii_words(in, n, norm->data, (uint32_t *)words->data, &o, &nw);
  norm->len = o;
  words->len = nw * 16;
  *count = nw;
  return CM_OK;
}

int cm_view_put(cm_buf *b, cm_view v) {
  CM_TRY(cm_buf_push_u32(b, v.n));
  return cm_buf_append(b, v.p, v.n);
}

cm_view cm_view_get(cm_cursor *q) {
  cm_view v;
  v.n = cm_cursor_u32(q);
  v.p = cm_cursor_bytes(q, v.n);
  return v;
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

int cm_gap_separates(const char *p, size_t n) {
  int space = 0, apostrophe = 0;
  for (size_t i = 0; i < n;) {
    unsigned char b = (unsigned char)p[i];
    if (b < 0x80) {
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') space = 1;
      if (b == '\'') apostrophe = 1;
      if (b && strchr("\".,;:()[]{}?!<>", b)) return 1;
      i++;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
    if (l <= 0) return 1;
    utf8proc_category_t c = utf8proc_category(cp);
    if (c == UTF8PROC_CATEGORY_ZS) space = 1;
    if (c == UTF8PROC_CATEGORY_PS || c == UTF8PROC_CATEGORY_PE || c == UTF8PROC_CATEGORY_PI ||
        c == UTF8PROC_CATEGORY_PF || c == UTF8PROC_CATEGORY_PO)
      return 1;
    i += (size_t)l;
  }
  return apostrophe && space; /* a quote mark, not "Parkinson's" */
}
