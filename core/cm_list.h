/* A short list of strings given on the command line (codes, method names):
 * the entries point into one owned copy of the text. Not collective. */
#ifndef CM_LIST_H
#define CM_LIST_H

#include <stddef.h>

#define CM_MAX_LIST 64

typedef struct {
  char *v[CM_MAX_LIST];
  int n;
  char *buf; /* the copy v[] points into, when the list was set from text */
} cm_list;

/* Index of the n bytes at p in the list (compared verbatim), -1 when absent. */
int cm_list_index(const cm_list *l, const char *p, size_t n);

#endif
