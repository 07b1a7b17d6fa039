/* cm_title_words (core/cm_text.h), three ways:
 *  - ASCII text without '<' or '&' (the fast path, SSE2 in 64-byte blocks)
 *    against a byte-at-a-time reference written from the contract: runs of
 *    ASCII letters and digits, lower-cased, joined by single spaces, with
 *    (start in norm, length, end in the raw text, start in the raw text)
 *    per word; random strings of every length 0-300 and 5000;
 *  - the general path (Unicode, markup, entities) against the fast one: the
 *    same ASCII string with a no-break space appended (a separator, which
 *    sends it down the general path) must give the same words;
 *  - named cases of what the general path is for (quotes, dashes,
 *    diacritics, ligatures, case folding, markup, MathML, entities, CJK),
 *    and random bytes of every kind (no crash, offsets inside the string).
 * Each string sits in a block of exactly its size, so that the sanitizer
 * build catches a read past it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_rng.h"
#include "cm_text.h"

static int fails = 0, cases = 0;

static int word_byte(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t reference(const uint8_t *p, size_t n, uint8_t *norm, size_t *norm_len, uint32_t *w) {
  size_t o = 0, nw = 0;
  for (size_t i = 0; i < n;) {
    if (!word_byte(p[i])) {
      i++;
      continue;
    }
    if (o) norm[o++] = ' ';
    size_t start = o, raw = i;
    for (; i < n && word_byte(p[i]); i++)
      norm[o++] = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
    w[4 * nw] = (uint32_t)start, w[4 * nw + 1] = (uint32_t)(o - start), w[4 * nw + 2] = (uint32_t)i;
    w[4 * nw + 3] = (uint32_t)raw;
    nw++;
  }
  *norm_len = o;
  return nw;
}

/* cm_title_words on a copy of src in a block of exactly n bytes. */
static size_t words_of(const uint8_t *src, size_t n, cm_buf *norm, cm_buf *words) {
  uint8_t *p = malloc(n ? n : 1);
  memcpy(p, src, n);
  size_t nw = 0;
  if (cm_title_words((const char *)p, n, norm, words, &nw) != 0) nw = SIZE_MAX;
  free(p);
  return nw;
}

static void fail(const char *what, size_t n) {
  if (fails++ < 5) fprintf(stderr, "FAIL: %s, length %zu\n", what, n);
}

/* the fast path against the byte reference */
static void check_reference(const uint8_t *p, size_t n) {
  uint8_t *norm = malloc(n + 1);
  uint32_t *w = malloc((n / 2 + 1) * 16);
  size_t nl, nw = reference(p, n, norm, &nl, w);
  cm_buf a = {0}, b = {0};
  size_t got = words_of(p, n, &a, &b);
  if (got != nw || a.len != nl || b.len != nw * 16 || (nl && memcmp(a.data, norm, nl) != 0) ||
      (nw && memcmp(b.data, w, nw * 16) != 0))
    fail("fast path differs from the reference", n);
  cases++;
  cm_buf_free(&a), cm_buf_free(&b), free(norm), free(w);
}

/* the general path against the fast path: p + U+00A0 */
static void check_paths_agree(const uint8_t *p, size_t n) {
  uint8_t *q = malloc(n + 2);
  memcpy(q, p, n);
  q[n] = 0xC2, q[n + 1] = 0xA0;
  cm_buf a = {0}, b = {0}, c = {0}, d = {0};
  size_t x = words_of(p, n, &a, &b), y = words_of(q, n + 2, &c, &d);
  if (x != y || a.len != c.len || b.len != d.len || (a.len && memcmp(a.data, c.data, a.len) != 0) ||
      (b.len && memcmp(b.data, d.data, b.len) != 0))
    fail("the general path differs from the fast path", n);
  cases++;
  cm_buf_free(&a), cm_buf_free(&b), cm_buf_free(&c), cm_buf_free(&d), free(q);
}

/* any bytes: no failure, every word inside the norm and the raw text */
static void check_sane(const uint8_t *p, size_t n) {
  cm_buf a = {0}, b = {0};
  size_t nw = words_of(p, n, &a, &b);
  if (nw == SIZE_MAX) fail("an error on bytes", n);
  for (size_t i = 0; nw != SIZE_MAX && i < nw; i++) {
    const uint32_t *w = (const uint32_t *)b.data + 4 * i;
    if (w[0] + w[1] > a.len || w[1] == 0 || w[3] >= w[2] || w[2] > n) fail("a word outside its text", n);
  }
  cases++;
  cm_buf_free(&a), cm_buf_free(&b);
}

