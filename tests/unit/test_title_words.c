/* cm_title_words against a byte-at-a-time reference written from its
 * contract (cm_text.h): words are runs of ASCII letters and digits and of
 * bytes >= 0x80, ASCII lower-cased, joined by single spaces, with (start in
 * norm, length, end in the raw text) per word. Random strings of every
 * length from 0 to 300 (the fast path works in 64-byte blocks) plus long
 * ones, over alphabets heavy in separators, in non-ASCII bytes and in the
 * bytes next to the letter and digit ranges; any difference fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_rng.h"
#include "cm_text.h"

static int word_byte(uint8_t c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t reference(const uint8_t *p, size_t n, uint8_t *norm, size_t *norm_len, uint32_t *w) {
  size_t o = 0, nw = 0;
  for (size_t i = 0; i < n;) {
    if (!word_byte(p[i])) {
      i++;
      continue;
    }
    if (o) norm[o++] = ' ';
    size_t start = o;
    for (; i < n && word_byte(p[i]); i++)
      norm[o++] = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
    w[3 * nw] = (uint32_t)start, w[3 * nw + 1] = (uint32_t)(o - start), w[3 * nw + 2] = (uint32_t)i;
    nw++;
  }
  *norm_len = o;
  return nw;
}

/* the bytes around every class boundary, plus separators */
static const uint8_t EDGES[] = {0,   ' ', ',', '.', '/', '0', '9',  ':',  '@',  'A',
                                'Z', '[', '`', 'a', 'z', '{', 0x7F, 0x80, 0xC3, 0xFF};

static uint8_t random_byte(cm_rng *r, int alphabet) {
  uint64_t x = cm_rng_u64(r);
  switch (alphabet) {
  case 0:
    return (uint8_t)x; /* any byte */
  case 1:
    return EDGES[x % sizeof EDGES];
  case 2:
    return x % 7 == 0 ? ' ' : (uint8_t)('A' + x % 26); /* long words, upper case */
  default:
    return x % 2 ? (uint8_t)(0x80 + x % 128) : (uint8_t) " .,;-x1"[x % 7];
  }
}

/* p is copied to a block of exactly n bytes, so that a sanitizer build
 * catches any read past the string */
static int check(const uint8_t *src, size_t n) {
  uint8_t *p = malloc(n ? n : 1), *norm = malloc(n + 1);
  memcpy(p, src, n);
  uint32_t *w = malloc((n / 2 + 1) * 12);
  size_t nl, nw = reference(p, n, norm, &nl, w), got = 0;
  cm_buf a = {0}, b = {0};
  int bad = cm_title_words((const char *)p, n, &a, &b, &got) != 0 || got != nw || a.len != nl ||
            b.len != nw * 12 || (nl && memcmp(a.data, norm, nl) != 0) ||
            (nw && memcmp(b.data, w, nw * 12) != 0);
  cm_buf_free(&a);
  cm_buf_free(&b);
  free(p);
  free(norm);
  free(w);
  return bad;
}

int main(void) {
  cm_rng r = cm_rng_for(7, 0, 0);
  int fails = 0, cases = 0;
  uint8_t buf[5000];
  for (int alphabet = 0; alphabet < 4; alphabet++) {
    for (size_t n = 0; n <= 300; n++)
      for (int rep = 0; rep < 20; rep++, cases++) {
        for (size_t i = 0; i < n; i++)
          buf[i] = random_byte(&r, alphabet);
        if (check(buf, n)) {
          if (fails++ < 5) fprintf(stderr, "FAIL: alphabet %d, length %zu\n", alphabet, n);
        }
      }
    for (int rep = 0; rep < 50; rep++, cases++) {
      for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = random_byte(&r, alphabet);
      if (check(buf, sizeof buf) && fails++ < 5)
        fprintf(stderr, "FAIL: alphabet %d, length 5000\n", alphabet);
    }
  }
  if (fails) {
    fprintf(stderr, "%d of %d cases differ from the reference\n", fails, cases);
    return 1;
  }
  printf("cm_title_words matches the reference on %d strings\n", cases);
  return 0;
}
