#include "cm_list.h"

#include <string.h>

int cm_list_index(const cm_list *l, const char *p, size_t n) {
  for (int i = 0; i < l->n; i++)
    if (strlen(l->v[i]) == n && memcmp(l->v[i], p, n) == 0) return i;
  return -1;
}
