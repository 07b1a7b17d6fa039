/* Byte-level text rules of SPEC 2 and 5 (ASCII-only trimming and casing,
 * assignee name normalization, keys, DOIs). Pure functions, not collective. */
#ifndef CM_TEXT_H
#define CM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"

/* Trims ASCII spaces (0x20) at both ends: returns the start, sets *n. */
const char *cm_trim(const char *p, size_t *n);
/* Appends the trimmed, ASCII upper-cased text to b; returns bytes added. */
int cm_append_code(cm_buf *b, const char *p, size_t n, size_t *added);
/* Part after the last '/' (the whole string when there is none). */
const char *cm_after_slash(const char *p, size_t *n);
/* Work DOI key: from the first "10." on, ASCII lower-cased, into b (empty
 * when there is no "10."). */
int cm_doi_key(cm_buf *b, const char *p, size_t n);
/* Byte-wise order of two strings (memcmp, shorter first on a tie). */
int cm_bytes_cmp(const void *a, size_t an, const void *b, size_t bn);
/* A view of bytes owned elsewhere, and its qsort comparator (cm_bytes_cmp). */
typedef struct {
  const uint8_t *p;
  uint32_t n;
} cm_view;
int cm_view_cmp(const void *a, const void *b);
/* Not collective: a view into a message (length, then bytes), and back
 * from a cursor over one (the view points into the message). */
int cm_view_put(cm_buf *b, cm_view v);
cm_view cm_view_get(cm_cursor *q);
/* Sorts n views by cm_view_cmp. Not collective. Most callers sort a row's few
 * names or cited keys, millions of times: up to 16 go through an inlined
 * insertion sort, where qsort's setup and indirect calls would cost more
 * than the sorting. */
void cm_views_sort(cm_view *v, size_t n);
/* norm(s) of SPEC 2 into b (b is reset first). */
int cm_norm_name(cm_buf *b, const char *p, size_t n);
/* Exactly two ASCII letters after trimming and upper-casing: writes them. */
int cm_country2(const char *p, size_t n, char out[2]);
/* DOIs in free text (SPEC 2/5): calls fn for each match, lower-cased and
 * stripped of trailing .,;:)]}' characters. */
int cm_dois_in_text(const char *p, size_t n, cm_buf *scratch,
                    int (*fn)(void *user, const char *doi, size_t len), void *user);

/* Words of a title or citation string for title matching, the same rules
 * for works' titles and patents' strings (docs/linkage.md): markup removed
 * (HTML tags; MathML keeps its text), entities decoded, every character
 * decomposed (NFKD), case-folded and stripped of diacritics (utf8proc);
 * runs of letters and digits are words, anything else (Unicode punctuation,
 * quotes, dashes, spaces) separates. Written to `norm` (UTF-8, reset first)
 * joined by single spaces. For each word, `words` receives four uint32: its
 * start in norm, its length, the offset just after it in the raw text, and
 * its start in the raw text. Returns the number of words in *count. ASCII
 * text without tags or entities takes a fast path with the same result. */
int cm_title_words(const char *p, size_t n, cm_buf *norm, cm_buf *words, size_t *count);
/* The raw text between two words (p, n bytes) sets them apart as parts
 * of a reference: it holds a quote mark, bracket or punctuation that ends
 * a part (ASCII " . , ; : ( ) [ ] { } ? ! < >, an apostrophe beside a
 * space; Unicode quotes, brackets and other punctuation: categories Pi,
 * Pf, Ps, Pe, Po, such as “ ” « » 《 》 ， 。 …). Spaces, hyphens and dashes,
 * '&' and '/' join words within a part ("Metal-organic", "Energy &
 * Environmental Science"). Invalid UTF-8 separates. Title links ask it of
 * the words around a title. */
int cm_gap_separates(const char *p, size_t n);

/* File system paths: every path citemill forms fits CM_PATH_MAX bytes
 * (cm_config_validate keeps the path options well below it), and one that
 * would not is an error, never a path cut short (which could name another
 * file). */
#define CM_PATH_MAX 4096
/* Not collective: formats a path into dst (n bytes); fails, naming the
 * path's start, when it does not fit. */
int cm_path(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CM_PATH(buf, ...) CM_TRY(cm_path((buf), sizeof(buf), __VA_ARGS__))

#endif