static void named(const char *text, const char *want) {
  cm_buf a = {0}, b = {0};
  words_of((const uint8_t *)text, strlen(text), &a, &b);
  if (a.len != strlen(want) || memcmp(a.data, want, a.len) != 0) {
    fprintf(stderr, "FAIL: '%s' gave '%.*s', want '%s'\n", text, (int)a.len, (const char *)a.data, want);
    fails++;
  }
  cases++;
  cm_buf_free(&a), cm_buf_free(&b);
}

/* cm_gap_separates on the text between two words */
static void gap(const char *text, int want) {
  if (cm_gap_separates(text, strlen(text)) != want) {
    fprintf(stderr, "FAIL: gap '%s' separates: %d, want %d\n", text, !want, want);
    fails++;
  }
  cases++;
}

/* the bytes around every class boundary, plus separators */
static const uint8_t EDGES[] = {0,   ' ', ',', '.', '/', '0', '9',  ':', '@', 'A',
                                'Z', '[', '`', 'a', 'z', '{', 0x7F, '<', '&', ';'};

static uint8_t random_byte(cm_rng *r, int alphabet) {
  uint64_t x = cm_rng_u64(r);
  switch (alphabet) {
  case 0:
    return EDGES[x % (sizeof EDGES - 3)]; /* ASCII without '<', '&', ';' */
  case 1:
    return x % 7 == 0 ? ' ' : (uint8_t)('A' + x % 26); /* long words, upper case */
  case 2:
    return EDGES[x % sizeof EDGES]; /* with '<' and '&' */
  case 3:
    return (uint8_t)x; /* any byte */
  default:
    return x % 2 ? (uint8_t)(0x80 + x % 128) : (uint8_t) " .,;-x1<>&#"[x % 11];
  }
}

int main(void) {
  named("Smith J, \xE2\x80\x9CGenerative Adversarial Nets\xE2\x80\x9D, NIPS 2014", /* typographic quotes */
        "smith j generative adversarial nets nips 2014");
  named("Zinc\xE2\x80\x93ion \xC2\xAB"
        "batteries\xC2\xBB",
        "zinc ion batteries"); /* en dash, guillemets */
  named("\xC3\x85ngstr\xC3\xB6m na\xC3\xAFve \xEF\xAC\x81sh Stra\xC3\x9F"
        "e",
        "angstrom naive fish strasse");
  named("LiFePO<sub>4</sub> cathodes", "lifepo4 cathodes"); /* markup inside a word */
  named("<i>Escherichia coli</i> growth", "escherichia coli growth");
  named("<mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\"><mml:mi>x</mml:mi></mml:math> ratio",
        "x ratio");
  named("R&amp;D &#233;t&#xE9; &lt;p&gt; p<0.05", "r d ete p p 0 05"); /* entities; "<0" is no tag */
  named("Beta\xC2\xA0mannanase \xE4\xB8\x80\xE7\xA7\x8D[J]", "beta mannanase \xE4\xB8\x80\xE7\xA7\x8D j");
  named("", "");
  gap(", ", 1), gap(": \"", 1), gap("[", 1), gap(". ", 1), gap(" (", 1), gap(" '", 1);
  gap("\xE2\x80\x9D, ", 1), gap(" \xC2\xAB", 1), gap("\xEF\xBC\x8C", 1),
      gap("\xE3\x80\x8A", 1);                                                    /* ” « ， 《 */
  gap("\xE2\x80\xA6", 1);                                                        /* … */
  gap(" ", 0), gap("", 0), gap("-", 0), gap(" & ", 0), gap("/", 0), gap("'", 0); /* Parkinson's */
  gap("\xE2\x80\x93", 0), gap(" \xE2\x80\x94 ", 0), gap("\xC2\xA0", 0), gap("\xE3\x80\x80", 0); /* – — nbsp */
  gap("\xFF", 1); /* invalid UTF-8 */
  cm_rng r = cm_rng_for(7, 0, 0);
  static uint8_t buf[5000];
  for (int alphabet = 0; alphabet < 5; alphabet++) {
    for (size_t n = 0; n <= 300; n++)
      for (int rep = 0; rep < 10; rep++) {
        for (size_t i = 0; i < n; i++)
          buf[i] = random_byte(&r, alphabet);
        if (alphabet <= 1) check_reference(buf, n);
        if (alphabet <= 2) check_paths_agree(buf, n);
        check_sane(buf, n);
      }
    for (int rep = 0; rep < 20; rep++) {
      for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = random_byte(&r, alphabet);
      if (alphabet <= 1) check_reference(buf, sizeof buf);
      if (alphabet <= 2) check_paths_agree(buf, sizeof buf);
      check_sane(buf, sizeof buf);
    }
  }
  if (fails) {
    fprintf(stderr, "%d of %d checks failed\n", fails, cases);
    return 1;
  }
  printf("cm_title_words: %d checks passed\n", cases);
  return 0;
}
